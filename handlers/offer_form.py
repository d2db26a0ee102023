"""The certificate-offer form of /offers: money or a named item, its value, the minimum check,
the validity, the total and per-customer caps, then each partner's way of handing it out; a
preview, and Save. Editing an offer runs the same steps from the one edited to the preview.
The draft lives in FSM data until Save; every step asks the service first, which checks the
presser's role."""

from __future__ import annotations

from dataclasses import replace

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.offer_steps import (
    TYPED,
    Draft,
    OfferForm,
    ask,
    draft_of,
    go_on,
    typed,
)
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.offer_form_render import (
    DraftAction,
    OfferDraftCb,
    no_form,
    other_step,
    route_choice,
    route_min_prompt,
    routes_prompt,
    saved_text,
    use_buttons,
)
from handlers.ui.offers_render import page_keyboard, page_text
from services.coalition.offer_inputs import HandOut, OfferRefused, Route, check_value, parse_money
from services.coalition.offers import OfferPlace, OfferService
from services.dto import MemberContext

router = Router(name=__name__)
STAFF = {"staff": True}


@router.message(StateFilter(*TYPED), plain_text, not_menu, flags=STAFF)
async def msg_value_typed(
    message: Message, ctx: MemberContext, offers: OfferService, state: FSMContext
) -> None:
    """A value, the minimum check, the days or a cap, typed; a refused one is said and the
    step waits for another."""
    draft, place = await draft_of(state, ctx, offers)
    current = await state.get_state()
    step = next((s for s in TYPED if s.state == current), None)
    if draft is None or step is None:
        await message.answer(no_form())
        return
    terms = typed(step, message.text or "", draft, place)
    await go_on(message, state, step, draft, terms, place)


@router.message(StateFilter(OfferForm.route_min), plain_text, not_menu, flags=STAFF)
async def msg_route_min(
    message: Message, ctx: MemberContext, offers: OfferService, state: FSMContext
) -> None:
    """An automatic route's threshold, in the partner's currency; back to the routes."""
    draft, place = await draft_of(state, ctx, offers)
    partner = place.partner(draft.raw.get("partner", 0)) if draft else None
    if draft is None or partner is None:
        raise OfferRefused("not_partner")
    least = parse_money(message.text or "", partner.currency, partner.max_sale_minor)
    route = Route(partner.id, HandOut.AUTO, least)
    terms = draft.terms.with_route(partner.id, route)
    await go_on(message, state, OfferForm.route_min, draft, terms, place)


# The form's states listed, not the group: bot/routing.py then knows at once that a message
# outside the form is none of this handler's (a group is left to aiogram, on every message).
@router.message(StateFilter(*OfferForm.__all_states__), off_topic, flags=STAFF)
async def msg_off_topic(
    message: Message, ctx: MemberContext, offers: OfferService, state: FSMContext
) -> None:
    """What a step did not take (text where a button is wanted, a sticker, a photo): the
    step's question is asked again, so it never reaches a member's chat with the place."""
    draft, place = await draft_of(state, ctx, offers)
    current = await state.get_state()
    step = next((s for s in OfferForm.__states__ if s.state == current), None)
    if draft is None or step is None:
        await message.answer(no_form())
        return
    if step in BUTTON_STEPS:
        await message.answer(use_buttons())
    await ask(message, state, step, place)


BUTTON_STEPS = (OfferForm.kind, OfferForm.routes, OfferForm.preview)


STEPS = {  # the step each button belongs to: an old button of another step is stale
    DraftAction.MONEY: OfferForm.kind,
    DraftAction.ITEM: OfferForm.kind,
    DraftAction.NO_MIN: OfferForm.min_check,
    DraftAction.NO_TOTAL: OfferForm.total,
    DraftAction.NO_PER: OfferForm.per_customer,
    DraftAction.PARTNER: OfferForm.routes,
    DraftAction.OFF: OfferForm.routes,
    DraftAction.AUTO: OfferForm.routes,
    DraftAction.CASHIER: OfferForm.routes,
    DraftAction.BACK: OfferForm.routes,
    DraftAction.ROUTES_DONE: OfferForm.routes,
    DraftAction.SAVE: OfferForm.preview,
    DraftAction.CANCEL: None,  # any step
}


