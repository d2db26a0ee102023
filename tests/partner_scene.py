"""Two merchants of one deployment for the partnership tests: Test Café (the default, `main`)
with its admin Ada, and the Bistro with its admin Boris and its cashier Cyril."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from db.models import AuditLog, BusinessCard
from services.dto import MerchantView
from services.merchants import MerchantService
from tests.factories import make_staff
from tests.telegram import TgUser, join
from tests.test_handlers_sale import OWNER

ADA, BORIS, CYRIL, ANNA = 61, 62, 63, 101


@dataclass
class Scene:
    owner: TgUser
    ada: TgUser  # admin of Test Café
    boris: TgUser  # admin of the Bistro
    cyril: TgUser  # cashier of the Bistro
    anna: TgUser  # member of Test Café
    cafe: MerchantView
    bistro: MerchantView


async def two_places(tg, session_factory, clock) -> Scene:
    owner = tg(OWNER)
    await owner.send("/staff")  # the default merchant exists from the first update
    async with session_factory() as session:
        service = MerchantService(session, clock)
        cafe = await service.by_slug("main")
        bistro = await service.ensure_default(
            slug="bistro", name="Bistro", currency="PLN", timezone="UTC", language="en"
        )
        await make_staff(session, clock, cafe, ADA, role="admin", name="Ada")
        await make_staff(session, clock, bistro, BORIS, role="admin", name="Boris")
        await make_staff(session, clock, bistro, CYRIL, role="staff", name="Cyril")
    anna = tg(ANNA)
    await join(anna)
    return Scene(
        owner,
        tg(ADA, first_name="Ada"),
        tg(BORIS, first_name="Boris"),
        tg(CYRIL),
        anna,
        cafe,
        bistro,
    )


def token_in(text: str) -> str:
    found = re.search(r"start=k([A-Za-z0-9]{16})", text)
    assert found is not None, text
    return found.group(1)


async def invite(admin: TgUser) -> str:
    """The admin presses ➕ Invite a partner on their console; the link's token."""
    console = await admin.send("/partners")
    return token_in((await admin.press(console.button("Invite a partner"))).text)


async def partner(inviter: TgUser, invitee: TgUser) -> str:
    """`inviter` sends a link, `invitee` opens it and accepts; the token."""
    token = await invite(inviter)
    preview = await invitee.send(f"/start k{token}")
    await invitee.press(preview.button("Accept"))
    return token


async def add_cards(
    session_factory, merchant_ids: list[int], description: str, address: str
) -> None:
    """A business card for each of the merchants, opening 08:00-20:00 every day."""
    async with session_factory() as s, s.begin():
        for merchant_id in merchant_ids:
            s.add(
                BusinessCard(
                    merchant_id=merchant_id,
                    description=description,
                    address=address,
                    phone="+48 600 100 200",
                    opening_hours="|".join(["08:00-20:00"] * 7),
                    updated_at=datetime(2026, 3, 1, tzinfo=UTC),
                    updated_by=OWNER,
                )
            )


async def audited(db) -> list[tuple[int, str, str | None]]:
    """The partnership acts of the audit log: (merchant, action, target), oldest first."""
    rows = await db.all(select(AuditLog).where(AuditLog.action.like("partner_%")))
    return [(r.merchant_id, r.action, r.target) for r in sorted(rows, key=lambda r: r.id)]
