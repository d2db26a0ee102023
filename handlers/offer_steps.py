"""The certificate-offer form's steps: their states and order (a new offer runs them all; an
edit runs from the step edited to the preview), the draft as FSM data keeps it, each step's
question, and a typed value taken into the draft (refused values raise, the step waits)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from handlers.ui.offer_form_render import (
    Prompt,
    days_prompt,
    kind_prompt,
    min_check_prompt,
    per_customer_prompt,
    preview,
    route_min_prompt,
    routes_prompt,
    total_prompt,
    value_prompt,
)
from services.coalition.offer_inputs import (
    HandOut,
    OfferRefused,
    OfferTerms,
    Route,
    check_caps,
    check_value,
    parse_cap,
    parse_item,
    parse_min_check,
    parse_money,
    parse_valid_days,
)
from services.coalition.offers import OfferPlace, OfferService
from services.dto import MemberContext

DRAFT = "offer"  # FSM data: the terms so far, and what the form edits


class OfferForm(StatesGroup):
    kind = State()
    value = State()
    min_check = State()
    days = State()
    total = State()
    per_customer = State()
    routes = State()
    route_min = State()  # an automatic route's threshold, typed
    preview = State()


NEXT = {  # a new offer's steps in turn
    OfferForm.kind: OfferForm.value,
    OfferForm.value: OfferForm.min_check,
    OfferForm.min_check: OfferForm.days,
    OfferForm.days: OfferForm.total,
    OfferForm.total: OfferForm.per_customer,
    OfferForm.per_customer: OfferForm.routes,
    OfferForm.route_min: OfferForm.routes,
    OfferForm.routes: OfferForm.preview,
}
# An edit goes on to the preview after these; after the others, to the next step.
LAST_OF_EDIT = {OfferForm.min_check, OfferForm.days, OfferForm.per_customer, OfferForm.routes}


def pack(terms: OfferTerms, offer_id: int = 0, issued: int = 0) -> dict[str, Any]:
    """A draft for FSM data; `offer_id` 0: a new offer. `base`: the terms as read when the form
    began, which Save compares with to write only what this edit changed."""
    raw = asdict(terms)
    draft = {"terms": raw, "base": raw, "offer": offer_id, "issued": issued, "money": True}
    return {DRAFT: draft}


def _terms(raw: dict[str, Any], key: str = "terms") -> OfferTerms:
    values = dict(raw[key])
    values["routes"] = tuple(
        Route(r["partner_id"], HandOut(r["hand_out"]), r["min_purchase_minor"])
        for r in values["routes"]
    )
    return OfferTerms(**values)


class Draft:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.terms = _terms(raw)
        self.base = _terms(raw, "base" if "base" in raw else "terms")  # a draft from before

    @property
    def editing(self) -> bool:
        return bool(self.raw["offer"])

    def saved(self, terms: OfferTerms, **also: Any) -> dict[str, Any]:
        return {DRAFT: {**self.raw, **also, "terms": asdict(terms)}}


async def draft_of(
    state: FSMContext, ctx: MemberContext, offers: OfferService
) -> tuple[Draft | None, OfferPlace]:
    """The presser's role first, then the draft (None when the form is over)."""
    place = await offers.place(ctx.work_merchant_id, ctx.telegram_id)
    raw = (await state.get_data()).get(DRAFT)
    return (Draft(raw) if isinstance(raw, dict) else None), place


def prompt(step: State, draft: Draft, place: OfferPlace) -> Prompt:
    terms = draft.terms
    if step == OfferForm.kind:
        return kind_prompt(not draft.editing)
    if step == OfferForm.value:
        return value_prompt(bool(draft.raw["money"]), place)
    if step == OfferForm.min_check:
        return min_check_prompt(terms, place)
    if step == OfferForm.days:
        return days_prompt()
    if step == OfferForm.total:
        return total_prompt()
    if step == OfferForm.per_customer:
        return per_customer_prompt()
    partner = place.partner(draft.raw.get("partner", 0))
    if step == OfferForm.route_min and partner is not None:
        return route_min_prompt(partner)
    if step in (OfferForm.routes, OfferForm.route_min):
        return routes_prompt(terms, place)
    return preview(terms, place, draft.editing)


async def ask(target: Message, state: FSMContext, step: State, place: OfferPlace) -> None:
    """Move to `step` and ask its question."""
    await state.set_state(step)
    draft = Draft((await state.get_data())[DRAFT])
    text, keyboard = prompt(step, draft, place)
    await target.answer(text, reply_markup=keyboard)


def after(step: State, draft: Draft) -> State:
    if draft.editing and step in LAST_OF_EDIT:
        return OfferForm.preview
    return NEXT[step]


async def go_on(
    target: Message,
    state: FSMContext,
    step: State,
    draft: Draft,
    terms: OfferTerms,
    place: OfferPlace,
) -> None:
    await state.update_data(draft.saved(terms))
    await ask(target, state, after(step, draft), place)


def typed(step: State, text: str, draft: Draft, place: OfferPlace) -> OfferTerms:
    """A typed step's value taken into the draft (OfferInput or OfferRefused when refused)."""
    terms = draft.terms
    if step == OfferForm.value:
        if draft.raw["money"]:
            value = parse_money(text, place.currency, place.max_sale_minor)
            return replace(terms, value_minor=value, item=None)
        return replace(terms, value_minor=0, item=parse_item(text))
    if step == OfferForm.min_check:
        least = parse_min_check(text, place.currency, place.max_sale_minor)
        terms = replace(terms, min_check_minor=least)
        check_value(terms)
        return terms
    if step == OfferForm.days:
        return replace(terms, valid_days=parse_valid_days(text))
    if step == OfferForm.total:
        cap = parse_cap(text)
        if cap < draft.raw["issued"]:
            raise OfferRefused("below_issued", draft.raw["issued"])
        return replace(terms, total_limit=cap)
    terms = replace(terms, per_customer_limit=parse_cap(text))
    check_caps(terms)
    return terms


TYPED = (
    OfferForm.value,
    OfferForm.min_check,
    OfferForm.days,
    OfferForm.total,
    OfferForm.per_customer,
)
