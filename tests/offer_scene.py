"""The scene of the certificate-offer tests (issue 16): the main place (Test Café, EUR) and its
partners Salon B (PLN) and Car wash C (HUF), and the form's steps as an owner goes through them."""

from __future__ import annotations

from typing import Any

from handlers.ui.offer_form_render import DraftAction, OfferDraftCb
from handlers.ui.offers_render import EditField, OfferAction, OfferCb
from services.merchants import MerchantService
from tests.coalition_factories import make_partnership
from tests.factories import make_merchant

OWNER = 1
SALON, WASH = 2, 3  # merchant ids, in the order made


def of(action: OfferAction, offer: int = 0, field: EditField = EditField.NONE) -> str:
    return OfferCb(action=action, offer=offer, field=field).pack()


def ofd(action: DraftAction, value: int = 0) -> str:
    return OfferDraftCb(action=action, value=value).pack()


async def partners(owner: Any, session_factory: Any, clock: Any, *, wash: bool = True) -> None:
    """The main place (made by the owner's first update), Salon B and Car wash C as its
    partners (Car wash C made but not partnered when `wash` is False)."""
    await owner.send("/help")
    async with session_factory() as session:
        main = await make_merchant(session, clock, "main")
        made = MerchantService(session, clock)
        salon = await made.ensure_default(
            slug="salon", name="Salon B", currency="PLN", timezone="Europe/Warsaw", language="pl"
        )
        car = await made.ensure_default(
            slug="wash",
            name="Car wash C",
            currency="HUF",
            timezone="Europe/Budapest",
            language="hu",
        )
        assert (salon.id, car.id) == (SALON, WASH)
        await make_partnership(session, clock, main, salon)
        if wash:
            await make_partnership(session, clock, car, main)


# €10 off a check from €30, 30 days, 100 in all, no limit per customer; Salon B hands it out
# after a purchase of at least 20 zł, Car wash C's cashier with a tap.
MONEY_OFFER = (
    ofd(DraftAction.MONEY),
    "10,00",
    "30",
    "30",
    "100",
    ofd(DraftAction.NO_PER),
    ofd(DraftAction.PARTNER, SALON),
    ofd(DraftAction.AUTO, SALON),
    "20",
    ofd(DraftAction.PARTNER, WASH),
    ofd(DraftAction.CASHIER, WASH),
    ofd(DraftAction.ROUTES_DONE),
)
ITEM_OFFER = (
    ofd(DraftAction.ITEM),
    "Free car wash",
    ofd(DraftAction.NO_MIN),
    "14",
    ofd(DraftAction.NO_TOTAL),
    "1",
    ofd(DraftAction.PARTNER, SALON),
    ofd(DraftAction.CASHIER, SALON),
    ofd(DraftAction.ROUTES_DONE),
)


async def run(user: Any, *steps: str) -> Any:
    """Each step: a button's packed data (pressed) or text (sent); what the last one sent."""
    sent = None
    for step in steps:
        sent = await (user.press(step) if step.startswith("of") else user.send(step))
    return sent


async def make_offer(owner: Any, *steps: str) -> Any:
    """/offers, ➕ New offer, then each step; what the last one sent (the preview)."""
    await owner.send("/offers")
    await owner.press(of(OfferAction.NEW))
    return await run(owner, *steps)
