"""Many updates at once, each with its own session, as aiogram runs them: exactly one purchase
per draft and per code, balances never below zero, counters never lose an increment.

Runs on the suite's database: SQLite (transactions take turns in the process) and, with
TEST_DATABASE_URL, PostgreSQL (row locks and conditional updates do the work)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import LedgerEntry, Membership, Purchase
from services.errors import SaleRefused
from services.members import MemberService
from services.sales import SaleService
from tests.factories import (
    check_ledger_invariant,
    credit,
    in_own_session,
    issue_code,
    make_member,
    make_merchant,
    make_staff,
    reread,
)

CASHIERS = (900, 901)


async def setup(session_factory, clock):
    async with session_factory() as s:
        merchant = await make_merchant(s, clock)
        for tg in CASHIERS:
            await make_staff(s, clock, merchant, tg, name=f"C{tg}")
    return merchant


async def at_the_till(session_factory, clock, work):
    """`work(sales)` with a SaleService on a session of its own; a refusal is returned."""
    return await in_own_session(session_factory, lambda s: work(SaleService(s, (), clock)))


async def test_confirm_pressed_ten_times_at_once(session_factory, session, clock) -> None:
    merchant = await setup(session_factory, clock)
    await make_member(session, clock, merchant, 1)
    code = await issue_code(session, clock, merchant, 1)
    draft = await SaleService(session, (), clock).prepare(merchant.id, 900, code, 2_500, 0, None)
    results = await asyncio.gather(
        *[
            at_the_till(session_factory, clock, lambda s: s.confirm(merchant.id, 900, draft.key))
            for _ in range(10)
        ]
    )
    assert sum(1 for r in results if not isinstance(r, Exception) and not r.duplicate) == 1
    assert all(not isinstance(r, Exception) for r in results)
    async with session.begin():
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
        assert (await session.scalar(select(Purchase))).status == "confirmed"
    await check_ledger_invariant(session)


async def test_two_cashiers_spend_the_same_points_at_once(session_factory, session, clock) -> None:
    merchant = await setup(session_factory, clock)
    await make_member(session, clock, merchant, 1)
    await credit(session, clock, merchant, 1, 1_000)
    code = await issue_code(session, clock, merchant, 1)
    service = SaleService(session, (), clock)
    drafts = [
        await service.prepare(merchant.id, cashier, code, 5_000, 1_000, None)
        for cashier in CASHIERS
    ]
    results = await asyncio.gather(
        *[
            at_the_till(
                session_factory, clock, lambda s, d=d, c=c: s.confirm(merchant.id, c, d.key)
            )
            for d, c in zip(drafts, CASHIERS, strict=True)
        ]
    )
    refused = [r for r in results if isinstance(r, SaleRefused)]
    assert len(refused) == 1 and refused[0].reason in ("code_used", "balance_changed")
    member = await reread(session, Membership)
    assert member.balance_minor == 0 + 4_000 * 300 // 10_000
    await check_ledger_invariant(session)


async def test_friends_first_purchases_at_once_all_count(session_factory, session, clock) -> None:
    merchant = await setup(session_factory, clock)
    members = MemberService(session, clock)
    await make_member(session, clock, merchant, 1)
    ref = (await members.card(merchant.id, 1)).referral_code
    friends = list(range(10, 18))
    keys = []
    for tg in friends:
        await make_member(session, clock, merchant, tg, referral_code=ref)
        code = await issue_code(session, clock, merchant, tg)
        draft = await SaleService(session, (), clock).prepare(
            merchant.id, 900, code, 1_000, 0, None
        )
        keys.append(draft.key)
    results = await asyncio.gather(
        *[
            at_the_till(session_factory, clock, lambda s, k=k: s.confirm(merchant.id, 900, k))
            for k in keys
        ]
    )
    assert all(not isinstance(r, Exception) for r in results), results
    card = await members.card(merchant.id, 1)
    assert card.effective_referrals == len(friends)
    assert card.balance_minor == len(friends) * (500 + 20)  # bonus + 2 % of 10.00 each
    await check_ledger_invariant(session)


async def test_two_full_refunds_at_once_refund_once(session_factory, session, clock) -> None:
    merchant = await setup(session_factory, clock)
    await make_member(session, clock, merchant, 1)
    code = await issue_code(session, clock, merchant, 1)
    service = SaleService(session, (), clock)
    draft = await service.prepare(merchant.id, 900, code, 3_000, 0, None)
    sale = await service.confirm(merchant.id, 900, draft.key)
    results = await asyncio.gather(
        *[
            at_the_till(
                session_factory,
                clock,
                lambda s: s.refund(merchant.id, 900, sale.purchase_id, None),
            )
            for _ in range(2)
        ]
    )
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert [r.reason for r in results if isinstance(r, SaleRefused)] == ["already_refunded"]
    assert (await reread(session, Purchase)).refunded_minor == 3_000
    await check_ledger_invariant(session)


async def test_one_invite_accepted_by_six_people_at_once_hires_one(
    session_factory, session, clock
) -> None:
    from db.models import Staff
    from services.errors import InviteInvalid
    from services.staff import StaffService

    merchant = await setup(session_factory, clock)
    invite = await StaffService(session, (1,), clock).create_invite(merchant.id, 1, "admin")

    async def accept(tg: int) -> object:
        async with session_factory() as s:
            try:
                return await StaffService(s, (1,), clock).accept_invite(invite.token, tg, "X")
            except InviteInvalid as error:
                return error

    results = await asyncio.gather(*(accept(tg) for tg in range(60, 66)))
    assert sum(1 for r in results if not isinstance(r, InviteInvalid)) == 1
    async with session.begin():
        admins = (await session.scalars(select(Staff).where(Staff.role == "admin"))).all()
    assert len(admins) == 1