@router.callback_query(OfferDraftCb.filter(), flags=STAFF)
async def cb_draft(
    query: CallbackQuery,
    callback_data: OfferDraftCb,
    ctx: MemberContext,
    offers: OfferService,
    state: FSMContext,
    answer: Answer,
) -> None:
    """A button of the form: taken when it belongs to the step the form is on."""
    draft, place = await draft_of(state, ctx, offers)
    step, current = STEPS[callback_data.action], await state.get_state()
    message = query.message
    if draft is None or current not in OfferForm:
        answer.toast(no_form())
        if isinstance(message, Message):
            await drop_keyboard(message)
        return
    if step is not None and current != step.state:
        answer.toast(other_step())
        return
    if not isinstance(message, Message):
        return
    if callback_data.action is DraftAction.CANCEL:
        await state.clear()
        await drop_keyboard(message)
        answer.toast(_("OK, cancelled."))
    elif step == OfferForm.routes:
        await _route_pressed(message, state, draft, place, callback_data, answer)
    elif callback_data.action is DraftAction.SAVE:
        await _save(message, ctx, offers, state, draft, place)
    else:
        await _step_pressed(message, state, draft, place, callback_data.action)


async def _step_pressed(
    message: Message, state: FSMContext, draft: Draft, place: OfferPlace, action: DraftAction
) -> None:
    """The kind chosen, or No minimum / No limit pressed: on to the next step."""
    terms = draft.terms
    if action is DraftAction.NO_MIN:
        terms = replace(terms, min_check_minor=0)
        check_value(terms)  # a money certificate needs a minimum above its value
    elif action is DraftAction.NO_TOTAL:
        terms = replace(terms, total_limit=None)
    elif action is DraftAction.NO_PER:
        terms = replace(terms, per_customer_limit=None)
    await drop_keyboard(message)
    if action in (DraftAction.MONEY, DraftAction.ITEM):
        await state.update_data(draft.saved(terms, money=action is DraftAction.MONEY))
        await ask(message, state, OfferForm.value, place)
        return
    await go_on(message, state, STEPS[action] or OfferForm.preview, draft, terms, place)


async def _route_pressed(
    message: Message,
    state: FSMContext,
    draft: Draft,
    place: OfferPlace,
    pressed: OfferDraftCb,
    answer: Answer,
) -> None:
    """The routes step: a partner chosen, its way of handing out set, or Next."""
    action = pressed.action
    if action is DraftAction.ROUTES_DONE:
        if not draft.terms.routes:
            raise OfferRefused("no_route")
        await drop_keyboard(message)
        await go_on(message, state, OfferForm.routes, draft, draft.terms, place)
        return
    partner = place.partner(pressed.value)
    if partner is None:
        raise OfferRefused("not_partner")
    terms = draft.terms
    if action is DraftAction.PARTNER:
        await edit_text(message, *route_choice(partner))
        return
    if action is DraftAction.AUTO:
        await state.update_data(draft.saved(terms, partner=partner.id))
        await drop_keyboard(message)
        await state.set_state(OfferForm.route_min)
        await message.answer(route_min_prompt(partner)[0])
        return
    if action is DraftAction.CASHIER:
        terms = terms.with_route(partner.id, Route(partner.id, HandOut.CASHIER))
    elif action is DraftAction.OFF:
        terms = terms.with_route(partner.id, None)
    await state.update_data(draft.saved(terms))
    await edit_text(message, *routes_prompt(terms, place))


async def _save(
    message: Message,
    ctx: MemberContext,
    offers: OfferService,
    state: FSMContext,
    draft: Draft,
    place: OfferPlace,
) -> None:
    """Save once: a second press after it finds the form over; two presses at once meet in
    the service, which saves one. A refused save keeps the draft."""
    merchant_id, actor = ctx.work_merchant_id, ctx.telegram_id
    fields: list[str] | None = None
    if draft.editing:
        offer_id = draft.raw["offer"]
        view, fields = await offers.update(merchant_id, actor, offer_id, draft.terms, draft.base)
    else:
        view = await offers.add(merchant_id, actor, draft.terms)
    await state.clear()
    await drop_keyboard(message)
    await message.answer(saved_text(fields))
    await message.answer(page_text(view, place), reply_markup=page_keyboard(view))
