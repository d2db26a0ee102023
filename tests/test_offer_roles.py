"""/offers and every offer button check the presser's role first: a customer, a cashier, a
revoked admin, the partner's admin and cashier, and the admin of a merchant that is not a
partner send and press them all, with the real keys of the main place's offer. Each is refused
(another place's admin is told the offer is not one of their place's), nothing of the offer is
said, and nothing changes: no offer, no route, no audit row, no program version raised."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from db.models import AuditLog, CertificateOffer, Merchant, OfferRoute, Staff
from handlers.ui.offer_form_render import DraftAction
from handlers.ui.offers_render import EditField, OfferAction
from services.merchants import MerchantService
from tests.factories import make_staff, staff_cast
from tests.offer_scene import MONEY_OFFER, OWNER, SALON, make_offer, of, ofd, partners
from tests.roles import assert_acts_refused
from tests.telegram import TgUser, hire, join

REFUSED = "Only the owners and admins of this place can manage certificate offers."
NOT_HERE = "This offer is not one of this place's."
SECRETS = ("off a check", "€10", "valid 30 days", "handed out", "Car wash C")
ROLES = {
    "customer": (102, False),
    "cashier": (50, False),
    "revoked admin": (60, False),
    "partner's admin": (71, True),
    "partner's cashier": (72, False),
    "non-partner's admin": (70, True),
}
ACTS: list[tuple[str, str, bool]] = [  # kind, data, acts on the main place's offer #1
    ("send", "/offers", False),
    ("press", of(OfferAction.LIST), False),
    ("press", of(OfferAction.ARCHIVED), False),
    ("press", of(OfferAction.NEW), False),
    ("press", of(OfferAction.SHOW, 1), True),
    ("press", of(OfferAction.ARCHIVE, 1), True),
    ("press", of(OfferAction.ARCHIVE_OK, 1), True),
    *[("press", of(OfferAction.EDIT, 1, field), True) for field in EditField],
    *[("press", ofd(action, SALON), False) for action in DraftAction],
]


async def state_of(db) -> tuple[object, ...]:
    offers = [
        (o.id, o.merchant_id, o.value_minor, o.total_limit, o.archived_at)
        for o in await db.all(select(CertificateOffer))
    ]
    routes = [
        (r.offer_id, r.partner_merchant_id, r.hand_out) for r in await db.all(select(OfferRoute))
    ]
    versions = [(m.id, m.program_version) for m in await db.all(select(Merchant))]
    return offers, routes, versions, await db.count(AuditLog)


async def scene(tg, db, session_factory, clock) -> dict[str, TgUser]:
    """Test Café (EUR) partners with Salon B (admin 71, cashier 72); Other Bistro (admin 70)
    is no partner; the café's cashier 50, revoked admin 60, member 102; offer #1 saved."""
    owner = tg(OWNER)
    await partners(owner, session_factory, clock, wash=False)
    await make_offer(owner, *MONEY_OFFER[:9], ofd(DraftAction.ROUTES_DONE))
    await owner.press(ofd(DraftAction.SAVE))
    await join(tg(102, first_name="Bob"))
    await staff_cast(owner, tg, db, session_factory, clock)
    async with session_factory() as session:
        salon = await MerchantService(session, clock).ensure_default(
            slug="salon", name="Salon B", currency="PLN", timezone="Europe/Warsaw", language="pl"
        )
        await make_staff(session, clock, salon, 71, role="admin", name="Sara")
        await make_staff(session, clock, salon, 72, name="Piotr")
    return {role: tg(user_id) for role, (user_id, _other) in ROLES.items()}


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_offer_act_checks_the_role_first(
    tg, db, session_factory, clock, caplog, role
) -> None:
    users = await scene(tg, db, session_factory, clock)
    assert await db.count(CertificateOffer) == 1
    other = ROLES[role][1]
    answers = (NOT_HERE,) if other else (REFUSED,)
    await assert_acts_refused(
        users[role], ACTS, answers, SECRETS, lambda: state_of(db), caplog, other=other
    )


async def test_the_partners_admin_sees_and_makes_only_their_own(
    tg, db, session_factory, clock
) -> None:
    users = await scene(tg, db, session_factory, clock)
    sara = users["partner's admin"]
    own = await sara.send("/offers")
    assert "€10" not in own.text and own.button_or_none("New offer")
    await make_offer(
        sara,
        ofd(DraftAction.ITEM),
        "Manicure",
        ofd(DraftAction.NO_MIN),
        "30",
        ofd(DraftAction.NO_TOTAL),
        ofd(DraftAction.NO_PER),
        ofd(DraftAction.PARTNER, 1),
        ofd(DraftAction.CASHIER, 1),
        ofd(DraftAction.ROUTES_DONE),
    )
    await sara.press(ofd(DraftAction.SAVE))
    rows = {(o.merchant_id, o.item) for o in await db.all(select(CertificateOffer))}
    assert rows == {(1, None), (SALON, "Manicure")}


async def test_an_admin_revoked_mid_form_is_stopped_at_the_next_step(
    tg, db, session_factory, clock
) -> None:
    owner, adam = tg(OWNER), tg(80, first_name="Adam")
    await partners(owner, session_factory, clock, wash=False)
    await hire(owner, adam, role="admin")
    await make_offer(adam, ofd(DraftAction.MONEY), "10")
    adam_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 80)
    await owner.press(f"srev:{adam_id}")
    stopped = await adam.send("30")
    assert stopped.text.endswith(REFUSED)
    after = await adam.send("30")  # the form is over: not taken as the validity
    assert "valid" not in after.text
    saved = await adam.press(ofd(DraftAction.SAVE))
    assert saved.toasts == [REFUSED] and await db.count(CertificateOffer) == 0
    assert await db.all(select(AuditLog).where(AuditLog.action == "offer_add")) == []


@pytest.mark.parametrize(
    "data", ["of:show:abc:n", "of:show:99999999999:n", "ofd:p:-1", "of:edit:1:zz", "ofd:zz:0"]
)
async def test_forged_buttons_change_nothing(tg, db, session_factory, clock, caplog, data) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock, wash=False)
    before = await state_of(db)
    with caplog.at_level(logging.WARNING):
        await owner.press(data)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await state_of(db) == before
