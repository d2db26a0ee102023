"""What an update costs the database, counted through the production dispatcher: who is
writing is one statement outside any transaction, which also reads what a card shows."""

from __future__ import annotations

import pytest

from tests.sql_counts import counting


async def test_a_card_is_one_statement_outside_any_transaction(engine, db, anna) -> None:
    await db.credit(101, 1250)
    await anna.send("/card")  # the process's copy of the program is read by now
    anna.after = None  # the outbox sender's work is not the update's
    with counting(engine) as cost:
        sent = await anna.send("/card")
    assert "Balance: <b>1,250 points</b>" in sent.text
    assert len(cost.statements) == 1, cost.statements
    assert (cost.single, cost.reads, cost.writes) == (1, 0, 0)


async def test_a_card_after_a_write_in_the_same_update_is_read_again(
    session_factory, clock, db, anna
) -> None:
    from db.models import LedgerReason
    from db.repositories import LedgerRepo, MembershipRepo
    from services.members import MemberService

    await db.credit(101, 1250)
    async with session_factory() as session:
        members = MemberService(session, clock)
        ctx = await members.context(101, 1, "en", (1, 424242))
        async with session.begin():  # a use case of the same update that writes
            pair = await MembershipRepo(session).for_telegram_user(101, ctx.merchant.id)
            assert pair is not None
            await LedgerRepo(session).post(pair[1], 250, LedgerReason.MANUAL, clock())
        card = await members.card(ctx.merchant.id, 101)
    assert card.balance_minor == 1500  # not the 1250 the update's first statement saw


async def test_a_card_seen_is_only_the_member_s_own(session_factory, clock, db, tg, anna) -> None:
    from services.errors import NotAMember
    from services.members import MemberService

    async with session_factory() as session:
        members = MemberService(session, clock)
        ctx = await members.context(101, 1, "en", (1, 424243))
        assert (await members.card(ctx.merchant.id, 101)).first_name == "Anna"
        with pytest.raises(NotAMember):
            await members.card(ctx.merchant.id, 102)  # not a member: read, and refused


async def test_an_update_delivered_again_costs_one_statement(engine, anna) -> None:
    await anna.send("/code")
    anna.after = None
    with counting(engine) as cost:
        again = await anna.replay()
    assert list(again) == []  # the second delivery did nothing and said nothing
    assert len(cost.statements) == 1 and (cost.single, cost.transactions) == (1, 0)


async def test_a_changed_program_is_on_the_next_card(engine, db, anna) -> None:
    from sqlalchemy import update

    from db.models import Level

    await anna.send("/card")
    async with engine.begin() as conn:  # as another process would change it
        await conn.execute(update(Level).where(Level.rank == 0).values(name="Copper"))
    assert "Level: <b>🥉 Copper</b>" in (await anna.send("/card")).text
