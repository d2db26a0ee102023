"""The new-promotion form of /promos: the name, what it gives (more points, extra stamps), the
days, the hours, the dates, from which level; then a preview, and Save. The draft lives in
FSM data until Save; every step asks the service first, which checks the presser's role. Each
step refuses what would make the promotion unsaveable (a name taken, nothing extra, dates off
its days) there and then; a name taken by a Save in between leads back to the name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.ui.edit import drop_keyboard, edit_text
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.promo_form_render import (
    dates_prompt,
    days_prompt,
    gives_prompt,
    hours_prompt,
    level_prompt,
    month_first,
    name_again,
    no_form,
    one_day_at_least,
    preview,
    promo_refused,
    saved_text,
    stamps_prompt,
    step_answered,
    use_buttons,
)
from handlers.ui.promo_render import DraftAction, DraftCb, page_keyboard, page_text
from services.dto import MemberContext
from services.policy.promo_inputs import parse_dates, parse_hours, parse_multiplier
from services.policy.promotions import PromotionRule
from services.promotions import (
    PromoPlace,
    PromoRefused,
    PromotionService,
    check_days,
    check_gives,
    draft,
)

router = Router(name=__name__)
STAFF = {"staff": True}
Prompt = tuple[str, InlineKeyboardMarkup]
Typed = tuple[State, PromotionRule]
DRAFT = "promo"  # FSM data: the promotion as composed so far


class PromoForm(StatesGroup):
    name = State()
    gives = State()  # a multiplier typed or pressed
    stamps = State()
    days = State()
    hours = State()
    dates = State()
    level = State()
    preview = State()


def _packed(rule: PromotionRule) -> dict[str, Any]:
    data = asdict(rule)
    for key in ("starts_on", "ends_on"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def _unpacked(data: dict[str, Any]) -> PromotionRule | None:
    raw = data.get(DRAFT)
    if not isinstance(raw, dict):
        return None
    values = dict(raw)
    for key in ("starts_on", "ends_on"):
        values[key] = date.fromisoformat(values[key]) if values[key] else None
    return PromotionRule(**values)


async def _ask(target: Message, prompt: Prompt) -> None:
    await target.answer(prompt[0], reply_markup=prompt[1])


async def _next(
    target: Message, state: FSMContext, step: State, rule: PromotionRule, place: PromoPlace
) -> None:
    """Keep the draft and ask the step's question."""
    await state.update_data({DRAFT: _packed(rule)})
    await state.set_state(step)
    prompts: dict[State, Callable[[], Prompt]] = {
        PromoForm.gives: lambda: gives_prompt(place),
        PromoForm.stamps: lambda: stamps_prompt(rule.multiplier_pct > 100, place.cashback),
        PromoForm.days: lambda: days_prompt(rule.weekdays, place.timezone),
        PromoForm.hours: hours_prompt,
        PromoForm.dates: lambda: dates_prompt(place),
        PromoForm.level: lambda: level_prompt(place),
        PromoForm.preview: lambda: preview(rule, place),
    }
    await _ask(target, prompts[step]())


async def _draft(
    state: FSMContext, ctx: MemberContext, promotions: PromotionService
) -> tuple[PromotionRule | None, PromoPlace]:
    """The presser's role first, then the draft (None when the form is over)."""
    place = await promotions.place(ctx.work_merchant_id, ctx.telegram_id)
    return _unpacked(await state.get_data()), place


@router.message(StateFilter(PromoForm.name), plain_text, not_menu, flags=STAFF)
async def msg_name(
    message: Message, ctx: MemberContext, promotions: PromotionService, state: FSMContext
) -> None:
    """The name, checked against the running ones; back from a refused Save, the draft
    keeps everything else and goes to its preview again."""
    name = await promotions.check_name(ctx.work_merchant_id, ctx.telegram_id, message.text or "")
    place = await promotions.place(ctx.work_merchant_id, ctx.telegram_id)
    rule = _unpacked(await state.get_data())
    if rule is not None:
        await _next(message, state, PromoForm.preview, replace(rule, name=name), place)
        return
    step = PromoForm.gives if place.cashback or not place.stamps else PromoForm.stamps
    await _next(message, state, step, draft(name, place.cashback), place)


def _after_gives(place: PromoPlace) -> State:
    return PromoForm.stamps if place.stamps else PromoForm.days


def _typed(step: str | None, text: str, rule: PromotionRule, place: PromoPlace) -> Typed:
    """A typed step's value taken into the draft, and the step that comes next."""
    if step == PromoForm.gives.state:
        rule = replace(rule, multiplier_pct=parse_multiplier(text))
        check_gives(rule, place, stamps_step_done=False)
        return _after_gives(place), rule
    if step == PromoForm.hours.state:
        start, end = parse_hours(text) or (None, None)
        return PromoForm.dates, replace(rule, start_minute=start, end_minute=end)
    first, last = parse_dates(text, place.today, month_first(place.timezone))
    rule = replace(rule, starts_on=first, ends_on=last)
    check_days(rule)
    return PromoForm.level, rule


