"""Demo data: `loyalty-bot demo-data` fills a program that obeys the app's own rules."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

import demo.people
import demo.purchases
import demo.writer
from db.engine import create_engine, create_session_factory
from db.models import (
    Campaign,
    Customer,
    LedgerEntry,
    LedgerReason,
    Level,
    Membership,
    Merchant,
    NpsAnswer,
    Outbox,
    Preorder,
    Purchase,
    Refund,
    Staff,
)
from demo.generator import generate_demo_data
from demo.purchases import referral_earned
from services import policy
from services.campaigns.content import parse_segment
from services.jobs import months_before
from services.merchants import level_info
from services.policy.accounts import Posting
from tests.conftest import FakeClock, fresh_engine
from tests.factories import check_ledger_invariant, make_member, make_merchant
from tests.test_cli import cli_without_aiogram

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def rows(engine: AsyncEngine, model: Any, order: Any = None) -> list[Any]:
    table = model.__table__
    statement = select(table).order_by(order if order is not None else table.c.id)
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).all())


async def check_program(engine: AsyncEngine, since: datetime, until: datetime) -> Counter[str]:
    """Everything a report relies on, checked row by row; returns what was seen."""
    members = {m.id: m for m in await rows(engine, Membership)}
    customers = {c.id: c for c in await rows(engine, Customer)}
    purchases = await rows(engine, Purchase)
    ledger = await rows(engine, LedgerEntry)
    refunds = await rows(engine, Refund)
    outbox = await rows(engine, Outbox)
    nps = await rows(engine, NpsAnswer)
    preorders = await rows(engine, Preorder)
    campaigns = await rows(engine, Campaign)
    staff = {s.telegram_id for s in await rows(engine, Staff)}
    (merchant,) = await rows(engine, Merchant)
    levels = [level_info(lv) for lv in await rows(engine, Level)]
    level = {lv.rank: lv for lv in levels}
    merchant_rates = [merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3]
    value = merchant.point_value_minor  # points in money; spend and bonuses are money

    def paid(p: Any) -> int:
        return int(p.amount_minor - p.points_spent * value)

    seen: Counter[str] = Counter()

    # The ledger: a running balance per member, in id order, never below zero, in time order.
    running: dict[int, int] = defaultdict(int)
    last_at: dict[int, datetime] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    for e in ledger:
        running[e.membership_id] += e.delta_minor
        assert e.balance_after_minor == running[e.membership_id] >= 0, e
        assert e.created_at >= last_at.get(e.membership_id, e.created_at), e
        assert since <= e.created_at < until
        last_at[e.membership_id] = e.created_at
        reasons[e.membership_id].append(e.reason)
        seen[f"ledger:{e.reason}"] += 1
    for m in members.values():
        assert m.balance_minor == running.get(m.id, 0), m.id

    # Purchases: confirmed, in the window, cashback and points as the member's level allowed.
    spend: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    last_purchase: dict[int, datetime] = {}
    effective: dict[int, int] = defaultdict(int)
    by_id = {p.id: p for p in purchases}
    assert len({p.idempotency_key for p in purchases}) == len(purchases)
    for p in purchases:
        assert p.status == "confirmed" and p.receipt_no is None
        assert since <= p.confirmed_at < until and p.created_at <= p.confirmed_at
        assert len(p.idempotency_key) <= 32 and len(p.payment_code) == 6
        assert p.payment_code.isdigit() and p.staff_telegram_id in staff
        held = level[p.level_before]
        assert p.points_spent <= p.amount_minor * held.max_redeem_bp // policy.BP // value
        assert p.cashback_minor == policy.cashback(paid(p), held, value)
        assert p.level_after >= p.level_before
        assert p.refunded_minor in (0, p.amount_minor)  # refunds are in full
        if p.refunded_minor == 0:
            spend[p.membership_id] += paid(p)
            count[p.membership_id] += 1
            if p.made_referral_effective:
                effective[members[p.membership_id].referrer_id] += 1
        else:
            assert not p.made_referral_effective
            seen["refunded"] += 1
        if p.rating is not None:
            assert 1 <= p.rating <= 5 and p.confirmed_at < p.rated_at < until
            seen["rated"] += 1
            seen[f"stars:{p.rating}"] += 1
        last_purchase[p.membership_id] = max(
            p.confirmed_at, last_purchase.get(p.membership_id, p.confirmed_at)
        )
        seen["purchases"] += 1
    for m in members.values():
        assert m.lifetime_spend_minor == spend[m.id], m.id
        assert m.purchases_count == count[m.id], m.id
        assert m.effective_referrals == effective[m.id], m.id
        assert m.level_rank == policy.level_for(levels, spend[m.id], effective[m.id]).rank
    assert len(refunds) == seen["refunded"]
    for r in refunds:
        p = by_id[r.purchase_id]
        assert r.amount_minor == p.refunded_minor and r.points_returned == p.points_spent
        assert p.confirmed_at < r.created_at < until

    # Referral rewards: up the buyer's chain, each depth its share of the paid amount; a bonus
    # once per friend, on the purchase that made the referral effective (their first).
    def chain(mid: int) -> list[int]:
        ancestors: list[int] = []
        up = members[mid].referrer_id
        while up is not None and len(ancestors) < policy.MAX_REFERRAL_DEPTH:
            ancestors.append(up)
            up = members[up].referrer_id
        return ancestors

    bonuses: Counter[int] = Counter()
    for e in ledger:
        if e.reason not in ("referral", "referral_bonus"):
            continue
        p = by_id[e.purchase_id]
        ancestors = chain(p.membership_id)
        assert e.membership_id in ancestors, e
        depth = ancestors.index(e.membership_id) + 1
        if e.reason == "referral":
            shares = policy.referral_shares(paid(p), merchant_rates, value)
            assert e.delta_minor == shares[depth - 1]
            seen[f"referral_depth:{depth}"] += 1
        else:
            assert depth == 1 and p.made_referral_effective
            assert e.delta_minor == merchant.referral_bonus_minor // value
            bonuses[p.membership_id] += 1
    firsts: dict[int, list[Any]] = defaultdict(list)
    for p in purchases:
        firsts[p.membership_id].append(p)
    for mid, bought in firsts.items():
        made = [p for p in bought if p.made_referral_effective]
        assert len(made) <= 1 and bonuses[mid] == len(made) * bool(merchant.referral_bonus_minor)
        for p in made:
            earlier = [q for q in bought if q.confirmed_at < p.confirmed_at]
            assert all(q.refunded_minor for q in earlier), mid

    # Members: joined in the window, referrers joined before their friends.
    depth_of: dict[int, int] = {}

    def tree_depth(mid: int) -> int:
        if mid not in depth_of:
            referrer = members[mid].referrer_id
            depth_of[mid] = 0 if referrer is None else 1 + tree_depth(referrer)
        return depth_of[mid]

    for m in members.values():
        assert since <= m.joined_at < until and m.consented_at == m.joined_at
        assert (m.source == "referral") == (m.referrer_id is not None)
        if m.referrer_id is not None:
            referrer = members[m.referrer_id]
            assert referrer.joined_at < m.joined_at
            assert referrer.deleted_at is None or referrer.deleted_at > m.joined_at
        seen["max_depth"] = max(seen["max_depth"], tree_depth(m.id))
        c = customers[m.customer_id]
        if m.deleted_at is None:
            assert c.telegram_id > 0
            continue
        # Erased: an anonymous customer of its own, nothing left on the account.
        seen["erased"] += 1
        assert c.telegram_id == -m.id and c.bot_blocked
        assert (c.first_name, c.phone, c.birthday_day, c.language) == (None,) * 4
        assert (c.birthday_month, c.birthday_year, c.telegram_language) == (None,) * 3
        assert m.balance_minor == 0 and not m.marketing_opt_in
        assert m.deleted_at > last_purchase.get(m.id, m.joined_at)
        # What they wrote went with them; their stars and scores stay.
        assert not [p for p in purchases if p.membership_id == m.id and p.rating_comment]
        assert not [a for a in nps if a.membership_id == m.id and a.comment]
        if "forfeit" in reasons[m.id]:
            assert reasons[m.id][-1] == "forfeit"
            seen["forfeits"] += 1
    assert sum(1 for c in customers.values() if c.telegram_id < 0) == seen["erased"]

    # Messages, surveys, pre-orders.
    assert len({o.dedupe_key for o in outbox}) == len(outbox)
    reminders: dict[int, list[datetime]] = defaultdict(list)
    chat_of = {m.id: customers[m.customer_id].telegram_id for m in members.values()}
    chats = set(chat_of.values())
    for o in outbox:
        assert o.chat_id in chats  # an erased member's messages keep only the anonymous id
        assert o.priority == 1 and o.status in ("sent", "blocked")
        assert (o.sent_at is not None) == (o.status == "sent")
        assert since <= o.created_at < until
        seen[f"outbox:{o.kind}"] += 1
        if o.kind == "cart_reminder":
            reminders[o.chat_id].append(o.created_at)
    for campaign in campaigns:
        parse_segment(campaign.segment)  # one the app understands
        assert campaign.status == "done"
        assert campaign.recipients == sum(1 for o in outbox if o.campaign_id == campaign.id)
    for a in nps:
        assert 0 <= a.score <= 10 and since <= a.created_at < until
        assert a.survey_key.startswith(f"demo:{a.membership_id}:")
    assert len({a.survey_key for a in nps}) == len(nps)
    for order in preorders:
        seen[f"preorder:{order.status}"] += 1
        # Checked out within 48 hours of a cart reminder.
        reminded = reminders[chat_of[order.membership_id]]
        assert any(timedelta(0) < order.created_at - r <= timedelta(hours=48) for r in reminded)
        if order.status == "completed":
            p = by_id[order.purchase_id]
            assert p.membership_id == order.membership_id and p.payment_code == order.code
            assert p.amount_minor == order.total_minor and p.confirmed_at > order.created_at
    seen["nps"] = len(nps)
    seen["members"] = len(members)
    return seen


async def purchase_totals(engine: AsyncEngine) -> tuple[Any, ...]:
    p = Purchase.__table__
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    func.count(),
                    func.sum(p.c.amount_minor),
                    func.sum(p.c.points_spent),
                    func.sum(p.c.cashback_minor),
                    func.sum(p.c.refunded_minor),
                    func.count(p.c.rating),
                )
            )
        ).one()
        balances = await conn.scalar(select(func.sum(Membership.__table__.c.balance_minor)))
    return (*row, balances)


def test_demo_data_command_fills_a_consistent_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.cli import main

    url = f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3"
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    before = datetime.now(UTC)

    assert main(["demo-data", "--members", "300", "--months", "6"]) == 0
    out = capsys.readouterr().out
    assert "members 300" in out and "purchases" in out and "took" in out

    async def check() -> Counter[str]:
        engine = create_engine(url)
        try:
            seen = await check_program(engine, months_before(before, 6), datetime.now(UTC))
            async with create_session_factory(engine)() as session:
                await check_ledger_invariant(session)
            return seen
        finally:
            await engine.dispose()

    seen = asyncio.run(check())
    assert seen["members"] == 300
    assert seen["purchases"] > 300 * 4  # a few each on average, over six months
    assert seen["max_depth"] >= 3  # referral chains several levels deep
    assert seen["referral_depth:3"]  # and rewards that reach three levels up
    assert seen["rated"] and seen["stars:5"] > seen["stars:1"]
    assert seen["erased"] and seen["refunded"] and seen["nps"]
    for reason in ("cashback", "redeem", "referral", "referral_bonus", "birthday", "refund"):
        assert seen[f"ledger:{reason}"], reason
    for kind in ("push", "birthday", "nps", "cart_reminder"):
        assert seen[f"outbox:{kind}"], kind
    assert seen["preorder:completed"]

    # Again without --force: refused in one line, nothing added.
    assert main(["demo-data", "--members", "300", "--months", "6"]) == 2
    err = capsys.readouterr().err
    assert "already has 300 members" in err and "--force" in err
    assert err.strip().count("\n") == 0
    assert asyncio.run(check()) == seen

    # With --force: more members, ids after the existing ones, still consistent.
    assert main(["demo-data", "--members", "40", "--months", "2", "--force"]) == 0
    again = asyncio.run(check())
    assert again["members"] == 340 and again["purchases"] > seen["purchases"]


def test_demo_data_does_not_import_aiogram(tmp_path: Path) -> None:
    printed = cli_without_aiogram(["demo-data", "--members", "30", "--months", "1"], tmp_path)
    assert "members 30" in printed


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    for argv in (["--members", "0"], ["--months", "121"], ["--members", "many"]):
        with pytest.raises(SystemExit) as exit_:
            main(["demo-data", *argv])
        assert exit_.value.code == 2
    assert "--members" in capsys.readouterr().err


async def test_same_seed_same_data(tmp_path: Path) -> None:
    results = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        engine = await fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/{name}.sqlite3")
        try:
            async with create_session_factory(engine)() as session:
                merchant = await make_merchant(session, FakeClock(NOW))
            await generate_demo_data(
                engine, merchant.id, members=150, months=3, seed=seed, now=NOW
            )
            results.append(await purchase_totals(engine))
        finally:
            await engine.dispose()
    assert results[0] == results[1]
    assert results[0] != results[2]


async def fingerprint(engine: AsyncEngine) -> dict[str, Any]:
    """Counts and sums of every table the generator fills, ids aside."""

    async def grouped(*columns: Any, by: Any = None) -> Any:
        statement = select(*columns) if by is None else select(by, *columns).group_by(by)
        async with engine.connect() as conn:
            result = await conn.execute(statement.order_by(by) if by is not None else statement)
            return [tuple(row) for row in result]

    ledger, m, o, n = LedgerEntry, Membership, Outbox, NpsAnswer
    return {
        "purchases": list(await purchase_totals(engine)),
        "ledger": await grouped(func.count(), func.sum(ledger.delta_minor), by=ledger.reason),
        "refunds": await grouped(
            func.count(), func.sum(Refund.cash_refund_minor), func.sum(Refund.points_returned)
        ),
        "members": await grouped(
            func.count(),
            func.sum(m.lifetime_spend_minor),
            func.sum(m.purchases_count),
            func.sum(m.effective_referrals),
            func.sum(m.level_rank),
            func.sum(m.clawback_due_minor),
            func.sum(m.birthday_bonus_left),
            func.count(m.deleted_at),
            func.count(m.referrer_id),
        ),
        "outbox": await grouped(func.count(), by=o.kind),
        "nps": await grouped(func.count(), func.sum(n.score), func.count(n.comment)),
        "preorders": await grouped(
            func.count(), func.sum(Preorder.total_minor), by=Preorder.status
        ),
        "campaigns": await grouped(func.count(), func.sum(Campaign.recipients)),
    }


async def test_a_seed_gives_the_data_it_always_gave(engine: AsyncEngine) -> None:
    """The generator's output for a seed, as recorded before it was split into modules and
    wired to the service's settlement (services/policy): neither changed a single number."""
    async with create_session_factory(engine)() as session:
        merchant = await make_merchant(session, FakeClock(NOW))
    summary = await generate_demo_data(engine, merchant.id, members=300, months=6, seed=7, now=NOW)
    counts = {k: v for k, v in dataclasses.asdict(summary).items() if k != "seconds"}
    assert counts == {
        "merchant_id": merchant.id,
        "first_day": date(2025, 9, 11),
        "last_day": date(2026, 3, 9),
        "start": datetime(2025, 9, 10, 22, 0, tzinfo=UTC),
        "end": datetime(2026, 3, 9, 23, 0, tzinfo=UTC),
        "members": 300,
        "erased": 3,
        "purchases": 2298,
        "refunds": 62,
        "ratings": 665,
        "nps_answers": 58,
        "ledger_entries": 3230,
        "birthday_bonuses": 18,
        "campaigns": 4,
        "pushes": 107,
        "cart_reminders": 36,
        "preorders": 13,
        "outbox": 358,
    }
    assert await fingerprint(engine) == {
        "purchases": [2298, 2210570, 37109, 85431, 56020, 665, 80068],
        "ledger": [
            ("birthday", 18, 9000),
            ("cashback", 2298, 85431),
            ("cashback_reversed", 62, -2196),
            ("expiry", 13, -6005),
            ("forfeit", 3, -656),
            ("redeem", 213, -37109),
            ("referral", 550, 8181),
            ("referral_bonus", 46, 23000),
            ("referral_reversed", 22, -315),
            ("refund", 5, 737),
        ],
        "refunds": [(62, 55283, 737)],
        "members": [(300, 2118178, 2236, 46, 84, 0, 2500, 3, 48)],
        "outbox": [("birthday", 18), ("cart_reminder", 36), ("nps", 194), ("push", 110)],
        "nps": [(58, 428, 16)],
        "preorders": [("completed", 9, 9830), ("open", 4, 9060)],
        "campaigns": [(4, 110)],
    }


