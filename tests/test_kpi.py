"""Every KPI of ../shared/KPI.md on the program in tests/kpi_data.py, worked out by hand.

Today is Sunday 22.11.2026 in Warsaw. P, the last 30 days, is 24.10-22.11: from 23.10 22:00
UTC (summer time) to 22.11 23:00 UTC (winter time). Q, the 30 days before, is 24.09-23.10.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, LedgerEntry, LedgerReason, Membership, Merchant, Purchase
from services.errors import NotStaff, ReportRefused
from services.members import MemberService
from services.reports import ReportService
from services.reports.figures import Nps, Ratio
from services.reports.periods import Period, last_days, parse_range
from services.reports.points import Uplift
from tests.conftest import FakeClock
from tests.factories import check_ledger_invariant, make_merchant, make_staff
from tests.kpi_data import Book, local, write_program

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OWNER = 1


@pytest.fixture
async def program(session: AsyncSession, clock: FakeClock) -> Book:
    clock.now = NOW
    merchant = await make_merchant(session, clock)
    book = Book(session, merchant)
    await write_program(book)
    clock.now = local(11, 1)
    forfeited = await MemberService(session, clock).erase(merchant.id, book.telegram["fay"])
    assert forfeited == 50  # 40 + 40 cashback - 30 expired
    clock.now = NOW
    return book


def reports(session: AsyncSession, clock: FakeClock) -> ReportService:
    return ReportService(session, (OWNER,), clock)


async def test_the_periods_are_local_days_across_the_clock_change() -> None:
    p = last_days(date(2026, 11, 22), 30, "Europe/Warsaw")
    assert (p.first_day, p.last_day, p.days) == (date(2026, 10, 24), date(2026, 11, 22), 30)
    assert p.start == datetime(2026, 10, 23, 22, tzinfo=UTC)  # summer time
    assert p.end == datetime(2026, 11, 22, 23, tzinfo=UTC)  # winter time
    q = p.previous()
    assert (q.first_day, q.last_day) == (date(2026, 9, 24), date(2026, 10, 23))
    assert q.end == p.start


async def test_current_period(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    s = (await reports(session, clock).dashboard(program.merchant.id, OWNER)).current
    # Registration. Fay erased her data on 1.11: no longer a member. Gus blocked the bot.
    assert s.members == 8  # ann ben gus dan ivy cat eve hal
    assert s.new_members == 4  # ivy (P's first hour) cat eve hal; dan joined 30 min before P
    assert s.new_by_source == (("referral", 2), ("", 1), ("instagram", 1))
    assert (s.with_birthday, s.with_phone, s.opted_in) == (Ratio(1, 8), Ratio(1, 8), Ratio(3, 8))
    assert s.reachable == 7
    # Frequency: dan 10.00 (00:10 on 24.10, 23.10 in UTC), ann 30 + 40, gus 6, cat 12.50;
    # cat's 7.50 was refunded in full, so it is no purchase.
    assert (s.purchases, s.revenue, s.active) == (5, 9850, 4)
    assert s.average_check == Ratio(9850, 5)
    assert s.frequency == Ratio(5, 4)
    # Conversion. Of P's new members only ivy joined 30 days before P's end (in the hour
    # that winter time adds), and did not buy; cat is younger but bought: 1 of 2.
    assert s.first_purchase == Ratio(1, 2)
    assert s.repeat_rate == Ratio(3, 6)  # fay ann gus of fay ann ben gus dan cat
    assert s.churn == Ratio(1, 6)  # fay, last seen 1.04
    assert s.retention == Ratio(2, 3)  # ann gus of Q's ben ann gus
    # Advocacy.
    assert (s.referral_joins, s.effective_referrals) == (2, Ratio(1, 2))  # cat bought, eve not
    assert s.referral_repeat == Ratio(0, 2)  # cat's second purchase was refunded
    assert s.csat == Ratio(1 + 4 + 1 + 5, 4)
    assert s.csat_good == Ratio(2, 4)
    assert s.nps == Nps(promoters=2, passives=0, detractors=1)
    assert s.nps.score == 33
    # Rewarding: cashback 50 + 150 + 30 + 62 + 37 + 200, referral 25 + 12, birthday, manual.
    assert dict(s.issued_by_reason) == {
        "welcome": 0,
        "cashback": 529,
        "referral": 37,
        "referral_bonus": 0,
        "birthday": 500,
        "manual": 100,
        "adjustment": 0,
        "goodwill": 0,
        "promotion": 0,
        "friend_gift": 0,
    }
    assert (s.issued, s.redeemed, s.expired) == (1166, 100, 30)
    assert s.redemption_rate == Ratio(100, 1166)
    assert s.liability == 942 + 100 + 62 + 50 + 145  # ann ben cat dan gus; fay forfeited hers
    # Lifetime value: fay's purchases stay in the accounts after she erased her data.
    assert s.clv == Ratio(1600 + 10000 + 1500 + 900 + 1000 + 1250, 6)
    assert s.value_12m == Ratio(16250, 6)


async def test_previous_period(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    q = (await reports(session, clock).dashboard(program.merchant.id, OWNER)).previous
    assert q.period.last_day == date(2026, 10, 23)
    assert q.members == 5  # fay (erased only later) ann ben gus dan
    assert q.new_members == 3  # ben gus dan
    assert (q.purchases, q.revenue, q.active) == (3, 1500 + 2000 + 300, 3)
    assert q.csat == Ratio(2, 1)
    assert q.nps == Nps(0, 1, 0) and q.nps.score == 0
    assert q.liability == 80 + 180 + 75 + 15  # fay ann ben gus; dan's cashback came in P
    # Q's new members are all younger than 30 days at Q's end; ben and gus bought already.
    assert q.first_purchase == Ratio(2, 2)


async def test_custom_range_and_series(
    program: Book, session: AsyncSession, clock: FakeClock
) -> None:
    service = reports(session, clock)
    first, last = parse_range("24.10.2026 22.11.2026", date(2026, 11, 22))
    custom = await service.dashboard(program.merchant.id, OWNER, first=first, last=last)
    default = await service.dashboard(program.merchant.id, OWNER)
    assert custom.current == default.current
    series = await service.series(program.merchant.id, OWNER, 30)
    assert not series.monthly and len(series.points) == 30
    pairs = [
        (local(10, 10), local(11, 1)),  # ann
        (local(11, 1), local(11, 20)),  # ann
        (local(10, 20), local(11, 2)),  # gus; cat and dan have no purchase before theirs
    ]
    seconds = sum(int((b - a).total_seconds()) for a, b in pairs)
    assert series.mean_gap_days == Ratio(seconds, 3 * 86_400)
    # 22, 19 and 13 days, two of them an hour longer for the clock change
    assert round(series.mean_gap_days.value or 0, 3) == round((22 + 19 + 13) / 3 + 2 / 72, 3)
    assert [(d, n, r) for d, n, r in series.points if n] == [
        (date(2026, 10, 24), 1, 1000),
        (date(2026, 11, 1), 1, 3000),
        (date(2026, 11, 2), 1, 600),
        (date(2026, 11, 10), 1, 1250),
        (date(2026, 11, 20), 1, 4000),
    ]
    weekdays = [(0, 0)] * 7
    for day, revenue in [(24, 1000), (1, 3000), (2, 600), (10, 1250), (20, 4000)]:
        wd = date(2026, 10 if day == 24 else 11, day).weekday()
        weekdays[wd] = (weekdays[wd][0] + 1, weekdays[wd][1] + revenue)
    assert list(series.weekdays) == weekdays
    assert series.months[9] == (1, 1000) and series.months[10] == (4, 8850)
    yearly = await service.series(program.merchant.id, OWNER, 365)
    assert yearly.monthly
    assert sum(n for _, n, _ in yearly.points) == 11  # every counted purchase of the year
    assert dict((d, n) for d, n, _ in yearly.points)[date(2026, 3, 1)] == 1


async def test_cohorts(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    c = await reports(session, clock).cohorts(program.merchant.id, OWNER)
    assert c.months[0] == date(2025, 12, 1) and c.months[-1] == date(2026, 11, 1)
    sizes = dict(zip(c.months, c.sizes, strict=True))
    assert sizes[date(2026, 3, 1)] == 1  # fay, erased but she did join
    assert sizes[date(2026, 10, 1)] == 4  # gus, dan (23.10 23:30 local), ivy, cat
    assert sizes[date(2026, 11, 1)] == 2
    assert sum(c.sizes) == 9
    row = {m: c.active[i] for i, m in enumerate(c.months)}
    assert row[date(2026, 3, 1)][:3] == (1, 1, 0)
    assert row[date(2026, 6, 1)] == (0, 1, 0, 0, 1, 1)  # ann: July, October, November
    assert row[date(2026, 9, 1)] == (0, 1, 0)
    assert row[date(2026, 10, 1)] == (2, 2)  # gus and dan in October; gus and cat after
    assert c.share(c.months.index(date(2026, 10, 1)), 1) == Ratio(2, 4)


async def test_feedback(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    f = await reports(session, clock).feedback(program.merchant.id, OWNER)
    assert f.stars == {1: 2, 4: 1, 5: 1}
    assert [(r.stars, r.comment, r.staff_name, r.amount) for r in f.low] == [
        (1, None, "Kasia", 750),
        (1, "=rude", "Kasia", 600),
    ]  # ben's 2 stars came in Q
    trend = {month: (csat, nps) for month, csat, nps in f.trend}
    assert trend[date(2026, 10, 1)] == (Ratio(2, 1), Nps(0, 1, 0))
    assert trend[date(2026, 11, 1)] == (Ratio(11, 4), Nps(2, 0, 1))
    assert trend[date(2026, 6, 1)][0].value is None


async def test_points_by_month(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    p = await reports(session, clock).points(program.merchant.id, OWNER)
    months = {m.month: m for m in p.months}
    november = months[date(2026, 11, 1)]
    assert (november.issued, november.redeemed, november.expired) == (1116, 100, 0)
    assert november.outstanding == 1299
    # Ann's birthday gift (10.11) and push (14.11): 30.00 in the 30 days before each, 40.00
    # after; ben's push: nothing either side.
    assert p.uplift == Uplift(rewards=3, before=6000, after=8000)
    october = months[date(2026, 10, 1)]
    assert october.expired == 30
    assert october.outstanding == 50 + 180 + 75 + 15 + 50  # fay ann ben gus dan on 31.10


async def test_points_outstanding_are_valued_at_the_point_value(
    program: Book, session: AsyncSession, clock: FakeClock
) -> None:
    """At 1 point = 1.00, the outstanding points are worth 100 times their count in money;
    issued, redeemed and the liability in points stay points."""
    async with session.begin():
        merchant = await session.get(Merchant, program.merchant.id)
        assert merchant is not None
        merchant.point_value_minor = 100
    s = (await reports(session, clock).dashboard(program.merchant.id, OWNER)).current
    points = 942 + 100 + 62 + 50 + 145
    assert (s.liability, s.liability_minor, s.issued) == (points, points * 100, 1166)
    p = await reports(session, clock).points(program.merchant.id, OWNER)
    november = next(m for m in p.months if m.month == date(2026, 11, 1))
    assert (november.issued, november.outstanding) == (1116, 1299 * 100)
    assert p.snapshot.liability_minor == points * 100


async def test_campaigns(program: Book, session: AsyncSession, clock: FakeClock) -> None:
    r = await reports(session, clock).campaigns(program.merchant.id, OWNER)
    (push,) = r.pushes
    assert (push.recipients, push.delivered, push.blocked, push.failed) == (3, 2, 1, 0)
    assert (push.purchases, push.revenue) == (1, 4000)  # ann, 6 days after
    auto = {a.kind: a for a in r.automatic}
    assert (auto["birthday"].queued, auto["birthday"].delivered) == (1, 1)
    assert auto["birthday"].purchases == 0  # ann's next purchase came 10 days later
    assert (auto["cart_reminder"].queued, auto["cart_reminder"].blocked) == (3, 1)
    assert r.cart_recovery == Ratio(1, 2)  # eve checked out 23 h later; ann after 3 days


async def test_erased_member_is_anonymous(
    program: Book, session: AsyncSession, clock: FakeClock
) -> None:
    await check_ledger_invariant(session)
    async with session.begin():
        membership = await session.get(Membership, program.ids["fay"])
        assert membership is not None and membership.deleted_at == local(11, 1)
        anonymous = await session.get(Customer, membership.customer_id)
        assert anonymous is not None
        assert anonymous.telegram_id == -membership.id
        assert (anonymous.first_name, anonymous.phone, anonymous.bot_blocked) == (None, None, True)
        assert (
            await session.scalar(
                select(Customer).where(Customer.telegram_id == program.telegram["fay"])
            )
            is None
        )
        reasons = await session.scalars(
            select(LedgerEntry.reason).where(LedgerEntry.membership_id == membership.id)
        )
        assert list(reasons)[-1] == "forfeit"
        kept = await session.scalar(
            select(func.count()).where(Purchase.membership_id == membership.id)
        )
        assert kept == 2


async def test_empty_merchant(session: AsyncSession, clock: FakeClock) -> None:
    clock.now = NOW
    merchant = await make_merchant(session, clock)
    service = reports(session, clock)
    s = (await service.dashboard(merchant.id, OWNER)).current
    assert (s.members, s.purchases, s.revenue, s.liability, s.issued) == (0, 0, 0, 0, 0)
    for rate in (s.average_check, s.retention, s.churn, s.csat, s.clv, s.first_purchase):
        assert rate.value is None
    assert s.nps.score is None
    c = await service.cohorts(merchant.id, OWNER)
    assert sum(c.sizes) == 0 and c.share(0, 0).value is None


async def test_only_admins_and_owners(session: AsyncSession, clock: FakeClock) -> None:
    clock.now = NOW
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, 50, role="staff")
    await make_staff(session, clock, merchant, 51, role="admin", name="Ola")
    service = reports(session, clock)
    for outsider in (50, 99):
        with pytest.raises(NotStaff):
            await service.dashboard(merchant.id, outsider)
    assert (await service.dashboard(merchant.id, 51)).current.members == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.10.2026 31.10.2026", (date(2026, 10, 1), date(2026, 10, 31))),
        ("01.10 - 31.10", (date(2026, 10, 1), date(2026, 10, 31))),
        ("1/10/26 22/11/26", (date(2026, 10, 1), date(2026, 11, 22))),
    ],
)
def test_parse_range(text: str, expected: tuple[date, date]) -> None:
    assert parse_range(text, date(2026, 11, 22)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "31.10",
        "31.10 1.10",
        "1.10 23.11",
        "30.02 1.03",
        "abc def",
        "1.1.2020 1.1.2026",
        "١.١٠ ٢.١٠",
    ],
)
def test_parse_range_refuses(text: str) -> None:
    with pytest.raises(ReportRefused):
        parse_range(text, date(2026, 11, 22))


def test_period_previous_keeps_length() -> None:
    p = Period(date(2026, 2, 1), date(2026, 2, 28), "Europe/Warsaw")
    assert p.previous() == Period(date(2026, 1, 4), date(2026, 1, 31), "Europe/Warsaw")


async def test_a_report_does_not_hold_up_sales(session_factory, clock: FakeClock) -> None:
    """On SQLite a report reads a snapshot without the write lock or the process's turn: a
    sale commits while it is open (it used to wait for the whole report)."""
    import asyncio

    from db.engine import reading

    clock.now = NOW
    async with session_factory() as setup:
        merchant = await make_merchant(setup, clock)
        book = Book(setup, merchant)
        await book.member("ann", local(6, 1))
    async with session_factory() as reader, reading(reader):
        before = await reader.scalar(select(func.count()).select_from(Purchase))
        async with session_factory() as till:
            await asyncio.wait_for(Book(till, merchant, dict(book.ids)).buy("ann", NOW, 500), 5)
        # The report goes on reading the snapshot it started with.
        assert await reader.scalar(select(func.count()).select_from(Purchase)) == before
    async with session_factory() as after, after.begin():
        assert await after.scalar(select(func.count()).select_from(Purchase)) == before + 1


async def test_erasure_keeps_past_campaign_results(
    session: AsyncSession, clock: FakeClock
) -> None:
    """A push's results stay what they were after its recipient leaves: their messages point
    at the anonymous row, without content or Telegram id; a refund afterwards gives them no
    points to hold."""
    from db.models import Outbox
    from db.repositories import LedgerRepo
    from services.ledger import credit

    clock.now = NOW
    merchant = await make_merchant(session, clock)
    book = Book(session, merchant)
    await book.member("zoe", local(9, 1), news=True)
    push = await book.campaign(local(11, 10), recipients=1)
    await book.message("zoe", "push", local(11, 10), campaign=push)
    await book.buy("zoe", local(11, 12), 2500)
    service = reports(session, clock)
    before = (await service.campaigns(merchant.id, OWNER)).pushes
    assert (before[0].purchases, before[0].revenue) == (1, 2500)
    await MemberService(session, clock).erase(merchant.id, book.telegram["zoe"])
    assert (await service.campaigns(merchant.id, OWNER)).pushes == before
    async with session.begin():
        (row,) = (await session.scalars(select(Outbox))).all()
        assert (row.chat_id, row.payload) == (-book.ids["zoe"], "{}")
        assert str(book.telegram["zoe"]) not in row.dedupe_key
        # Points that still arrive (a refund of points spent before) are forfeited too.
        membership = await session.get(Membership, book.ids["zoe"])
        assert membership is not None
        await credit(LedgerRepo(session), membership, 300, LedgerReason.REFUND, NOW)
        assert membership.balance_minor == 0
    await check_ledger_invariant(session)


def test_nps_rounds_half_away_from_zero() -> None:
    assert Nps(promoters=1, passives=7, detractors=0).score == 13  # 12.5
    assert Nps(promoters=0, passives=7, detractors=1).score == -13
    assert Nps(promoters=1, passives=1, detractors=1).score == 0


def test_dates_without_a_year_are_the_latest_such_days() -> None:
    assert parse_range("20.12 4.01", date(2027, 1, 5)) == (date(2026, 12, 20), date(2027, 1, 4))


async def test_one_purchase_after_two_reminders_counts_once_and_buckets_group(
    session: AsyncSession, clock: FakeClock
) -> None:
    from db.reports import ReportRepo

    clock.now = NOW
    merchant = await make_merchant(session, clock)
    book = Book(session, merchant)
    await book.member("uma", local(9, 1), news=True)
    await book.message("uma", "cart_reminder", local(11, 10, 10))
    await book.message("uma", "cart_reminder", local(11, 11, 10))
    for minute in (0, 5, 10):  # three purchases in one quarter of an hour
        await book.buy("uma", local(11, 12, 9, minute), 1000)
    await book.points("uma", local(11, 12, 12), -100, "redeem")
    await book.points("uma", local(11, 13), 100, "refund")  # given back: not un-redeemed
    r = await reports(session, clock).campaigns(merchant.id, OWNER)
    carts = next(a for a in r.automatic if a.kind == "cart_reminder")
    assert (carts.delivered, carts.purchases) == (2, 3)
    s = (await reports(session, clock).dashboard(merchant.id, OWNER)).current
    assert (s.redeemed, s.issued) == (100, 150)
    async with session.begin():
        day = local(11, 12, 0), local(11, 13, 0)
        rows = await ReportRepo(session).buckets(merchant.id, *day, 900)
    assert rows == [(int(local(11, 12, 9).timestamp()), 3, 3000)]
