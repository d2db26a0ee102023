"""What an update costs the database, counted through the production dispatcher: who is
writing is one statement outside any transaction, and a card is one read transaction more."""

from __future__ import annotations

from tests.sql_counts import counting


async def test_a_card_is_two_statements_and_one_read_transaction(engine, db, anna) -> None:
    await db.credit(101, 1250)
    await anna.send("/card")  # the process's copy of the program is read by now
    anna.after = None  # the outbox sender's work is not the update's
    with counting(engine) as cost:
        sent = await anna.send("/card")
    assert "Balance: <b>1,250 points</b>" in sent.text
    assert len(cost.statements) == 2, cost.statements
    assert (cost.single, cost.reads, cost.writes) == (1, 1, 0)


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