async def test_a_referrer_who_left_owes_what_a_refund_takes_back(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo settles by the service's rules: a friend's purchase refunded after their
    referrer erased their data takes the reward back, owed as a clawback (the balance went).
    Rare at the demo's rates, so many leave and many refunds come here."""
    monkeypatch.setattr(demo.people, "ERASED_SHARE", 0.3)
    monkeypatch.setattr(demo.purchases, "REFUND_SHARE", 0.3)
    async with create_session_factory(engine)() as session:
        merchant = await make_merchant(session, FakeClock(NOW))
    await generate_demo_data(engine, merchant.id, members=300, months=6, seed=3, now=NOW)
    seen = await check_program(engine, months_before(NOW, 6), NOW)
    assert seen["erased"] > 50 and seen["refunded"] > 300
    members = await rows(engine, Membership)
    owing = [m for m in members if m.deleted_at is not None and m.clawback_due_minor]
    assert [m.clawback_due_minor for m in owing] == [15]
    async with create_session_factory(engine)() as session:
        await check_ledger_invariant(session)


def test_a_refund_reads_each_referrers_rewards_from_the_purchase_postings() -> None:
    R = LedgerReason
    postings = [
        Posting(0, 30, R.CASHBACK),
        Posting(4, 500, R.REFERRAL_BONUS),
        Posting(4, -5, R.CLAWBACK),
        Posting(4, 50, R.REFERRAL),
        Posting(9, 10, R.REFERRAL),
    ]
    assert referral_earned(postings) == ((4, 550), (9, 10))
    assert referral_earned([Posting(0, 30, R.CASHBACK)]) == ()


async def test_generator_on_the_test_database(
    engine: AsyncEngine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL too (TEST_DATABASE_URL): explicit ids, the app's next insert after them,
    and many small chunks (on PostgreSQL written in two lanes) as a big run has."""
    monkeypatch.setattr(demo.writer, "FLUSH_ROWS", 300)
    monkeypatch.setattr(demo.people, "MEMBER_CHUNK", 70)
    factory = create_session_factory(engine)
    async with factory() as session:
        merchant = await make_merchant(session, clock)
    now = clock()
    summary = await generate_demo_data(engine, merchant.id, members=250, months=5, now=now)
    assert summary.members == 250 and summary.purchases > 250
    assert summary.start >= months_before(now, 5) and summary.end <= now
    seen = await check_program(engine, months_before(now, 5), now)
    assert seen["purchases"] == summary.purchases and seen["refunded"] == summary.refunds
    assert seen["rated"] == summary.ratings and seen["nps"] == summary.nps_answers
    assert seen["max_depth"] >= 3 and seen["referral_depth:3"]

    # The app keeps working on top: its own ids come after the demo's (PostgreSQL sequences).
    last = max(m.id for m in await rows(engine, Membership))
    async with factory() as session:
        joined = await make_member(session, clock, merchant, telegram_id=555)
    assert joined.membership_id > last
    async with factory() as session:
        await check_ledger_invariant(session)

    # A second run adds to the first.
    again = await generate_demo_data(engine, merchant.id, members=60, months=2, seed=2, now=now)
    seen = await check_program(engine, months_before(now, 5), now + timedelta(seconds=1))
    assert seen["members"] == 250 + 1 + 60
    assert seen["purchases"] == summary.purchases + again.purchases


async def test_a_welcome_bonus_is_credited_at_joining(tmp_path: Path) -> None:
    engine = await fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/welcome.sqlite3")
    try:
        async with create_session_factory(engine)() as session:
            merchant = await make_merchant(session, FakeClock(NOW))
        async with engine.begin() as conn:
            await conn.execute(update(Merchant).values(welcome_bonus_minor=300))
        await generate_demo_data(engine, merchant.id, members=120, months=2, now=NOW)
        seen = await check_program(engine, months_before(NOW, 2), NOW)
        assert seen["ledger:welcome"] == 120
    finally:
        await engine.dispose()


async def test_a_forint_program_counts_its_points_in_forints(tmp_path: Path) -> None:
    """A Budapest café: 1 point = 1 Ft; cashback, points paid and bonuses by the app's rules."""
    engine = await fresh_engine(f"sqlite+aiosqlite:///{tmp_path}/huf.sqlite3")
    try:
        async with create_session_factory(engine)() as session:
            merchant = await make_merchant(session, FakeClock(NOW), currency="HUF")
        summary = await generate_demo_data(engine, merchant.id, members=150, months=3, now=NOW)
        seen = await check_program(engine, months_before(NOW, 3), NOW)
        assert seen["purchases"] == summary.purchases > 150
        (row,) = await rows(engine, Merchant)
        assert row.point_value_minor == 100
        spent = [p for p in await rows(engine, Purchase) if p.points_spent]
        assert spent and all(p.points_spent * 100 <= p.amount_minor for p in spent)
    finally:
        await engine.dispose()
