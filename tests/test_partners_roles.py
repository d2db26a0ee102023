"""Who may press the partnership console's buttons (issue 16): a customer, a cashier of the
place, a revoked admin, and another merchant's admin and cashier pressing forged buttons are
refused in words, learn nothing of the place's partners or links, and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from db.models import AuditLog, Merchant, Outbox, PartnerInvite, Partnership, Staff
from services.merchants import MerchantService
from tests.coalition_factories import make_partnership
from tests.factories import make_staff
from tests.partner_scene import invite, two_places
from tests.roles import assert_acts_refused

KASIA, REVA = 70, 71  # a cashier of Test Café, and its admin whose access was withdrawn
ANSWERS = (
    "Only the admins of this place can manage its partners.",
    "These businesses are no longer partners.",
    "This partnership has ended already.",
    "This link is closed already.",
    "This button is from the partners of another business than the one you work in now.",
    "These businesses are not partners.",
)
SECRETS = ("Salon", "valid until", "start=k", "Partners of Test Café")


async def scene_state(db) -> object:
    partnerships = [(p.id, p.ended_at) for p in await db.all(select(Partnership))]
    invites = [(i.id, i.used_at, i.expires_at) for i in await db.all(select(PartnerInvite))]
    versions = [(m.id, m.program_version) for m in await db.all(select(Merchant))]
    return partnerships, invites, versions, await db.count(AuditLog), await db.count(Outbox)


@pytest.mark.parametrize("who", ["customer", "cashier", "revoked", "other_admin", "other_cashier"])
async def test_console_buttons_are_refused_to_everyone_but_the_places_admins(
    who, tg, db, session_factory, clock, caplog
) -> None:
    s = await two_places(tg, session_factory, clock)
    async with session_factory() as session:
        salon = await MerchantService(session, clock).ensure_default(
            slug="salon", name="Salon", currency="HUF", timezone="UTC", language="en"
        )
        await make_staff(session, clock, s.cafe, KASIA, role="staff", name="Kasia")
        await make_staff(session, clock, s.cafe, REVA, role="admin", name="Reva")
        await make_partnership(session, clock, s.cafe, salon)
    await invite(s.ada)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Staff).where(Staff.telegram_id == REVA).values(revoked_at=clock())
        )
    invite_id = await db.scalar(select(PartnerInvite.id))
    user = {
        "customer": s.anna,
        "cashier": tg(KASIA),
        "revoked": tg(REVA),
        "other_admin": s.boris,
        "other_cashier": s.cyril,
    }[who]
    acts = [
        ("press", f"pt:console:0:{s.cafe.id}", False),
        ("press", f"pt:invite:0:{s.cafe.id}", False),
        ("press", f"pt:revoke:{invite_id}:{s.cafe.id}", True),
        ("press", f"pt:end:{salon.id}:{s.cafe.id}", True),
        ("press", f"pt:end_ok:{salon.id}:{s.cafe.id}", True),
    ]
    if who in ("other_admin", "other_cashier"):  # the buttons forged for their own place
        acts += [
            ("press", f"pt:revoke:{invite_id}:{s.bistro.id}", True),
            ("press", f"pt:end:{salon.id}:{s.bistro.id}", True),
            ("press", f"pt:end_ok:{salon.id}:{s.bistro.id}", True),
        ]
    await assert_acts_refused(
        user,
        acts,
        ANSWERS,
        SECRETS,
        lambda: scene_state(db),
        caplog,
        other=who == "other_admin",
    )


async def test_the_places_admin_and_an_owner_working_there_may(
    tg, db, session_factory, clock
) -> None:
    s = await two_places(tg, session_factory, clock)
    token = await invite(s.owner)  # the owner works in Test Café, the default
    row = await db.scalar(select(PartnerInvite))
    assert (row.merchant_id, row.token) == (s.cafe.id, token)
    revoked = await s.ada.press(f"pt:revoke:{row.id}:{s.cafe.id}")
    assert revoked.toasts == ["The link no longer works."]
    again = await s.ada.press(f"pt:revoke:{row.id}:{s.cafe.id}")
    assert again.toasts == ["This link is closed already."]
    withdrawn = (await s.boris.send(f"/start k{token}")).text
    assert withdrawn == "The business that sent this link has withdrawn it. Ask for a new one."
