"""What one purchase costs the database, through the production dispatcher: the statements and
transactions of each step's use case are counted (they do not depend on load), so a purchase
written set-based cannot creep back to a statement per row.

A purchase is `/sale <code> <amount>` (SaleService.sell: the seller's check and the customer in
one statement, then the draft) and Confirm (SaleService.confirm: the draft, the seller and the
family read and locked in one statement, then a statement per set of rows). The buyer is at
the bottom of a chain of three referrers and buys for the first time, so every statement a
sale can need is there: the referral grant, three shares and the bonus, four notices; with
bot/middlewares.py's one statement per update, the purchase is 17 statements. Counted
without BEGIN and COMMIT (SQLite sends them as statements, PostgreSQL's driver does not); a
transaction is a `begin` on a connection."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import event, func, select, update

from db.models import LedgerEntry, LedgerReason, Merchant, Outbox, Purchase, Voucher, VoucherSource
from services.sales import SaleService
from tests.factories import (
    check_ledger_invariant,
    check_stamp_invariant,
    make_gift_reward,
    make_promotion,
    set_stamp_card,
)
from tests.telegram import TgUser, hire, join

OWNER = 1
USE_CASES = ("start", "sell", "prepare", "confirm")
# The use case's own statements, the record of the update (db/once.py) included; the program
# comes from the process's copy, its version checked by the update's context.
SELL_STATEMENTS = 4  # lookup, draft, audit, processed update
CONFIRM_STATEMENTS = 11  # family, grant, confirm, code, balances, ledger, audit, outbox,
#                          the buyer's report summary, processed update, the hour's report
#                          summary (written at the commit: db/repositories/flows.py)

# A merchant with a stamp card, a promotion and an invited friend's gift, for a first purchase
# that fills the card: the promotion's bonus and the gift join the ledger's statement, the
# gift's grant the referral's; the stamps add their entries, the vouchers the rewards' terms,
# the codes' check and the vouchers themselves, in one INSERT on both databases (their ids
# come back matched by code: VoucherRepo.issue).
REWARDS_STATEMENTS = CONFIRM_STATEMENTS + 4

# Per update, what bot/middlewares.py runs before the handler: who is writing, and whether the
# update was handled before, in one statement outside any transaction.
MIDDLEWARE = (1, 1)
# The preview's 🎁 buttons read the customer's open vouchers (RedeemService.for_sale) only
# when the sale's lookup counted some: nothing for a customer who holds none, as here.

_use_case: ContextVar[str | None] = ContextVar("use_case", default=None)


class Counts:
    """Statements and transactions by the use case that ran them, and in all."""

    def __init__(self) -> None:
        self.statements: Counter[str | None] = Counter()
        self.transactions: Counter[str | None] = Counter()
        self.seen: list[str] = []  # for the message of a failed assertion
        self.on = False

    def statement(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if self.on and sql.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.statements[_use_case.get()] += 1
            self.seen.append(f"{_use_case.get()}: {' '.join(sql.split())[:100]}")

    def __repr__(self) -> str:
        return "\n".join(self.seen)

    def begin(self, _conn: Any) -> None:
        if self.on:
            self.transactions[_use_case.get()] += 1

    @contextmanager
    def counting(self) -> Iterator[Counts]:
        self.statements.clear()
        self.transactions.clear()
        self.seen.clear()
        self.on = True
        try:
            yield self
        finally:
            self.on = False


@pytest.fixture
def counts(engine, monkeypatch) -> Iterator[Counts]:
    seen = Counts()
    for name in USE_CASES:
        original = getattr(SaleService, name)

        async def counted(self: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
            token = _use_case.set(_original.__name__)
            try:
                return await _original(self, *args, **kw)
            finally:
                _use_case.reset(token)

        monkeypatch.setattr(SaleService, name, counted)
    event.listen(engine.sync_engine, "before_cursor_execute", seen.statement)
    event.listen(engine.sync_engine, "begin", seen.begin)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", seen.statement)
    event.remove(engine.sync_engine, "begin", seen.begin)


async def chain_of_four(tg) -> list[TgUser]:
    """A invites B invites C invites D; each has joined through the bot."""
    people = [tg(101 + i, first_name="ABCD"[i]) for i in range(4)]
    await join(people[0])
    for inviter, friend in itertools.pairwise(people):
        link = (await inviter.send("/invite")).texts[0].split()[-1]
        await join(friend, link.split("start=")[1])
    return people


async def test_a_purchase_is_a_handful_of_statements_in_two_transactions(
    tg, dp, bot, db, sender, session_factory, counts
) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    a, b, c, d = await chain_of_four(tg)
    till = TgUser(dp, bot, kasia.id, first_name="Kasia")  # the sender is drained by hand
    # A first sale warms the process (the program's copy, the cashier's language noted).
    await a.send("/code")
    warm = await till.send(f"/sale {await db.pay_code(a.id)} 5")
    await till.press(warm.button("Confirm"))
    await sender.drain()

    await d.send("/code")
    code = await db.pay_code(d.id)
    with counts.counting():
        preview = await till.send(f"/sale {code} 20")
    sale = (counts.statements["sell"], counts.transactions["sell"])
    sale_update = (sum(counts.statements.values()), sum(counts.transactions.values()))
    assert sale == (SELL_STATEMENTS, 1), counts
    # bot/middlewares.py's work comes on top of the use case's.
    assert sale_update == (SELL_STATEMENTS + MIDDLEWARE[0], 1 + MIDDLEWARE[1]), counts
    with counts.counting():
        done = await till.press(preview.button("Confirm"))
    confirm = (counts.statements["confirm"], counts.transactions["confirm"])
    confirm_update = (sum(counts.statements.values()), sum(counts.transactions.values()))
    assert confirm == (CONFIRM_STATEMENTS, 1), counts
    assert confirm_update == (CONFIRM_STATEMENTS + MIDDLEWARE[0], 1 + MIDDLEWARE[1]), counts
    sent = [m for m in await _drain(sender, bot) if isinstance(m, SendMessage)]

    assert "👤 D" in preview.text and "Check: €20" in preview.text
    assert done.toasts == ["Confirmed."]
    assert sorted(m.chat_id for m in sent) == [a.id, b.id, c.id, d.id]
    told = {m.chat_id: m.text for m in sent}
    assert "60 points" in told[d.id]  # 3 % cashback at Bronze
    purchase = await db.scalar(select(Purchase).order_by(Purchase.id.desc()).limit(1))
    assert purchase.status == "confirmed" and purchase.made_referral_effective
    reasons = Counter(
        await db.all(select(LedgerEntry.reason).where(LedgerEntry.purchase_id == purchase.id))
    )
    assert reasons == {
        LedgerReason.CASHBACK: 1,
        LedgerReason.REFERRAL: 3,
        LedgerReason.REFERRAL_BONUS: 1,
    }
    queued = select(func.count()).select_from(Outbox)
    assert await db.scalar(queued.where(Outbox.dedupe_key.like(f"sale:{purchase.id}:%"))) == 4
    async with session_factory() as s:
        await check_ledger_invariant(s)


async def _drain(sender, bot) -> list[Any]:
    before = len(bot.session.requests)
    await sender.drain()
    sent: list[Any] = bot.session.requests[before:]
    return sent


async def test_stamps_a_promotion_and_a_friends_gift_cost_a_few_statements_more(
    tg, bot, db, sender, session, counts, engine
) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    a, b = (await chain_of_four(tg))[:2]
    await set_stamp_card(session, 2, "Free tea", stamp_daily_once=True)
    await make_promotion(session, "Double", extra_stamps=1)
    croissant = await make_gift_reward(session, "Free croissant")
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(friend_gift_minor=300, friend_reward_id=croissant))
    await a.send("/code")  # a warm-up sale, as above
    warm = await kasia.send(f"/sale {await db.pay_code(a.id)} 5")
    await kasia.press(warm.button("Confirm"))
    await b.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(b.id)} 20")
    with counts.counting():
        done = await kasia.press(preview.button("Confirm"))
    assert (counts.statements["confirm"], counts.transactions["confirm"]) == (
        REWARDS_STATEMENTS,
        1,
    ), counts
    assert done.toasts == ["Confirmed."]
    purchase = await db.scalar(select(Purchase).order_by(Purchase.id.desc()).limit(1))
    reasons = Counter(
        await db.all(select(LedgerEntry.reason).where(LedgerEntry.purchase_id == purchase.id))
    )
    assert reasons[LedgerReason.PROMOTION] == 1 and reasons[LedgerReason.FRIEND_GIFT] == 1
    assert purchase.stamps_earned == 2  # one, and the promotion's one
    sources = Counter(await db.all(select(Voucher.source).where(Voucher.purchase_id.is_(None))))
    assert sources == {VoucherSource.STAMPS: 2, VoucherSource.FRIEND: 1}  # a's card, b's
    await check_stamp_invariant(session)
    await check_ledger_invariant(session)


async def test_each_step_of_the_sale_form_is_one_transaction(tg, dp, bot, db, counts) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    code = await db.pay_code(anna.id)
    steps = []
    for text in ("/sale", code, "12.50"):
        with counts.counting():
            sent = await kasia.send(text)
        used = {name: counts.transactions[name] for name in USE_CASES if counts.transactions[name]}
        steps.append((sent.text, used))
    assert "6-digit code" in steps[0][0] and steps[0][1] == {"start": 1}
    assert "Anna" in steps[1][0] and steps[1][1] == {"sell": 1}  # asks for the amount
    assert "Check: €12.50" in steps[2][0] and steps[2][1] == {"sell": 1}  # the preview
    draft = await db.scalar(select(Purchase))
    assert (draft.status, draft.amount_minor) == ("draft", 1250)