@router.message(
    StateFilter(PromoForm.gives, PromoForm.hours, PromoForm.dates),
    plain_text,
    not_menu,
    flags=STAFF,
)
async def msg_typed(
    message: Message, ctx: MemberContext, promotions: PromotionService, state: FSMContext
) -> None:
    """A multiplier, the hours or the dates, typed; a refused one is said and the step waits."""
    rule, place = await _draft(state, ctx, promotions)
    if rule is None:
        await message.answer(no_form())
        return
    step, rule = _typed(await state.get_state(), message.text or "", rule, place)
    await _next(message, state, step, rule, place)


@router.message(
    StateFilter(PromoForm.stamps, PromoForm.days, PromoForm.level, PromoForm.preview),
    off_topic,
    flags=STAFF,
)
async def msg_at_a_button_step(
    message: Message, ctx: MemberContext, promotions: PromotionService, state: FSMContext
) -> None:
    """Anything typed where a button is wanted: the step's question is asked again, so the
    text never reaches a member's chat with the place."""
    rule, place = await _draft(state, ctx, promotions)
    step = await state.get_state()
    if rule is None or step is None:
        await message.answer(no_form())
        return
    await message.answer(use_buttons())
    await _next(
        message, state, next(s for s in PromoForm.__states__ if s.state == step), rule, place
    )


STEPS = {  # the step each button belongs to: an old button of another step is stale
    DraftAction.GIVES: PromoForm.gives,
    DraftAction.STAMPS: PromoForm.stamps,
    DraftAction.DAY: PromoForm.days,
    DraftAction.DAYS_DONE: PromoForm.days,
    DraftAction.ALL_DAY: PromoForm.hours,
    DraftAction.ALWAYS: PromoForm.dates,
    DraftAction.LEVEL: PromoForm.level,
    DraftAction.SAVE: PromoForm.preview,
    DraftAction.CANCEL: None,  # any step
}
ORDER = [s.state for s in PromoForm.__states__]  # a button of an earlier step: answered


@router.callback_query(DraftCb.filter(), flags=STAFF)
async def cb_draft(
    query: CallbackQuery,
    callback_data: DraftCb,
    ctx: MemberContext,
    promotions: PromotionService,
    state: FSMContext,
    answer: Answer,
) -> None:
    rule, place = await _draft(state, ctx, promotions)
    action, value = callback_data.action, callback_data.value
    step = STEPS[action]
    current = await state.get_state()
    message = query.message
    if rule and step and current in ORDER and ORDER.index(step.state) < ORDER.index(str(current)):
        answer.toast(step_answered())  # the form stays at its step
        return
    if rule is None or current not in PromoForm or (step and current != step.state):
        answer.toast(no_form())
        if isinstance(message, Message) and (rule is None or current not in PromoForm):
            await drop_keyboard(message)
        return
    if not isinstance(message, Message):
        return
    if action is DraftAction.CANCEL:
        await state.clear()
        await drop_keyboard(message)
        answer.toast(_("OK, cancelled."))
        return
    if action is DraftAction.DAY:
        weekdays = rule.weekdays ^ (1 << min(value, 6))
        if not weekdays:
            answer.toast(one_day_at_least())
            return
        rule = replace(rule, weekdays=weekdays)
        await state.update_data({DRAFT: _packed(rule)})
        text, keyboard = days_prompt(weekdays, place.timezone)
        await edit_text(message, text, keyboard)
        return
    if action is DraftAction.SAVE:
        await _save(message, ctx, promotions, state, rule, place)
        return
    if action is DraftAction.GIVES:
        rule = replace(rule, multiplier_pct=parse_multiplier(f"{value}%"))  # bounded as typed
        check_gives(rule, place, stamps_step_done=False)  # the buttons stay when refused
    elif action is DraftAction.STAMPS:
        rule = replace(rule, extra_stamps=value)
        check_gives(rule, place, stamps_step_done=True)
    await drop_keyboard(message)
    if action is DraftAction.GIVES:
        await _next(message, state, _after_gives(place), rule, place)
    elif action is DraftAction.STAMPS:
        await _next(message, state, PromoForm.days, rule, place)
    elif action is DraftAction.DAYS_DONE:
        await _next(message, state, PromoForm.hours, rule, place)
    elif action is DraftAction.ALL_DAY:
        rule = replace(rule, start_minute=None, end_minute=None)
        await _next(message, state, PromoForm.dates, rule, place)
    elif action is DraftAction.ALWAYS:
        rule = replace(rule, starts_on=None, ends_on=None)
        await _next(message, state, PromoForm.level, rule, place)
    elif action is DraftAction.LEVEL:
        await _next(message, state, PromoForm.preview, replace(rule, min_level_rank=value), place)


async def _save(
    message: Message,
    ctx: MemberContext,
    promotions: PromotionService,
    state: FSMContext,
    rule: PromotionRule,
    place: PromoPlace,
) -> None:
    """Save once: a second press after it finds the form over; two presses at once meet in
    the service, which saves one. A refused save keeps the draft; a name taken meanwhile (by
    another admin) asks for another name, then shows the preview again."""
    try:
        view = await promotions.add(ctx.work_merchant_id, ctx.telegram_id, rule)
    except PromoRefused as refused:
        if refused.reason != "name_taken":
            raise
        await state.set_state(PromoForm.name)
        await drop_keyboard(message)
        await message.answer(f"{promo_refused(refused)}\n{name_again()}")
        return
    await state.clear()
    await drop_keyboard(message)
    await message.answer(saved_text(view, place))
    await message.answer(page_text(view, place), reply_markup=page_keyboard(view))
