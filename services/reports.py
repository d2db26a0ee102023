"""The merchant's reports: one implementation of each KPI in ../shared/KPI.md, shared by the
chat text, the charts, the weekly digest and the exports.

Choices where KPI.md leaves room (README "Reports" says the same to merchants):
- A purchase counts when it is confirmed and not wholly refunded; its revenue is its amount
  less refunds, counted on the day of the purchase.
- "Last N days" ends at the end of today in the merchant's timezone, so today is included;
  the comparison is the N days before.
- A member who erased their data is no longer a member from that moment, but their
  purchases stay in revenue and in the purchase-based rates: erasing personal data does
  not rewrite the merchant's sales history.
- Profile completion and reachability are today's values of the members at the period end
  (the bot keeps no history of a birthday or a phone being added).
- Rates are kept as exact fractions (Ratio), so a test can check 2/3 and the chat shows 67 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import reading
from db.models import LedgerReason, Merchant
from db.reports import DAY, ReportRepo
from db.repositories import MerchantRepo, StaffRepo
from services import policy
from services.clock import Clock, utc_now
from services.dto import MerchantView
from services.errors import NotStaff, ReportRefused
from services.merchants import merchant_view
from services.notices import DigestFigures, WeeklyDigest
from services.numbers import InvalidNumber, parse_int
from services.staff import require_admin

PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3 * 366
CHURN_HORIZON = timedelta(days=90)
CONVERSION_WINDOW = 30 * DAY
CART_WINDOW = 48 * 3600
CAMPAIGN_WINDOW = 7 * DAY
UPLIFT_WINDOW = 30 * DAY
YEAR = 365 * DAY
BUCKET = 900  # seconds: a quarter hour fits every timezone offset in use (+05:45 too)
ISSUED = (
    LedgerReason.WELCOME,
    LedgerReason.CASHBACK,
    LedgerReason.REFERRAL,
    LedgerReason.REFERRAL_BONUS,
    LedgerReason.BIRTHDAY,
    LedgerReason.MANUAL,
)
LOW_RATING = 2


@dataclass(frozen=True, slots=True)
class Ratio:
    """An exact rate or mean; `value` is None when there is nothing to divide by."""

    num: int
    den: int

    @property
    def value(self) -> float | None:
        return None if self.den == 0 else self.num / self.den

    @property
    def minor(self) -> int | None:
        """A mean amount of money in whole minor units, rounded down (an average check)."""
        return None if self.den == 0 else self.num // self.den


@dataclass(frozen=True, slots=True)
class Period:
    """Local days first_day..last_day, as the UTC range [start, end)."""

    first_day: date
    last_day: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.timezone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.timezone)

    def previous(self) -> Period:
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.timezone)


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def last_days(today: date, days: int, timezone: str) -> Period:
    return Period(today - timedelta(days=days - 1), today, timezone)


def month_starts(first: date, count: int, timezone: str) -> list[datetime]:
    """UTC instants of `count` local month starts from `first`'s month, and the one after."""
    year, month = first.year, first.month
    bounds = []
    for _ in range(count + 1):
        bounds.append(local_midnight(date(year, month, 1), timezone))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_range(text: str, today: date) -> tuple[date, date]:
    """Two dates, `01.10.2026 31.10.2026` (the year may be left out; a dash may join them).
    Raises ReportRefused("range") unless first <= last <= today within three years."""
    parts = text.replace("–", " ").replace(" - ", " ").split()
    if len(parts) != 2:
        raise ReportRefused("range")
    days = [_parse_day(part, today) for part in parts]
    first, last = days
    if first > last or last > today or (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ReportRefused("range")
    return first, last


def _parse_day(text: str, today: date) -> date:
    pieces = text.strip().replace("/", ".").split(".")
    try:
        if len(pieces) not in (2, 3):
            raise ValueError
        numbers = [parse_int(p, 0, 9999) for p in pieces]  # date() overflows on a huge year
        day, month = numbers[0], numbers[1]
        if len(numbers) == 2:  # no year: the latest such day not after today
            guess = date(today.year, month, day)
            return guess if guess <= today else date(today.year - 1, month, day)
        year = numbers[2] + 2000 if numbers[2] < 100 else numbers[2]
        return date(year, month, day)
    except (ValueError, InvalidNumber):
        raise ReportRefused("range") from None


@dataclass(frozen=True, slots=True)
class Nps:
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """% promoters minus % detractors, rounded to a whole number."""
        if not self.answers:
            return None
        # Half away from zero, as NPS is usually rounded (Python's round() goes to even).
        score = Decimal(100 * (self.promoters - self.detractors)) / self.answers
        return int(score.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_of(scores: dict[int, int]) -> Nps:
    return Nps(
        promoters=sum(n for s, n in scores.items() if s >= 9),
        passives=sum(n for s, n in scores.items() if 7 <= s <= 8),
        detractors=sum(n for s, n in scores.items() if s <= 6),
    )


def csat_of(stars: dict[int, int]) -> tuple[Ratio, Ratio]:
    """(average stars, share of 4 and 5) of a ratings distribution."""
    count = sum(stars.values())
    return (
        Ratio(sum(s * n for s, n in stars.items()), count),
        Ratio(sum(n for s, n in stars.items() if s >= 4), count),
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every KPI of one period, by the five loyalty factors."""

    period: Period
    # Registration
    members: int
    new_members: int
    new_by_source: tuple[tuple[str, int], ...]  # "referral" for friends' links, "" for none
    with_birthday: Ratio
    with_phone: Ratio
    opted_in: Ratio
    reachable: int
    # Frequency
    active: int
    purchases: int
    revenue: int
    average_check: Ratio
    frequency: Ratio
    # Conversion
    first_purchase: Ratio
    repeat_rate: Ratio
    retention: Ratio
    churn: Ratio
    # Advocacy
    referral_joins: int
    effective_referrals: Ratio
    referral_repeat: Ratio  # of those who joined through a friend, bought twice or more
    csat: Ratio
    csat_good: Ratio
    nps: Nps
    # Rewarding
    issued: int
    issued_by_reason: tuple[tuple[str, int], ...]
    redeemed: int
    expired: int
    liability: int
    redemption_rate: Ratio
    # Lifetime value
    clv: Ratio
    value_12m: Ratio
    liability_minor: int = 0  # the money the outstanding points are worth


@dataclass(frozen=True, slots=True)
class Dashboard:
    merchant: MerchantView
    current: Snapshot
    previous: Snapshot


@dataclass(frozen=True, slots=True)
class Series:
    """Purchases and revenue over a period: per day (or month, for long periods), weekday
    (0 = Monday) and calendar month (1-12)."""

    merchant: MerchantView
    period: Period
    monthly: bool
    points: tuple[tuple[date, int, int], ...]  # (day or first of month, purchases, revenue)
    weekdays: tuple[tuple[int, int], ...]  # 7 x (purchases, revenue)
    months: tuple[tuple[int, int], ...]  # 12 x (purchases, revenue)
    mean_gap_days: Ratio  # between consecutive purchases of a member, the later in the period
    partial: bool = False  # the last point holds today: a day (or month) not over yet


@dataclass(frozen=True, slots=True)
class Cohorts:
    merchant: MerchantView
    months: tuple[date, ...]  # first day of each cohort's month
    sizes: tuple[int, ...]
    active: tuple[tuple[int, ...], ...]  # active[c][k]: cohort c members buying in month c+k

    def share(self, cohort: int, offset: int) -> Ratio:
        return Ratio(self.active[cohort][offset], self.sizes[cohort])


@dataclass(frozen=True, slots=True)
class LowRating:
    purchase_id: int
    rated_at: datetime | None
    stars: int
    comment: str | None
    staff_name: str | None
    amount: int


@dataclass(frozen=True, slots=True)
class Feedback:
    merchant: MerchantView
    period: Period
    stars: dict[int, int]
    csat: Ratio
    csat_good: Ratio
    nps: Nps
    low: tuple[LowRating, ...]
    trend: tuple[tuple[date, Ratio, Nps], ...]  # per month: average stars, NPS
    partial: bool = False  # the last month of the trend is the current one, not over yet


@dataclass(frozen=True, slots=True)
class PointsMonth:
    month: date
    issued: int
    redeemed: int
    expired: int
    outstanding: int  # their money value at the month's end (or now, for the current month)


@dataclass(frozen=True, slots=True)
class Uplift:
    """Birthday gifts and delivered pushes of a period, and the revenue of their members in
    the 30 days before each and the 30 days after."""

    rewards: int
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class PointsReport:
    merchant: MerchantView
    snapshot: Snapshot
    months: tuple[PointsMonth, ...]
    uplift: Uplift


@dataclass(frozen=True, slots=True)
class CampaignResult:
    campaign_id: int
    created_at: datetime
    segment: str
    recipients: int
    delivered: int
    blocked: int
    failed: int
    purchases: int  # by recipients within 7 days of delivery
    revenue: int


@dataclass(frozen=True, slots=True)
class AutoResult:
    kind: str  # birthday, cart_reminder
    queued: int
    delivered: int
    blocked: int
    purchases: int


@dataclass(frozen=True, slots=True)
class CampaignsReport:
    merchant: MerchantView
    period: Period
    pushes: tuple[CampaignResult, ...]
    automatic: tuple[AutoResult, ...]
    cart_recovery: Ratio


def _ratio(num: int, den: int) -> Ratio:
    return Ratio(int(num), int(den))


class ReportService:
    def __init__(
        self, session: AsyncSession, owner_ids: Sequence[int] = (), clock: Clock = utc_now
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock
        self.repo = ReportRepo(session)
        self.merchants = MerchantRepo(session)
        self.staff = StaffRepo(session)

    async def _merchant(self, merchant_id: int, actor: int) -> MerchantView:
        """The merchant, if the actor may read its reports (its admins and the owners)."""
        async with reading(self.session):
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise NotStaff()
            return merchant_view(merchant)

    async def merchant(self, merchant_id: int, actor: int) -> MerchantView:
        """The merchant whose reports the actor may read; NotStaff if they may not."""
        return await self._merchant(merchant_id, actor)

    def is_owner(self, actor: int) -> bool:
        return actor in self.owner_ids

    async def today(self, merchant_id: int, actor: int) -> date:
        """The merchant's local date; checks the actor may read reports."""
        merchant = await self._merchant(merchant_id, actor)
        return local_today(self.clock(), merchant.timezone)

    async def _scope(
        self,
        merchant_id: int,
        actor: int,
        days: int,
        first: date | None = None,
        last: date | None = None,
    ) -> tuple[MerchantView, Period]:
        """The merchant (if the actor may read it) and the period asked for: two dates, or
        the last `days` days."""
        merchant = await self._merchant(merchant_id, actor)
        if first is not None and last is not None:
            return merchant, Period(first, last, merchant.timezone)
        today = local_today(self.clock(), merchant.timezone)
        return merchant, last_days(today, days, merchant.timezone)

    async def dashboard(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> Dashboard:
        """/stats: every KPI for the period and the one before it."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            current, previous = await self.snapshots(merchant_id, [period, period.previous()])
        return Dashboard(merchant, current, previous)

    async def snapshots(self, merchant_id: int, periods: Sequence[Period]) -> list[Snapshot]:
        """Every KPI of KPI.md for each period (no access check: callers do it)."""
        histories = await self.repo.history(
            merchant_id, [p.end for p in periods], int(CHURN_HORIZON.total_seconds()), YEAR
        )
        return [
            await self._snapshot(merchant_id, period, history)
            for period, history in zip(periods, histories, strict=True)
        ]

    async def snapshot(self, merchant_id: int, period: Period) -> Snapshot:
        return (await self.snapshots(merchant_id, [period]))[0]

    async def _snapshot(
        self, merchant_id: int, period: Period, history: Sequence[int]
    ) -> Snapshot:
        r = self.repo
        start, end = period.start, period.end
        buyers, repeaters, churned, revenue_to_date, year_revenue, year_active = history
        members, birthday, phone, opted, reachable = await r.members_at(merchant_id, end)
        joins = await r.new_members(merchant_id, start, end)
        by_source: dict[str, int] = {}
        for source, via_friend, count in joins:
            key = "referral" if via_friend else source
            by_source[key] = by_source.get(key, 0) + count
        purchases, revenue, active = await r.purchase_totals(merchant_id, start, end)
        mature, converted, young_converted = await r.first_purchases(
            merchant_id, start, end, CONVERSION_WINDOW
        )
        before = period.previous().start
        was_active, retained = await r.retained(merchant_id, before, start, end)
        referred, effective, referred_again = await r.referrals(merchant_id, start, end)
        stars = await r.ratings(merchant_id, start, end)
        csat, csat_good = csat_of(stars)
        flows = await r.point_flows(merchant_id, start, end)
        issued_by = tuple((str(reason), flows.get(reason, 0)) for reason in ISSUED)
        issued = sum(n for _, n in issued_by)
        # Gross, like issued: points given back by a refund are not taken off (they may
        # belong to a redemption of an earlier period).
        redeemed = -flows.get(LedgerReason.REDEEM, 0)
        expired = -flows.get(LedgerReason.EXPIRY, 0)
        liability = await r.liability(merchant_id, end)
        return Snapshot(
            period=period,
            members=members,
            new_members=sum(n for _, _, n in joins),
            new_by_source=tuple(sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))),
            with_birthday=_ratio(birthday, members),
            with_phone=_ratio(phone, members),
            opted_in=_ratio(opted, members),
            reachable=reachable,
            active=active,
            purchases=purchases,
            revenue=revenue,
            average_check=_ratio(revenue, purchases),
            frequency=_ratio(purchases, active),
            first_purchase=_ratio(converted + young_converted, mature + young_converted),
            repeat_rate=_ratio(repeaters, buyers),
            retention=_ratio(retained, was_active),
            churn=_ratio(churned, buyers),
            referral_joins=referred,
            effective_referrals=_ratio(effective, referred),
            referral_repeat=_ratio(referred_again, referred),
            csat=csat,
            csat_good=csat_good,
            nps=nps_of(await r.nps(merchant_id, start, end)),
            issued=issued,
            issued_by_reason=issued_by,
            redeemed=redeemed,
            expired=expired,
            liability=liability,
            redemption_rate=_ratio(redeemed, issued),
            clv=_ratio(revenue_to_date, buyers),
            # average check x purchases per active customer in the last 365 days
            value_12m=_ratio(year_revenue, year_active),
            liability_minor=policy.points_worth(liability, await r.point_value(merchant_id)),
        )

    async def period_snapshot(
        self,
        merchant_id: int,
        actor: int,
        days: int,
        first: date | None = None,
        last: date | None = None,
    ) -> Snapshot:
        """Every KPI of the last `days` days (or first..last), without the comparison."""
        _, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            return await self.snapshot(merchant_id, period)

    async def series(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        first: date | None = None,
        last: date | None = None,
    ) -> Series:
        """Revenue and purchases over time, by weekday and by month (seasonality)."""
        merchant, period = await self._scope(merchant_id, actor, days, first, last)
        async with reading(self.session):
            buckets = await self.repo.buckets(merchant_id, period.start, period.end, BUCKET)
            seconds, pairs = await self.repo.gaps(merchant_id, period.start, period.end)
        series = build_series(merchant, period, buckets, _ratio(seconds, pairs * DAY))
        today = local_today(self.clock(), merchant.timezone)
        return replace(series, partial=period.last_day >= today)

    async def cohorts(self, merchant_id: int, actor: int, count: int = 12) -> Cohorts:
        """Monthly cohorts of the last `count` months, this month included."""
        merchant = await self._merchant(merchant_id, actor)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(today, -(count - 1))
        bounds = month_starts(first, count, merchant.timezone)
        async with reading(self.session):
            sizes, active = await self.repo.cohorts(merchant_id, bounds)
        return build_cohorts(merchant, [add_months(first, i) for i in range(count)], sizes, active)

    async def feedback(
        self,
        merchant_id: int,
        actor: int,
        days: int = DEFAULT_DAYS,
        months: int = 6,
        first_day: date | None = None,
        last_day: date | None = None,
    ) -> Feedback:
        """/ratings: ratings of the period with the low ones, and the monthly trend."""
        merchant, period = await self._scope(merchant_id, actor, days, first_day, last_day)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(period.last_day, -(months - 1))
        bounds = month_starts(first, months, merchant.timezone)
        r = self.repo
        async with reading(self.session):
            stars = await r.ratings(merchant_id, period.start, period.end)
            scores = await r.nps(merchant_id, period.start, period.end)
            low = await r.low_ratings(merchant_id, period.start, period.end, 10)
            monthly_stars, monthly_scores = await r.monthly_feedback(merchant_id, bounds)
        csat, good = csat_of(stars)
        trend = []
        for index in range(months):
            month_stars = {s: n for m, s, n in monthly_stars if m == index}
            month_scores = {s: n for m, s, n in monthly_scores if m == index}
            trend.append((add_months(first, index), csat_of(month_stars)[0], nps_of(month_scores)))
        return Feedback(
            merchant=merchant,
            period=period,
            stars=stars,
            csat=csat,
            csat_good=good,
            nps=nps_of(scores),
            low=tuple(LowRating(*row) for row in low),
            trend=tuple(trend),
            partial=(period.last_day.year, period.last_day.month) == (today.year, today.month),
        )

    async def points(
        self,
        merchant_id: int,
        actor: int,
        months: int = 12,
        days: int = DEFAULT_DAYS,
        first_day: date | None = None,
        last_day: date | None = None,
    ) -> PointsReport:
        """Points issued, redeemed and expired per month (the last `months`, this one so far),
        outstanding at each month end, and the totals of the last `days` days (or
        first_day..last_day)."""
        merchant, period = await self._scope(merchant_id, actor, days, first_day, last_day)
        today = local_today(self.clock(), merchant.timezone)
        first = add_months(today, -(months - 1))
        bounds = month_starts(first, months, merchant.timezone)
        async with reading(self.session):
            snapshot = await self.snapshot(merchant_id, period)
            flows = [await self.repo.point_flows(merchant_id, a, b) for a, b in pairwise(bounds)]
            outstanding_now = await self.repo.liability(merchant_id, self.clock())
            value = await self.repo.point_value(merchant_id)
            uplift = Uplift(
                *await self.repo.uplift(merchant_id, period.start, period.end, UPLIFT_WINDOW)
            )
        rows = []
        later = 0  # ledger changes after the month being looked at
        for index in reversed(range(months)):
            month = flows[index]
            rows.append(
                PointsMonth(
                    month=add_months(first, index),
                    issued=sum(month.get(reason, 0) for reason in ISSUED),
                    redeemed=-month.get(LedgerReason.REDEEM, 0),
                    expired=-month.get(LedgerReason.EXPIRY, 0),
                    outstanding=policy.points_worth(outstanding_now - later, value),
                )
            )
            later += sum(month.values())
        return PointsReport(merchant, snapshot, tuple(reversed(rows)), uplift)

    async def campaigns(
        self, merchant_id: int, actor: int, days: int = 90, limit: int = 10
    ) -> CampaignsReport:
        """/campaigns: pushes of the period and the automatic messages, with what followed."""
        merchant, period = await self._scope(merchant_id, actor, days)
        r = self.repo
        async with reading(self.session):
            pushes = await r.campaigns(merchant_id, period.start, CAMPAIGN_WINDOW, limit)
            automatic = [
                AutoResult(
                    kind,
                    *await r.kind_deliveries(
                        merchant_id, kind, period.start, period.end, CAMPAIGN_WINDOW
                    ),
                )
                for kind in ("birthday", "cart_reminder")
            ]
            reminded, recovered = await r.cart_recovery(
                merchant_id, period.start, period.end, CART_WINDOW
            )
        return CampaignsReport(
            merchant=merchant,
            period=period,
            pushes=tuple(CampaignResult(*row) for row in pushes),
            automatic=tuple(automatic),
            cart_recovery=_ratio(recovered, reminded),
        )

    async def digest(self, merchant: Merchant, period: Period) -> WeeklyDigest:
        """The weekly digest: this period's figures and the one before's (no access check)."""
        current, previous = await self.snapshots(merchant.id, [period, period.previous()])
        return WeeklyDigest(
            merchant=merchant.name,
            currency=merchant.currency,
            members=current.members,
            first_day=period.first_day,
            last_day=period.last_day,
            timezone=period.timezone,  # dates read in the merchant's region
            current=digest_figures(current),
            previous=digest_figures(previous),
        )


def digest_figures(s: Snapshot) -> DigestFigures:
    return DigestFigures(
        members=s.members,
        new_members=s.new_members,
        active=s.active,
        purchases=s.purchases,
        revenue=s.revenue,
        average_check=s.average_check.value,
        retention=s.retention.value,
        csat=s.csat.value,
        nps=s.nps.score,
        issued=s.issued,
        redeemed=s.redeemed,
        liability=s.liability,
    )


def build_series(
    merchant: MerchantView,
    period: Period,
    buckets: Sequence[tuple[int, int, int]],
    mean_gap_days: Ratio,
) -> Series:
    """Quarter-hour buckets to local days (or months), weekdays and months."""
    tz = ZoneInfo(period.timezone)
    monthly = period.days > 92
    by_point: dict[date, list[int]] = {}
    weekdays = [[0, 0] for _ in range(7)]
    months = [[0, 0] for _ in range(12)]
    for start, purchases, revenue in buckets:
        local = datetime.fromtimestamp(start, tz).date()
        point = local.replace(day=1) if monthly else local
        cell = by_point.setdefault(point, [0, 0])
        for target in (cell, weekdays[local.weekday()], months[local.month - 1]):
            target[0] += purchases
            target[1] += revenue
    points = []
    day = period.first_day.replace(day=1) if monthly else period.first_day
    while day <= period.last_day:
        purchases, revenue = by_point.get(day, (0, 0))
        points.append((day, purchases, revenue))
        day = add_months(day, 1) if monthly else day + timedelta(days=1)
    return Series(
        merchant=merchant,
        period=period,
        monthly=monthly,
        points=tuple(points),
        weekdays=tuple((p, r) for p, r in weekdays),
        months=tuple((p, r) for p, r in months),
        mean_gap_days=mean_gap_days,
    )


def build_cohorts(
    merchant: MerchantView,
    months: list[date],
    sizes: Sequence[tuple[int, int]],
    active: Sequence[tuple[int, int, int]],
) -> Cohorts:
    count = len(months)
    size = dict(sizes)
    grid = [[0] * (count - c) for c in range(count)]
    for cohort, month, members in active:
        if month >= cohort:
            grid[cohort][month - cohort] = members
    return Cohorts(
        merchant=merchant,
        months=tuple(months),
        sizes=tuple(size.get(c, 0) for c in range(count)),
        active=tuple(tuple(row) for row in grid),
    )
