"""Every update is handled at most once: Telegram may deliver one twice (a webhook retried,
a poller that crashed before acknowledging). Each step of a realistic day goes through the
production dispatcher twice with the same update id; the second delivery changes nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy import Numeric, func, select
from sqlalchemy.sql.sqltypes import Integer

from db.base import Base
from db.models import (
    Campaign,
    CartLine,
    CatalogItem,
    LedgerEntry,
    Membership,
    NpsAnswer,
    ProcessedUpdate,
    Purchase,
    Refund,
    Staff,
    StaffInvite,
)
from services.jobs import JobService
from tests.telegram import Sent, TgUser
from tests.test_handlers_sale import OWNER

Snapshot = dict[str, tuple[Any, ...]]


async def snapshot(db) -> Snapshot:
    """Every table's row count and the sums of its numbers (balances, amounts, quantities),
    and, stricter, its rows themselves (a status or a timestamp changed shows too)."""
    tables: Snapshot = {}
    async with db.factory() as s, s.begin():
        for table in Base.metadata.sorted_tables:
            if table.name == ProcessedUpdate.__tablename__:
                continue
            numbers = [
                func.coalesce(func.sum(c), 0)
                for c in table.columns
                if isinstance(c.type, Integer | Numeric) and not c.primary_key
            ]
            row = (await s.execute(select(func.count(), *numbers).select_from(table))).one()
            rows = (await s.execute(select(table).order_by(*table.primary_key))).all()
            tables[table.name] = (*row, [tuple(r) for r in rows])
    return tables


class Twice:
    """Feeds each step, then the same update again, and checks the replay changed nothing."""

    def __init__(self, db) -> None:
        self.db = db
        self.steps: list[Any] = []

    async def __call__(self, user: TgUser, step: Awaitable[Sent], writes: bool = True) -> Sent:
        """`writes`: the step writes (the database, or a form's state), so it is recorded;
        else it only reads, and records nothing."""
        recorded = await self.db.count(ProcessedUpdate)
        first = await step
        handled = await self.db.count(ProcessedUpdate) - recorded
        assert handled == int(writes), user._last
        before = await snapshot(self.db)
        again = await user.replay()
        assert await snapshot(self.db) == before, user._last
        assert await self.db.count(ProcessedUpdate) == recorded + handled
        if handled:
            # The first delivery was recorded: the second is dropped unanswered.
            assert again == [], (user._last, again.texts, again.toasts)
        self.steps.append(user._last)
        return first


async def test_every_command_and_button_fed_twice_writes_once(tg, db, session_factory, clock):
    owner, kasia = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia")
    anna, bob = tg(101, first_name="Anna"), tg(102, first_name="Bob")
    twice = Twice(db)

    # Joining: the rules (the link waits in the form's state), Accept, the answer about offers.
    rules = await twice(anna, anna.send("/start"))
    joined = await twice(anna, anna.press(rules.button("Accept")))
    assert await db.count(Membership) == 1
    await twice(anna, anna.press(joined.button("Yes, send me offers")))
    assert (await db.scalar(select(Membership))).marketing_opt_in
    await twice(anna, anna.send("/card"), writes=False)
    await twice(anna, anna.send("/code"))

    # The profile: birthday, phone, language. A step of a form writes the form's state:
    # delivered again after the form moved on, it would be the next step's input.
    profile = await twice(anna, anna.send("/profile"), writes=False)
    await twice(anna, anna.press(profile.button("Set birthday")))
    preview = await twice(anna, anna.send("24.05.1990"))
    await twice(anna, anna.press(preview.button("Save")))
    asked = await twice(anna, anna.press(profile.button("Share phone")))
    assert asked.texts
    shared = await twice(anna, anna.share_contact("48600700800"))
    await twice(anna, anna.press(shared.button("Remove phone")))
    languages = await twice(anna, anna.send("/language"), writes=False)
    await twice(anna, anna.press(languages.button("Polski")))
    await twice(anna, anna.press(languages.button("English")))

    # The catalog, the cart, a pre-order.
    added = await twice(owner, owner.send("/additem Coffee | Flat white | 3.80"))
    assert "Added #1" in added.text
    await twice(owner, owner.send("/additem Coffee | Espresso | 2.50"))
    menu = await twice(anna, anna.send("/catalog"), writes=False)
    items = await twice(anna, anna.press(menu.button("Coffee")), writes=False)
    await twice(anna, anna.press(items.button("Flat white")))
    await twice(anna, anna.press(items.button("Flat white")))
    assert (await db.scalar(select(CartLine.qty))) == 2
    cart = await twice(anna, anna.send("/cart"), writes=False)
    await twice(anna, anna.press(cart.button("➖ Flat white")))
    assert (await db.scalar(select(CartLine.qty))) == 1
    await twice(anna, anna.press(cart.button("Empty")))
    assert await db.count(CartLine) == 0
    await twice(anna, anna.press(items.button("Espresso")))
    cart = await twice(anna, anna.send("/cart"), writes=False)
    ordered = await twice(anna, anna.press(cart.button("Check out")))
    assert "Pre-order #1" in ordered.text

    # Staff: an invite, accepted.
    await twice(owner, owner.send("/staff"), writes=False)
    invite = await twice(owner, owner.press("sinv:staff"))
    assert await db.count(StaffInvite) == 1
    link = invite.text.split()[-1]
    welcome = await twice(kasia, kasia.send("/start " + link.split("start=")[1]))
    assert "Welcome to the team" in welcome.text
    assert await db.count(Staff) == 1

    # A sale step by step, with a receipt number and points, confirmed: the amount, the
    # receipt number or a points tap delivered again must not make another draft.
    await db.credit(101, 1_000)
    await twice(anna, anna.send("/code"))
    code = await db.pay_code(101)
    await twice(kasia, kasia.send("/sale"))
    await twice(kasia, kasia.send(code))
    first = await twice(kasia, kasia.send("19,90"))
    await twice(kasia, kasia.press(first.button("Add receipt no.")))
    shown = await twice(kasia, kasia.send("R-17"))
    preview = await twice(kasia, kasia.press(shown.button("Spend 199 points")))
    assert "To pay: <b>€17.91</b>" in preview.text
    done = await twice(kasia, kasia.press(preview.button("Confirm")))
    assert "Sale #1 confirmed" in done.text  # the choices re-priced the same draft
    assert await db.count(Purchase) == 1
    balance = (await db.scalar(select(Membership))).balance_minor
    assert balance == 1_000 - 199 + 53

    # One-line sales: one cancelled, two confirmed (the NPS comes after three purchases).
    await twice(anna, anna.send("/code"))
    preview = await twice(kasia, kasia.send(f"/sale {await db.pay_code(101)} 5"))
    cancelled = await twice(kasia, kasia.press(preview.button("Cancel")))
    assert "Nothing was charged" in cancelled.text
    receipts: list[Any] = []
    for amount in ("20", "7.50"):
        await twice(anna, anna.send("/code"))
        preview = await twice(kasia, kasia.send(f"/sale {await db.pay_code(101)} {amount}"))
        done = await twice(kasia, kasia.press(preview.button("Confirm")))
        receipts.append(next(m for m in done if getattr(m, "chat_id", None) == 101))
    assert await db.scalar(select(func.count()).where(Purchase.status == "confirmed")) == 3

    # A refund: asked first (a read), then once, and the second delivery says nothing.
    asked = await twice(kasia, kasia.send("/refund 3 5"), writes=False)
    refunded = await twice(kasia, kasia.press(asked.button("Refund")))
    assert "Refund of €5 on sale #3" in refunded.text
    assert await db.count(Refund) == 1

    # The customer rates a purchase and comments.
    stars = {
        b.text: b.callback_data for row in receipts[0].reply_markup.inline_keyboard for b in row
    }
    rated = await twice(anna, anna.press(stars["2⭐"]))
    assert rated.toasts
    await twice(anna, anna.send("The coffee was cold"))
    rated_row = await db.scalar(select(Purchase).where(Purchase.rating.is_not(None)))
    assert (rated_row.rating, rated_row.rating_comment) == (2, "The coffee was cold")

    # The NPS question from the scheduler, answered and commented.
    async with session_factory() as session:
        assert await JobService(session, clock).nps_surveys() == 1
    survey = (await db.scalar(select(Membership.id)), f"{clock():%Y%m%d}")
    await twice(anna, anna.press(f"nps:{survey[0]}-{survey[1]}:9"))
    await twice(anna, anna.send("Great coffee"))
    answer = await db.scalar(select(NpsAnswer))
    assert (answer.score, answer.comment) == (9, "Great coffee")

    # A push, sent; another, scheduled and stopped.
    await twice(owner, owner.send("/push"))
    await twice(owner, owner.send("Soup of the day"))
    who = await twice(owner, owner.send("Menu | https://cafe.example/menu"))
    preview = await twice(owner, owner.press(who.button("Everyone who opted in")))
    queued = await twice(owner, owner.press(preview.button("Send now")))
    assert "Push #1 queued for 1 member," in queued.text
    await owner.send("/push")
    extras = await owner.send("Cake of the day")
    who = await twice(owner, owner.press(extras.button("Skip")))
    languages = await twice(owner, owner.press(who.button("By language")), writes=False)
    preview = await twice(owner, owner.press(languages.button("English")))
    await twice(owner, owner.press(preview.button("Schedule")))
    await twice(owner, owner.send("24.12 18:30"))
    status = await twice(owner, owner.send("/push status"))
    stopped = await twice(owner, owner.press(status.button("Stop push #2")))
    assert "will not be sent" in stopped.toasts[0]
    assert await db.count(Campaign) == 2

    # The catalog shrinks, the cashier goes, the customer leaves.
    await twice(owner, owner.send("/delitem 2"))
    assert await db.scalar(select(func.count()).where(CatalogItem.archived)) == 1
    staff = await twice(owner, owner.send("/staff"), writes=False)
    revoked = await twice(owner, owner.press(staff.button("Revoke Kasia")))
    assert revoked.toasts == ["Kasia no longer has access."]
    await twice(bob, bob.press((await bob.send("/start")).button("Accept")))
    profile = await twice(anna, anna.send("/profile"), writes=False)
    ask = await twice(anna, anna.press(profile.button("Leave the program")), writes=False)
    gone = await twice(anna, anna.press(ask.button("Yes, delete everything")))
    assert "Your data is deleted" in gone.text
    assert (await db.scalar(select(Membership).where(Membership.id == survey[0]))).deleted_at
    assert await db.count(LedgerEntry) > 0
    assert len(twice.steps) > 60


async def test_a_duplicate_is_logged_with_its_update_id_only(tg, db, caplog) -> None:
    anna = tg(101, first_name="Anna")
    await anna.press((await anna.send("/start")).button("Accept"))
    with caplog.at_level(logging.INFO, logger="bot.middlewares"):
        assert await anna.replay() == []
    update_id = anna._last["update_id"] if anna._last else None
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.middlewares"]
    assert lines == [f"update {update_id} was handled before: ignored"]


async def test_two_deliveries_at_once_write_once(tg, dp, bot, db, caplog) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await owner.send("/staff")
    link = (await owner.press("sinv:staff")).text.split()[-1]
    await kasia.send("/start " + link.split("start=")[1])
    await anna.press((await anna.send("/start")).button("Accept"))
    await anna.send("/code")
    before = len(kasia.session.requests)
    chat = {"id": 50, "type": "private"}
    kasia_user = {"id": 50, "is_bot": False, "first_name": "Kasia"}
    text = f"/sale {await db.pay_code(101)} 20"
    payload: dict[str, Any] = {
        "update_id": 9_000_001,
        "message": {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": chat,
            "from": kasia_user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }

    def update() -> Update:
        return Update.model_validate(payload, context={"bot": bot})

    with caplog.at_level(logging.INFO, logger="bot.middlewares"):
        await asyncio.gather(dp.feed_update(bot, update()), dp.feed_update(bot, update()))
    # Both started before either finished: the second met the first's record at its commit.
    assert [r.getMessage() for r in caplog.records if r.name == "bot.middlewares"] == [
        "update 9000001 was handled meanwhile: ignored"
    ]
    assert await db.count(Purchase) == 1  # one draft, one preview
    answers = [m for m in kasia.session.requests[before:] if getattr(m, "chat_id", None) == 50]
    assert len(answers) == 1 and "Check: €20" in answers[0].text
    assert await db.scalar(
        select(func.count())
        .select_from(ProcessedUpdate)
        .where(ProcessedUpdate.bot_id == bot.id, ProcessedUpdate.update_id == 9_000_001)
    )
    await kasia.press(Sent(answers).button("Confirm"))
    # On PostgreSQL the duplicate's rolled-back draft may have used a sequence number.
    sale = await db.scalar(select(Purchase.id))
    # The refund's Confirm delivered twice at once: one refund, one answer.
    asked = await kasia.send(f"/refund {sale} 5")
    before = len(kasia.session.requests)
    payload = {
        "update_id": 9_000_002,
        "callback_query": {
            "id": "9000002",
            "from": kasia_user,
            "chat_instance": "ci",
            "data": asked.button("Refund"),
            "message": {"message_id": 78, "date": 1_700_000_000, "chat": chat, "text": "…"},
        },
    }
    await asyncio.gather(dp.feed_update(bot, update()), dp.feed_update(bot, update()))
    assert await db.count(Refund) == 1
    assert (await db.scalar(select(Purchase))).refunded_minor == 500
    entries = await db.all(select(LedgerEntry.reason).where(LedgerEntry.reason.like("%reversed")))
    assert len(entries) == 1
    answers = [m for m in kasia.session.requests[before:] if getattr(m, "chat_id", None) == 50]
    assert len(answers) == 1 and f"Refund of €5 on sale #{sale}" in answers[0].text


async def test_reads_record_nothing(tg, db) -> None:
    anna = tg(101)
    await anna.press((await anna.send("/start")).button("Accept"))
    recorded = await db.count(ProcessedUpdate)
    for text in ("/card", "/profile", "/history", "/help"):
        await anna.send(text)
    assert await db.count(ProcessedUpdate) == recorded


async def test_retention_forgets_records_older_than_seven_days(session, clock) -> None:
    from sqlalchemy import insert

    old, recent = clock() - timedelta(days=7, seconds=1), clock() - timedelta(days=6)
    async with session.begin():
        await session.execute(
            insert(ProcessedUpdate),
            [
                {"bot_id": 1, "update_id": 1, "created_at": old},
                {"bot_id": 1, "update_id": 2, "created_at": recent},
                {"bot_id": 2, "update_id": 1, "created_at": clock()},
            ],
        )
    assert await JobService(session, clock).forget_updates() == 1
    async with session.begin():
        left = (
            await session.execute(select(ProcessedUpdate.bot_id, ProcessedUpdate.update_id))
        ).all()
    assert sorted(left) == [(1, 2), (2, 1)]


async def test_a_duplicate_is_not_run_again_and_later_writes_insert_once(
    session_factory, db, clock
):
    from db.models import Lease
    from db.once import DuplicateUpdate, serve
    from services._tx import in_transaction

    def lease(name: str) -> Lease:
        return Lease(name=name, holder="h", expires_at=clock())

    async with session_factory() as first:
        serve(first, 7, 1, clock())
        async with first.begin():
            await first.scalar(select(func.count()).select_from(Lease))  # reads record nothing
        assert await db.count(ProcessedUpdate) == 0
        async with first.begin():
            first.add(lease("a"))
        async with first.begin():  # the same update writes again: recorded already
            first.add(lease("b"))
    assert await db.count(ProcessedUpdate) == 1
    runs = 0

    async def work() -> None:
        nonlocal runs
        runs += 1
        second.add(lease("c"))

    async with session_factory() as second:
        serve(second, 7, 1, clock())
        with pytest.raises(DuplicateUpdate):
            await in_transaction(second, work)  # retries IntegrityError, not this
    assert runs == 1
    assert await db.all(select(Lease.name).order_by(Lease.name)) == ["a", "b"]
    async with session_factory() as other_bot:
        serve(other_bot, 8, 1, clock())  # the same update id from another bot is another update
        async with other_bot.begin():
            other_bot.add(lease("d"))
    assert await db.count(ProcessedUpdate) == 2


async def test_unblocking_a_customer_who_writes_again_is_not_the_updates_work(tg, db) -> None:
    from sqlalchemy import update

    from db.models import Customer

    anna = tg(101)
    await anna.press((await anna.send("/start")).button("Accept"))
    async with db.factory() as s, s.begin():
        await s.execute(update(Customer).values(bot_blocked=True))
    recorded = await db.count(ProcessedUpdate)
    card = await anna.send("/card")
    assert not (await db.scalar(select(Customer))).bot_blocked
    assert await db.count(ProcessedUpdate) == recorded
    assert (await anna.replay()).texts == card.texts  # a read is answered again
