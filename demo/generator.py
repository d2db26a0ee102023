"""Demo data: months of a café's loyalty program, so a merchant sees the reports before going
live and a benchmark has data to work on (`loyalty-bot demo-data`).

One simulation walks every member's life in time order (a queue of events), so balances move in
the order they would have: referral rewards reach referrers while their friends buy, a refund
unwinds what its purchase did, and each ledger entry's running balance is the balance at that
moment, never below zero. The rules are the app's (services/policy.py, services/rules.py, the
order of entries in services/sales.py and services/jobs.py), applied to plain numbers in memory.

Speed: 100,000 members and about a million purchases in minutes. Rows are plain dicts with
explicit ids (after each table's current maximum), written with Core executemany inserts, a
transaction per chunk of about FLUSH_ROWS rows, so memory stays bounded. On PostgreSQL, where
the server's work (indexes, foreign key checks) dominates, chunks are written on two
connections while the next one is simulated (see _Demo._submit); on SQLite, at once, with a
bigger page cache. Members' totals (balance, lifetime spend, level...) are known only at the
end and are written then, by executemany UPDATE. Not meant to run beside a live bot on the
same database: the ids it takes are not reserved until a chunk commits.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import heapq
import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.base import Base, UtcDateTime
from db.models import (
    Campaign,
    CatalogItem,
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
from services import policy, rules
from services.dto import LevelInfo
from services.jobs import months_before

logger = logging.getLogger(__name__)

# Telegram user ids have at most 52 significant bits: demo customers and staff get ids above
# that, so nothing the bot might send to them can reach a real person.
DEMO_TELEGRAM_BASE = 1 << 52
DEMO_STAFF_BASE = 1 << 53
DEMO_STAFF = (("Kasia", "staff"), ("Marek", "staff"), ("Anna", "admin"))
STAFF_WEIGHTS = (0.5, 0.35, 0.15)

FLUSH_ROWS = 40_000  # rows of all tables written per transaction
MEMBER_CHUNK = 5_000  # customers and memberships per transaction
SQLITE_CACHE_KIB = 128 * 1024  # see _grow_sqlite_cache
DAY = 86_400
HOUR = 3_600
SEND_RATE = 25  # messages a second, as the sender keeps to (bot/config.py)

# Members: who they are.
GROWTH = 2.0  # the last day brings 1 + GROWTH times the sign-ups of the first
REFERRAL_SHARE = 0.18
ADVOCATE_SHARE = 0.06  # members who bring many friends
SOURCES = (("qr", 0.40), ("poster", 0.20), ("instagram", 0.15), (None, 0.25))
ERASED_SHARE = 0.02
BLOCKED_SHARE = 0.05
OPT_IN_SHARE = 0.6
BIRTHDAY_SHARE = 0.35
PHONE_SHARE = 0.3
CHOSEN_LANGUAGE_SHARE = 0.25

# Purchases: how often, how much. Tuned so 100,000 members over 12 months make about a million.
# (share, daily rate median, rate spread, mean active days; rate 0 = buys once at most)
ARCHETYPES = (
    ("never", 0.12, 0.0, 0.0, 0.0),
    ("once", 0.26, 0.0, 0.0, 0.0),
    ("occasional", 0.40, 1 / 14, 0.5, 160.0),
    ("regular", 0.22, 1 / 3.6, 0.4, 220.0),
)
COMEBACK_SHARE = 0.2  # of churned repeat buyers, who come back once after a pause
FIRST_AT_JOIN = 0.65  # joined at the counter and bought in the same visit
CHECK_MEDIAN_EUR = 8.5
CHECK_MU = math.log(CHECK_MEDIAN_EUR)
CHECK_SIGMA = 0.45
CHECK_RANGE_EUR = (3.0, 40.0)
WEEKDAY_WEIGHT = (0.85, 0.9, 0.95, 1.0, 1.3, 1.4, 0.9)  # Monday first: Fri and Sat are busy
MONTH_WEIGHT = (0.9, 0.9, 1.0, 1.0, 1.05, 0.95, 0.8, 0.75, 1.0, 1.05, 1.1, 1.3)  # a summer dip
REFUND_SHARE = 0.025
RATED_SHARE = 0.3
STARS = ((5, 0.55), (4, 0.25), (3, 0.1), (2, 0.05), (1, 0.05))
COMMENT_SHARE = {1: 0.7, 2: 0.6, 3: 0.25, 4: 0.06, 5: 0.08}

# Messages and what they bring.
NPS_AFTER_PURCHASES = 3  # services/jobs.py asks after the third purchase, then every 90 days
NPS_EVERY_DAYS = 91
NPS_ANSWER_SHARE = 0.35
NPS_WEIGHTS = tuple(
    (score, weight / 100) for score, weight in enumerate((2, 1, 1, 2, 2, 4, 6, 10, 16, 22, 34))
)  # of the scores 0..10
CAMPAIGNS_PER_MONTH = 0.75
CAMPAIGN_VISIT_SHARE = 0.03  # recipients who come in within a few days because of a push
BIRTHDAY_VISIT_SHARE = 0.4
CART_SHARE = 0.03  # purchases after which the member leaves a cart in the bot
CHECKOUT_SHARE = 0.35  # reminded carts checked out within 48 hours
PICKUP_SHARE = 0.85
BLOCKED_ERROR = "Forbidden: bot was blocked by the user"

NAMES = {
    "en": ("Emma", "Oliver", "Sophie", "James", "Lucy", "Harry", "Grace", "Jack", "Mia", "Leo"),
    "pl": ("Anna", "Piotr", "Kasia", "Tomasz", "Magda", "Marek", "Ola", "Kuba", "Zosia", "Jan"),
    "ru": ("Ольга", "Иван", "Наталья", "Дмитрий", "Ирина", "Сергей", "Анна", "Павел", "Мария"),
    "hu": ("Anna", "Bence", "Eszter", "Dániel", "Zsófia", "Máté", "Réka", "Gábor", "Lili"),
}
PHONE_PREFIXES = {"en": ("+447", 9), "pl": ("+485", 8), "ru": ("+79", 9), "hu": ("+3630", 7)}
LOW_COMMENTS = (
    "Waited 15 minutes for a latte.",
    "The coffee was cold.",
    "Cashier was rude.",
    "Wrong order, nobody apologised.",
    "Too expensive for the size.",
    "Kawa była zimna.",
    "Долго ждал заказ.",
    "Túl sokat kellett várni.",
)
MID_COMMENTS = ("OK, but the music is too loud.", "Fine, nothing special.", "Mogło być lepiej.")
HIGH_COMMENTS = (
    "Best flat white in town!",
    "Lovely staff.",
    "Great cheesecake.",
    "Pyszne ciasto!",
    "Очень уютно.",
    "Nagyon finom volt!",
)
NPS_COMMENTS = {
    "low": ("Prices went up.", "Service is slow at lunch.", "Слишком дорого."),
    "mid": ("Good coffee, small tables.", "Nice, but often crowded."),
    "high": ("I bring all my friends here!", "Polecam każdemu.", "A kedvenc kávézóm."),
}
# (segment as services/campaigns.py parses it, text): the pushes, in turn.
CAMPAIGNS = (
    ("all", "<b>New seasonal menu</b> is here: pumpkin latte and apple pie. See you soon!"),
    ("inactive:30", "We miss you! <b>Double points</b> on your next coffee this week."),
    ("joined:60", "Welcome aboard! Show your card at the counter: points on every coffee."),
    ("birthday", "<b>Birthday month</b>: a free cake with any coffee, all month long."),
    ("all", "Our <b>winter hot chocolate</b> is back. Warm up with us!"),
    ("inactive:60", "It has been a while: a <b>second coffee half price</b> until Sunday."),
    ("all", "We now bake <b>sourdough</b> every morning. Pre-order in the bot!"),
)
# (category, title, price in café euros): the demo catalog and pre-orders.
MENU = (
    ("Coffee", "Cappuccino", 3.8),
    ("Coffee", "Flat white", 4.2),
    ("Coffee", "Latte", 4.0),
    ("Bakery", "Croissant", 2.9),
    ("Bakery", "Cinnamon roll", 3.5),
    ("Bakery", "Sourdough loaf", 6.5),
    ("Cakes", "Cheesecake", 5.5),
    ("Cakes", "Apple pie", 4.9),
    ("Breakfast", "Avocado toast", 9.5),
    ("Breakfast", "Granola bowl", 7.0),
)

# Event kinds, in the order two events at the same second run.
WELCOME, ERASE, REFUND, PURCHASE, EXTRA, BIRTHDAY, LAPSE, NPS, CART, CAMPAIGN = range(10)

CASHBACK = LedgerReason.CASHBACK.value
REDEEM = LedgerReason.REDEEM.value
WELCOME_REASON = LedgerReason.WELCOME.value
REFERRAL = LedgerReason.REFERRAL.value
REFERRAL_BONUS = LedgerReason.REFERRAL_BONUS.value
REFERRAL_REVERSED = LedgerReason.REFERRAL_REVERSED.value
BIRTHDAY_REASON = LedgerReason.BIRTHDAY.value
EXPIRY = LedgerReason.EXPIRY.value
REFUND_REASON = LedgerReason.REFUND.value
CASHBACK_REVERSED = LedgerReason.CASHBACK_REVERSED.value
CLAWBACK = LedgerReason.CLAWBACK.value
FORFEIT = LedgerReason.FORFEIT.value


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


# Tables in the order a chunk writes them: what a row refers to is written first.
_CUSTOMER = _table(Customer)
_MEMBERSHIP = _table(Membership)
_PURCHASE = _table(Purchase)
_PREORDER = _table(Preorder)
_LEDGER = _table(LedgerEntry)
_REFUND = _table(Refund)
_CAMPAIGN = _table(Campaign)
_OUTBOX = _table(Outbox)
_NPS = _table(NpsAnswer)
_CHUNK_TABLES: tuple[Table, ...] = (
    _PURCHASE,
    _PREORDER,
    _LEDGER,
    _REFUND,
    _CAMPAIGN,
    _OUTBOX,
    _NPS,
)
_ID_TABLES: tuple[Table, ...] = (_CUSTOMER, _MEMBERSHIP, *_CHUNK_TABLES)
_SECOND_LANE = frozenset((_LEDGER, _REFUND, _OUTBOX, _NPS))  # written after the purchases


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What one run added, and how long it took."""

    merchant_id: int
    first_day: date  # the simulated period, in whole days of the merchant's time zone
    last_day: date
    start: datetime  # its first moment (UTC)
    end: datetime  # the moment after it: the merchant's last midnight before `now` (UTC)
    members: int
    erased: int
    purchases: int
    refunds: int
    ratings: int
    nps_answers: int
    ledger_entries: int
    birthday_bonuses: int
    campaigns: int
    pushes: int
    cart_reminders: int
    preorders: int
    outbox: int
    seconds: float


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    r = rng.random()
    for value, weight in pairs:
        r -= weight
        if r < 0:
            return value
    return pairs[-1][0]


def _cafe_time(rng: random.Random) -> int:
    """Seconds after local midnight: a morning, a lunch and an afternoon peak (triangular
    bumps: two uniform draws are cheaper than a Gaussian, and this runs a million times)."""
    r = rng.random()
    if r < 0.35:
        center, width = 8.75, 1.75
    elif r < 0.7:
        center, width = 13.0, 1.75
    else:
        center, width = 16.5, 2.5
    hours = center + (rng.random() + rng.random() - 1.0) * width
    return int(min(max(hours, 7.0), 20.9) * HOUR)


class _Demo:
    """One run: the plan of members, then the simulation, writing rows as it goes."""

    def __init__(
        self,
        conn: AsyncConnection,
        second_conn: AsyncConnection | None,
        merchant: Any,
        levels: list[LevelInfo],
        *,
        members: int,
        months: int,
        seed: int,
        now: datetime,
    ) -> None:
        self.conn = conn  # one connection for the run: the writer's, one chunk at a time
        self.rng = random.Random(seed)
        self.n = members
        self.merchant_id: int = merchant.id
        self.tz = ZoneInfo(merchant.timezone)
        self.default_language: str = merchant.default_language
        self.rules_version: int = merchant.rules_version
        self.rates_bp = [merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3]
        self.point_value: int = merchant.point_value_minor
        # The bonuses are set as money; members get them in points.
        self.referral_bonus = policy.bonus_points(merchant.referral_bonus_minor, self.point_value)
        self.welcome_bonus = policy.bonus_points(merchant.welcome_bonus_minor, self.point_value)
        self.birthday_bonus = policy.bonus_points(merchant.birthday_bonus_minor, self.point_value)
        self.birthday_hour: int = merchant.birthday_hour
        self.birthday_days: int = merchant.birthday_bonus_days
        self.max_sale: int = merchant.max_sale_minor
        self.unit = rules.cafe_unit(merchant.currency)
        self.step = max(1, self.unit // 10)  # prices end in 10 cents, or the like
        self.levels = sorted(levels, key=lambda lv: lv.rank)
        self.level_by_rank = {lv.rank: lv for lv in self.levels}
        # What it takes to reach any level above each rank: below both, rules.level_for cannot
        # raise the level, so it is asked only when a member might move up.
        self.up_spend: dict[int, float] = {}
        self.up_refs: dict[int, float] = {}
        for lv in self.levels:
            higher = [h for h in self.levels if h.rank > lv.rank]
            self.up_spend[lv.rank] = min((h.min_spend_minor for h in higher), default=math.inf)
            self.up_refs[lv.rank] = min(
                (h.min_referrals for h in higher if h.min_referrals > 0), default=math.inf
            )

        # The period: whole local days, from the day after `now - months` to the last midnight.
        local_now = now.astimezone(self.tz)
        self.first_day: date = months_before(local_now, months).date() + timedelta(days=1)
        self.days = (local_now.date() - self.first_day).days
        if self.days < 7:
            raise ValueError("the period is too short for demo data")
        self.end = self.days * DAY  # simulated seconds; nothing happens at or after it
        # UTC of each local midnight (the offset at noon: events are in the day, away from DST
        # changes); a few days past the end for messages sent just after it.
        self.midnights: list[datetime] = []
        for d in range(self.days + 30):
            day = self.first_day + timedelta(days=d)
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.tz)
            offset = noon.utcoffset() or timedelta(0)
            self.midnights.append(datetime(day.year, day.month, day.day, tzinfo=UTC) - offset)
        self.day_weight: list[float] = []
        for d in range(self.days):
            day = self.first_day + timedelta(days=d)
            self.day_weight.append(WEEKDAY_WEIGHT[day.weekday()] * MONTH_WEIGHT[day.month - 1])
        self.max_weight = max(self.day_weight)

        # Events wait in a list per day; the day being simulated is a heap. A heap of every
        # member's next visit (100,000 entries) costs several times more per event.
        self.queue: list[list[tuple[int, int, int, int, Any]]] = [[] for _ in range(self.days)]
        self.today = -1
        self.today_heap: list[tuple[int, int, int, int, Any]] = []
        self.seq = 0
        self.buffers: dict[Any, list[dict[str, Any]]] = {t: [] for t in _CHUNK_TABLES}
        # Writes under way on PostgreSQL (see _submit). SQLite works in this process and its
        # driver holds the GIL to bind each row: a write that overlaps the simulation there
        # only slows both down, so it has one connection and writes at once.
        self.second_conn = second_conn
        self.writer: asyncio.Task[None] | None = None
        self.follower: asyncio.Task[None] | None = None
        self.inserts = {t: insert(t) for t in _ID_TABLES}
        # Rows of the other tables are counted by their ids (see added()).
        self.counts = dict.fromkeys(("ratings", "birthdays", "carts", "pushes"), 0)

    # --- time ------------------------------------------------------------------------------

    def at(self, t: int) -> datetime:
        """Simulated seconds (local wall clock since the first midnight) as aware UTC."""
        d = t // DAY
        return self.midnights[d] + timedelta(seconds=t - d * DAY)

    def push(self, t: int, kind: int, i: int, data: Any = None) -> None:
        """Schedule an event; the simulation ends at `end`, so later ones are dropped."""
        if t >= self.end:
            return
        self.seq += 1
        d = t // DAY
        if d == self.today:
            heapq.heappush(self.today_heap, (t, kind, self.seq, i, data))
        else:
            self.queue[d].append((t, kind, self.seq, i, data))

    # --- setup -------------------------------------------------------------------------------

    async def load(self, conn: AsyncConnection) -> None:
        """The next free id of every table, the referral codes taken, the demo staff."""
        self.next_id: dict[Table, int] = {}
        for table in _ID_TABLES:
            self.next_id[table] = int(await conn.scalar(select(func.max(table.c.id))) or 0) + 1
        self.first_id = dict(self.next_id)
        self.codes_taken = set(
            (await conn.execute(select(_MEMBERSHIP.c.referral_code))).scalars().all()
        )
        staff = _table(Staff)
        wanted = [DEMO_STAFF_BASE + k for k in range(len(DEMO_STAFF))]
        have = set(
            (
                await conn.execute(
                    select(staff.c.telegram_id).where(
                        staff.c.merchant_id == self.merchant_id, staff.c.telegram_id.in_(wanted)
                    )
                )
            )
            .scalars()
            .all()
        )
        start = self.at(0) - timedelta(days=7)
        rows = [
            {
                "merchant_id": self.merchant_id,
                "telegram_id": tg,
                "name": name,
                "role": role,
                "invited_by": 0,
                "created_at": start,
                "revoked_at": None,
                "paused_until": None,
            }
            for tg, (name, role) in zip(wanted, DEMO_STAFF, strict=True)
            if tg not in have
        ]
        if rows:
            await conn.execute(insert(staff), rows)
        self.staff_ids = wanted
        self.admin_id = wanted[-1]
        catalog = _table(CatalogItem)
        has_catalog = await conn.scalar(
            select(func.count())
            .select_from(catalog)
            .where(catalog.c.merchant_id == self.merchant_id)
        )
        self.menu = [(category, title, self._price(eur)) for category, title, eur in MENU]
        if not has_catalog:
            await conn.execute(
                insert(catalog),
                [
                    {
                        "merchant_id": self.merchant_id,
                        "category": category,
                        "title": title,
                        "price_minor": price,
                        "photo": None,
                        "archived": False,
                        "created_at": start,
                    }
                    for category, title, price in self.menu
                ],
            )

    def added(self, table: Table) -> int:
        """Rows this run made in `table`."""
        return self.next_id[table] - self.first_id[table]

    def _price(self, eur: float) -> int:
        return max(self.step, round(eur * self.unit / self.step) * self.step)

    # --- members -------------------------------------------------------------------------------

    def plan_members(self) -> None:
        """Who joins when, through whom, and how each will behave; all decided up front."""
        rng, n = self.rng, self.n
        joins: list[int] = []
        while len(joins) < n:
            u = rng.random()
            x = (-1 + math.sqrt(1 + 2 * GROWTH * u * (1 + GROWTH / 2))) / GROWTH
            d = min(self.days - 1, int(x * self.days))
            if rng.random() * self.max_weight <= self.day_weight[d]:
                joins.append(d * DAY + _cafe_time(rng))
        joins.sort()
        self.join = joins
        self.mid0 = self.next_id[_MEMBERSHIP]
        self.cid0 = self.next_id[_CUSTOMER]
        never = math.inf
        self.referrer: list[int | None] = [None] * n
        self.ancestors: list[tuple[int, ...]] = [()] * n
        self.source: list[str | None] = [None] * n
        self.erase_at: list[float] = [never] * n
        self.blocked_at: list[float] = [never] * n
        self.stop: list[int] = [self.end] * n  # no regular purchases from here on
        self.live: list[int] = [self.end] * n  # nothing at all from here on (erasure)
        self.opt_in = [False] * n
        self.lang: list[str] = [self.default_language] * n
        self.rate = [0.0] * n
        self.cursor = [0.0] * n  # the regular stream's position, in days
        self.act_end = [0.0] * n  # the active period's end, in days
        self.comeback = [0.0] * n  # days of pause before coming back once; 0: never
        self.redeem_p = [0.0] * n
        self.redeem_min = [0] * n
        self.spend = [1.0] * n
        self.birthday: list[tuple[int, int] | None] = [None] * n
        advocates: list[int] = []
        referred: list[int] = []
        others = [lang for lang in rules.LANGUAGES if lang != self.default_language]
        languages = [(self.default_language, 0.55)] + [
            (lang, 0.45 / len(others)) for lang in others
        ]
        for i in range(n):
            t = joins[i]
            if rng.random() < ERASED_SHARE and t + DAY < self.end:
                self.erase_at[i] = rng.randrange(t + DAY, self.end)
                self.live[i] = int(self.erase_at[i]) - 6 * HOUR
            if rng.random() < BLOCKED_SHARE and t + HOUR < self.end:
                self.blocked_at[i] = rng.randrange(t + HOUR, self.end)
            self.stop[i] = int(min(self.live[i], self.blocked_at[i]))
            if rng.random() < REFERRAL_SHARE:
                self._pick_referrer(i, advocates, referred)
            if self.referrer[i] is not None:
                referred.append(i)
            else:
                self.source[i] = _weighted(rng, SOURCES)
            if rng.random() < ADVOCATE_SHARE:
                advocates.append(i)
            self.opt_in[i] = rng.random() < OPT_IN_SHARE
            self.lang[i] = _weighted(rng, languages)
            if rng.random() < BIRTHDAY_SHARE:
                born = date(2000, 1, 1) + timedelta(days=rng.randrange(366))
                self.birthday[i] = (born.day, born.month)
            self._plan_purchases(i)

    def _pick_referrer(self, i: int, advocates: list[int], referred: list[int]) -> None:
        """A friend who joined at least an hour earlier and had not erased their data by then:
        often an advocate, sometimes someone who was brought in themselves (chains)."""
        rng = self.rng
        t = self.join[i]
        known = bisect.bisect_right(self.join, t - HOUR)
        if known == 0:
            return
        r = rng.random()
        pool: Sequence[int] = range(known)
        if r < 0.5:
            pool = advocates[: bisect.bisect_left(advocates, known)] or pool
        elif r < 0.8:
            pool = referred[: bisect.bisect_left(referred, known)] or pool
        j = pool[rng.randrange(len(pool))]
        if self.erase_at[j] <= t:
            return
        self.referrer[i] = j
        self.ancestors[i] = (j, *self.ancestors[j][:2])
        self.source[i] = "referral"

    def _plan_purchases(self, i: int) -> None:
        rng = self.rng
        r = rng.random()
        if self.referrer[i] is not None:
            r = min(0.999, r + 0.05)  # a friend who brought you: fewer who never buy
        kind = ARCHETYPES[-1]
        for archetype in ARCHETYPES:
            r -= archetype[1]
            if r < 0:
                kind = archetype
                break
        self.spend[i] = math.exp(rng.gauss(0.0, 0.3))
        self.redeem_p[i] = _weighted(rng, ((0.0, 0.3), (0.35, 0.5), (0.85, 0.2)))
        self.redeem_min[i] = self.unit * rng.choice((1, 2, 5, 10)) // self.point_value
        if kind[0] == "never":
            return
        t = self.join[i]
        if rng.random() < FIRST_AT_JOIN:
            first = t + rng.randrange(120, 900)
        else:
            day = t // DAY + 1 + int(rng.expovariate(1 / 7))
            first = day * DAY + _cafe_time(rng)
        if first >= self.stop[i]:
            return
        self.push(first, PURCHASE, i)
        if kind[2] > 0:
            self.rate[i] = kind[2] * math.exp(rng.gauss(0.0, kind[3]))
            self.cursor[i] = first / DAY
            self.act_end[i] = first / DAY + rng.expovariate(1 / kind[4])
            if rng.random() < COMEBACK_SHARE:
                self.comeback[i] = rng.uniform(45, 200)

    async def write_members(self) -> None:
        """Customers and memberships with what is fixed; the running totals come at the end."""
        rng = self.rng
        for lo in range(0, self.n, MEMBER_CHUNK):
            customers: list[dict[str, Any]] = []
            memberships: list[dict[str, Any]] = []
            for i in range(lo, min(self.n, lo + MEMBER_CHUNK)):
                if i % 500 == 0 and self.second_conn is not None:
                    await asyncio.sleep(0)  # the writer moves on with the previous chunk
                mid, joined = self.mid0 + i, self.at(self.join[i])
                code = rules.new_referral_code(rng.choice)
                while code in self.codes_taken:
                    code = rules.new_referral_code(rng.choice)
                self.codes_taken.add(code)
                erased = self.erase_at[i] != math.inf
                customers.append(self._customer_row(i, joined, erased))
                opt_in = self.opt_in[i]
                changed = None
                if opt_in:
                    changed = joined + timedelta(seconds=30)
                if erased:
                    changed = self.at(int(self.erase_at[i])) if opt_in else None
                referrer = self.referrer[i]
                memberships.append(
                    {
                        "id": mid,
                        "customer_id": self.cid0 + i,
                        "merchant_id": self.merchant_id,
                        "referral_code": code,
                        "referrer_id": None if referrer is None else self.mid0 + referrer,
                        "source": self.source[i],
                        "level_rank": 0,
                        "consent_version": self.rules_version,
                        "consented_at": joined,
                        "marketing_opt_in": opt_in and not erased,
                        "marketing_changed_at": changed,
                        "balance_minor": 0,
                        "lifetime_spend_minor": 0,
                        "effective_referrals": 0,
                        "clawback_due_minor": 0,
                        "purchases_count": 0,
                        "birthday_granted_year": None,
                        "birthday_granted_at": None,
                        "birthday_bonus_left": 0,
                        "nps_asked_at": None,
                        "joined_at": joined,
                        "deleted_at": self.at(int(self.erase_at[i])) if erased else None,
                    }
                )
            self.next_id[_CUSTOMER] = self.cid0 + lo + len(customers)
            self.next_id[_MEMBERSHIP] = self.mid0 + lo + len(memberships)
            await self._submit({_CUSTOMER: customers, _MEMBERSHIP: memberships})

    def _customer_row(self, i: int, joined: datetime, erased: bool) -> dict[str, Any]:
        rng, lang = self.rng, self.lang[i]
        # Drawn for every member, erased or not, so the rest of the run does not depend on it.
        name = rng.choice(NAMES[lang])
        chosen = lang if rng.random() < CHOSEN_LANGUAGE_SHARE else None
        phone = None
        if rng.random() < PHONE_SHARE:
            prefix, digits = PHONE_PREFIXES[lang]
            phone = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
        year = rng.randrange(1955, 2008) if rng.random() < 0.7 else None
        if erased:
            # What erasure leaves: a row of its own with no Telegram user behind it.
            return {
                "id": self.cid0 + i,
                "telegram_id": -(self.mid0 + i),
                "first_name": None,
                "language": None,
                "telegram_language": None,
                "birthday_day": None,
                "birthday_month": None,
                "birthday_year": None,
                "phone": None,
                "bot_blocked": True,
                "current_merchant_id": None,
                "created_at": self.at(int(self.erase_at[i])),
            }
        birthday = self.birthday[i]
        if birthday is not None and birthday == (29, 2) and year is not None:
            year = 2000  # a leap year for 29 February
        return {
            "id": self.cid0 + i,
            "telegram_id": DEMO_TELEGRAM_BASE + self.mid0 + i,
            "first_name": name,
            "language": chosen,
            "telegram_language": lang,
            "birthday_day": birthday[0] if birthday else None,
            "birthday_month": birthday[1] if birthday else None,
            "birthday_year": year if birthday else None,
            "phone": phone,
            "bot_blocked": self.blocked_at[i] != math.inf,
            "current_merchant_id": self.merchant_id,
            "created_at": joined - timedelta(seconds=40),
        }

    # --- the simulation ----------------------------------------------------------------------

    async def simulate(self) -> None:
        n = self.n
        self.balance = [0] * n
        self.lifetime = [0] * n
        self.count = [0] * n
        self.refs = [0] * n
        self.rank = [self.levels[0].rank] * n
        self.clawback = [0] * n
        self.redeemed = [0] * n  # points spent so far, for a birthday bonus's lapse
        self.erased = [False] * n
        self.granted_year: list[int | None] = [None] * n
        self.granted_at: list[int | None] = [None] * n
        self.bonus_left = [0] * n
        self.redeemed_at_grant = [0] * n
        self.nps_at: list[int | None] = [None] * n
        self.nps_n = [0] * n
        self.blocked_seen = [False] * n
        self.last_buy = [-math.inf] * n  # for the "inactive" push segments
        for i in range(n):
            if self.welcome_bonus > 0:
                self.push(self.join[i], WELCOME, i)
            if self.erase_at[i] != math.inf:
                self.push(int(self.erase_at[i]), ERASE, i)
            if self.birthday[i] is not None and self.opt_in[i]:
                self._next_birthday(i, self.join[i])
        self._plan_campaigns()
        handlers = {
            WELCOME: self._welcome,
            ERASE: self._erase,
            REFUND: self._refund,
            BIRTHDAY: self._birthday,
            LAPSE: self._lapse,
            NPS: self._nps,
            CART: self._cart,
            CAMPAIGN: self._campaign,
        }
        purchase, next_purchase = self._purchase, self._next_purchase
        pop = heapq.heappop
        tenth = max(1, self.days // 10)
        for day in range(self.days):
            heap = self.queue[day]
            self.queue[day] = []
            heapq.heapify(heap)
            self.today, self.today_heap = day, heap
            done = 0
            while heap:
                t, kind, _, i, data = pop(heap)
                if kind == PURCHASE:
                    purchase(t, i, None)
                    next_purchase(t, i)
                elif kind == EXTRA:
                    purchase(t, i, data)
                else:
                    handlers[kind](t, i, data)
                done += 1
                if done % 256 == 0 and self.second_conn is not None:
                    await asyncio.sleep(0)  # the writer moves on with the previous chunk
            if sum(map(len, self.buffers.values())) >= FLUSH_ROWS:
                await self.flush()
            if (day + 1) % tenth == 0:
                logger.info("demo data: %d of %d days simulated", day + 1, self.days)
        await self.flush()
        await self.drain()

    def _next_purchase(self, last: int, i: int) -> None:
        """The member's next regular visit: a Poisson stream thinned by the day's weight
        (weekday and month), until the active period ends; some come back once later."""
        rate = self.rate[i]
        if rate <= 0:
            return
        random_, log = self.rng.random, math.log
        weights, top = self.day_weight, self.max_weight
        x, end, stop_day = self.cursor[i], self.act_end[i], self.stop[i] / DAY
        scale = 1.0 / (rate * top)
        while True:
            x -= log(1.0 - random_()) * scale
            if x >= end:
                pause = self.comeback[i]
                if pause <= 0:
                    return
                self.comeback[i] = 0.0
                x = end + pause
                end = x - log(1.0 - random_()) * 60.0
                self.act_end[i] = end
                continue
            if x >= stop_day:
                return
            d = int(x)
            if random_() * top < weights[d]:
                break
        self.cursor[i] = x
        t = d * DAY + _cafe_time(self.rng)
        if t <= last:
            t = last + HOUR + int(random_() * 2 * HOUR)
        if t < self.stop[i]:
            self.push(t, PURCHASE, i)

    def _post(
        self,
        i: int,
        delta: int,
        reason: str,
        at: datetime,
        purchase_id: int | None = None,
        note: str | None = None,
    ) -> None:
        balance = self.balance[i] + delta
        if balance < 0:
            raise RuntimeError("demo data: a balance would go below zero")  # a bug here
        self.balance[i] = balance
        lid = self.next_id[_LEDGER]
        self.next_id[_LEDGER] = lid + 1
        self.buffers[_LEDGER].append(
            {
                "id": lid,
                "membership_id": self.mid0 + i,
                "delta_minor": delta,
                "balance_after_minor": balance,
                "reason": reason,
                "note": note,
                "purchase_id": purchase_id,
                "created_at": at,
            }
        )

    def _credit(self, i: int, amount: int, reason: str, at: datetime, pid: int | None) -> None:
        """services.ledger.credit: a refund's unpaid reversal is recovered from credits first."""
        if amount <= 0:
            return
        self._post(i, amount, reason, at, pid)
        due = min(self.clawback[i], amount)
        if due:
            self._post(i, -due, CLAWBACK, at, pid)
            self.clawback[i] -= due

    def _level_up(self, i: int) -> None:
        """As a purchase or a referral does: the level reached, never lower than the one held."""
        rank = self.rank[i]
        if self.lifetime[i] >= self.up_spend[rank] or self.refs[i] >= self.up_refs[rank]:
            reached = rules.level_for(self.levels, self.lifetime[i], self.refs[i]).rank
            self.rank[i] = max(rank, reached)

    def _purchase(self, t: int, i: int, order: Any) -> None:
        """services.sales confirm: redeem, cashback at the level held, referral shares up the
        chain (a bonus on a friend's first purchase), levels up."""
        rng = self.rng
        random_ = rng.random
        pid = self.next_id[_PURCHASE]
        self.next_id[_PURCHASE] = pid + 1
        at = self.at(t)
        if order:
            amount = order[1]
        else:
            eur = math.exp(rng.gauss(CHECK_MU, CHECK_SIGMA)) * self.spend[i]
            eur = min(max(eur, CHECK_RANGE_EUR[0]), CHECK_RANGE_EUR[1])
            amount = min(self.max_sale, self._price(eur))
        level = self.level_by_rank[self.rank[i]]
        balance = self.balance[i]
        points = 0
        if balance >= self.redeem_min[i] and random_() < self.redeem_p[i]:
            most = policy.max_redeemable(amount, level, balance, self.point_value)
            if most > 0:
                points = most if random_() < 0.7 else 1 + int(random_() * most)
        paid = policy.to_pay(amount, points, self.point_value)
        cashback = policy.cashback(paid, level, self.point_value)
        if points:
            self._post(i, -points, REDEEM, at, pid)
            self.redeemed[i] += points
        self._credit(i, cashback, CASHBACK, at, pid)
        self.lifetime[i] += paid
        self.count[i] += 1
        self.last_buy[i] = t
        effective = False
        earned: list[tuple[int, int]] = []
        chain = self.ancestors[i]
        if chain:
            shares = policy.referral_shares(paid, self.rates_bp, self.point_value)
            for depth, (a, share) in enumerate(zip(chain, shares, strict=False), 1):
                if self.erased[a]:
                    continue  # an erased member's account earns nothing more
                bonus = 0
                if depth == 1 and self.count[i] == 1:
                    effective = True
                    self.refs[a] += 1
                    bonus = self.referral_bonus
                    self._credit(a, bonus, REFERRAL_BONUS, at, pid)
                self._credit(a, share, REFERRAL, at, pid)
                self._level_up(a)
                if share > 0 or bonus > 0:
                    earned.append((a, share + bonus))
        before = self.rank[i]
        self._level_up(i)
        limit = min(self.live[i], self.blocked_at[i], self.end)
        refunded = 0
        # A purchase that made a referral effective is not refunded here: undoing that would
        # move the flag to another purchase already written.
        if not effective and random_() < REFUND_SHARE:
            when = t + 300 + int(random_() * 3 * HOUR)
            if when < self.end:
                refunded = amount
                self.push(when, REFUND, i, (pid, amount, points, cashback, earned))
        rating = comment = rated_at = None
        if not refunded and random_() < RATED_SHARE:
            when = t + 60 + int(random_() * 2 * HOUR)
            if when < limit:
                rating = _weighted(rng, STARS)
                rated_at = self.at(when)
                self.counts["ratings"] += 1
                if random_() < COMMENT_SHARE[rating]:
                    pool = LOW_COMMENTS if rating <= 2 else MID_COMMENTS
                    comment = rng.choice(HIGH_COMMENTS if rating >= 4 else pool)
        r = random_()
        staff = self.staff_ids[0 if r < STAFF_WEIGHTS[0] else 1 if r < 0.85 else 2]
        self.buffers[_PURCHASE].append(
            {
                "id": pid,
                "merchant_id": self.merchant_id,
                "membership_id": self.mid0 + i,
                "staff_telegram_id": staff,
                "payment_code": order[0] if order else f"{int(random_() * 1_000_000):06d}",
                "amount_minor": amount,
                "points_spent": points,
                "cashback_minor": cashback,
                "receipt_no": None,
                "status": "confirmed",
                "idempotency_key": f"demo-{pid}",
                "level_before": before,
                "level_after": self.rank[i],
                "made_referral_effective": effective,
                "refunded_minor": refunded,
                "rating": rating,
                "rating_comment": None if self.erase_at[i] != math.inf else comment,  # erased
                "rated_at": rated_at,
                "created_at": self.at(t - 15 - int(random_() * 100)),
                "confirmed_at": at,
            }
        )
        if order:
            self._preorder(i, order, "completed", pid)
        if self.count[i] == NPS_AFTER_PURCHASES and not self.nps_n[i]:
            self.nps_n[i] = 1  # asked at the scheduler's next daily run
            self.push((t // DAY + 1) * DAY + 12 * HOUR + int(random_() * 1800), NPS, i)
        if self.opt_in[i] and random_() < CART_SHARE:
            when = t + DAY + int(random_() * 9 * DAY)
            if when < limit:
                self.push(when, CART, i)

    def _refund(self, t: int, i: int, data: Any) -> None:
        """services.sales refund, in full: points spent come back, cashback and referral
        shares are taken back as far as balances allow; the rest is owed (clawback)."""
        pid, amount, returned, reversed_, earned = data
        at = self.at(t)
        owed = min(self.clawback[i], returned)
        split = policy.refund_split(
            amount_minor=amount,
            points_spent=returned,
            cashback_earned=reversed_,
            already_refunded_minor=0,
            refund_minor=amount,
            balance=self.balance[i] - owed,
            point_value=self.point_value,
        )
        self._credit(i, returned, REFUND_REASON, at, pid)
        taken = reversed_ - split.shortfall
        if taken:
            self._post(i, -taken, CASHBACK_REVERSED, at, pid)
        paid = policy.refund_paid(amount, returned, self.point_value)
        self.lifetime[i] = max(0, self.lifetime[i] - paid)
        self.count[i] = max(0, self.count[i] - 1)
        for a, share in earned:
            if self.erased[a]:
                continue
            took = min(share, self.balance[a])
            if took:
                self._post(a, -took, REFERRAL_REVERSED, at, pid)
            self.clawback[a] += share - took
        # A refund can take a level away: a level is what was paid for.
        self.rank[i] = rules.level_for(self.levels, self.lifetime[i], self.refs[i]).rank
        rid = self.next_id[_REFUND]
        self.next_id[_REFUND] = rid + 1
        self.buffers[_REFUND].append(
            {
                "id": rid,
                "purchase_id": pid,
                "staff_telegram_id": self.admin_id,
                "amount_minor": amount,
                "points_returned": returned,
                "cashback_reversed": reversed_,
                "cash_refund_minor": split.cash_refund_minor,
                "created_at": at,
            }
        )

    def _welcome(self, t: int, i: int, data: Any) -> None:
        """services.members join: the merchant's welcome bonus, if it has one."""
        self._post(i, self.welcome_bonus, WELCOME_REASON, self.at(t))

    def _erase(self, t: int, i: int, data: Any) -> None:
        """The member erased their data: the balance is given up, the account stays."""
        self.erased[i] = True
        if self.balance[i]:
            self._post(i, -self.balance[i], FORFEIT, self.at(t))
        self.bonus_left[i] = 0
        self.clawback[i] = 0

    # --- messages ---------------------------------------------------------------------------

    def _chat(self, i: int) -> int:
        """The member's Telegram id as the customer row has it: an erased member's messages
        keep no trace of who they were sent to, only the anonymous id."""
        if self.erase_at[i] != math.inf:
            return -(self.mid0 + i)
        return DEMO_TELEGRAM_BASE + self.mid0 + i

    def _reachable(self, t: int, i: int) -> bool:
        return not self.erased[i] and t < self.blocked_at[i] and t < self.live[i]

    def _outbox(
        self,
        i: int,
        kind: str,
        key: str,
        at: datetime,
        sent_at: datetime | None,
        status: str = "sent",
        campaign_id: int | None = None,
    ) -> None:
        oid = self.next_id[_OUTBOX]
        self.next_id[_OUTBOX] = oid + 1
        self.buffers[_OUTBOX].append(
            {
                "id": oid,
                "merchant_id": self.merchant_id,
                "chat_id": self._chat(i),
                "kind": kind,
                "priority": 1,
                "dedupe_key": key,
                "payload": "{}",
                "language": self.lang[i],
                "campaign_id": campaign_id,
                "status": status,
                "attempts": 1,
                "not_before": at,
                "last_error": None if status == "sent" else BLOCKED_ERROR,
                "created_at": at,
                "sent_at": sent_at,
            }
        )

    def _extra_visit(self, i: int, earliest: int, days: int, order: Any = None) -> None:
        """A visit a message brought about, within `days` days after `earliest`."""
        rng = self.rng
        d = earliest // DAY + rng.randrange(days + 1)
        t = max(d * DAY + _cafe_time(rng), earliest + 1800)
        if t < self.live[i]:
            self.push(t, EXTRA, i, order)

    def _next_birthday(self, i: int, after: int) -> None:
        """The member's next birthday (29 February on the 28th in common years) at the
        merchant's birthday hour, after `after`."""
        day, month = self.birthday[i] or (1, 1)
        for year in range(self.first_day.year, self.first_day.year + 12):
            try:
                when = date(year, month, day)
            except ValueError:
                when = date(year, 2, 28)
            t = (when - self.first_day).days * DAY + self.birthday_hour * HOUR
            if t >= self.end:
                return
            if t > after:
                self.push(t + self.rng.randrange(300), BIRTHDAY, i, when.year)
                return

    def _birthday(self, t: int, i: int, year: int) -> None:
        """services.jobs birthday_offers: a bonus once a year, to opted-in reachable members."""
        self._next_birthday(i, t)
        if not self._reachable(t, i) or self.granted_year[i] == year:
            return
        at = self.at(t)
        self.granted_year[i], self.granted_at[i] = year, t
        self.bonus_left[i] = self.birthday_bonus
        self.redeemed_at_grant[i] = self.redeemed[i]
        self._credit(i, self.birthday_bonus, BIRTHDAY_REASON, at, None)
        chat = self._chat(i)
        key = f"birthday:{self.merchant_id}:{year}:birthday:{chat}"
        self._outbox(i, "birthday", key, at, at + timedelta(seconds=self.rng.randrange(1, 90)))
        self.counts["birthdays"] += 1
        self.push(t + self.birthday_days * DAY + self.rng.randrange(60, HOUR), LAPSE, i)
        if self.rng.random() < BIRTHDAY_VISIT_SHARE:
            self._extra_visit(i, t, max(0, self.birthday_days - 1))

    def _lapse(self, t: int, i: int, data: Any) -> None:
        """services.jobs lapse_birthday_bonuses: what was not spent since the gift expires."""
        if self.erased[i] or not self.bonus_left[i]:
            return
        spent = self.redeemed[i] - self.redeemed_at_grant[i]
        left = min(max(0, self.bonus_left[i] - spent), self.balance[i])
        self.bonus_left[i] = 0
        if left:
            self._post(i, -left, EXPIRY, self.at(t), note="birthday")

    def _nps(self, t: int, i: int, data: Any) -> None:
        """services.jobs nps_surveys: asked after the third purchase, then every 90 days."""
        if not self._reachable(t, i):
            return
        rng = self.rng
        at = self.at(t)
        self.nps_at[i] = t
        chat = self._chat(i)
        key = f"nps:{self.merchant_id}:{at:%Y%m%d}:nps:{chat}"
        self._outbox(i, "nps", key, at, at + timedelta(seconds=rng.randrange(1, 90)))
        if rng.random() < NPS_ANSWER_SHARE:
            when = t + rng.randrange(60, 6 * HOUR)
            if when < min(self.live[i], self.blocked_at[i]):
                score = _weighted(rng, NPS_WEIGHTS)
                comment = None
                if rng.random() < 0.25:
                    group = "low" if score <= 6 else "mid" if score <= 8 else "high"
                    comment = rng.choice(NPS_COMMENTS[group])
                nid = self.next_id[_NPS]
                self.next_id[_NPS] = nid + 1
                self.buffers[_NPS].append(
                    {
                        "id": nid,
                        "merchant_id": self.merchant_id,
                        "membership_id": self.mid0 + i,
                        "survey_key": f"demo:{self.mid0 + i}:{self.nps_n[i]}",
                        "score": score,
                        "comment": None if self.erase_at[i] != math.inf else comment,
                        "created_at": self.at(when),
                    }
                )
        self.nps_n[i] += 1
        self.push(t + NPS_EVERY_DAYS * DAY, NPS, i)

    def _cart(self, t: int, i: int, data: Any) -> None:
        """services.jobs cart_reminders: a cart left two hours ago; some are checked out
        within 48 hours and most of those picked up at the counter."""
        if not self._reachable(t, i):
            return
        rng = self.rng
        at = self.at(t)
        changed = self.at(t - 2 * HOUR)
        key = f"cart:{self.mid0 + i}:{changed:%Y%m%d%H%M%S}:1"
        self._outbox(i, "cart_reminder", key, at, at + timedelta(seconds=rng.randrange(1, 60)))
        self.counts["carts"] += 1
        if rng.random() >= CHECKOUT_SHARE:
            return
        ordered = t + rng.randrange(600, 47 * HOUR)
        limit = min(self.live[i], self.blocked_at[i], self.end)
        if ordered >= limit:
            return
        lines: list[tuple[str, int, int]] = []
        for _, title, price in rng.sample(self.menu, rng.randint(1, 3)):
            qty = rng.randint(1, 2)
            lines.append((title, qty, qty * price))
        total = min(self.max_sale, sum(amount for _, _, amount in lines))
        lines_json = json.dumps(lines, ensure_ascii=False)
        order = (f"{rng.randrange(1_000_000):06d}", total, lines_json, self.at(ordered))
        pickup = ordered + rng.randrange(900, 3 * HOUR)
        if rng.random() < PICKUP_SHARE and pickup < limit:
            self.push(pickup, EXTRA, i, order)
        else:
            self._preorder(i, order, "open", None)

    def _preorder(self, i: int, order: Any, status: str, purchase_id: int | None) -> None:
        code, total, lines, created = order
        oid = self.next_id[_PREORDER]
        self.next_id[_PREORDER] = oid + 1
        self.buffers[_PREORDER].append(
            {
                "id": oid,
                "merchant_id": self.merchant_id,
                "membership_id": self.mid0 + i,
                "code": code,
                "total_minor": total,
                "lines": lines,
                "status": status,
                "purchase_id": purchase_id,
                "created_at": created,
            }
        )

    def _plan_campaigns(self) -> None:
        """A push every six weeks or so, on a Tuesday or Thursday morning; the first after a
        month, when there is someone to send it to."""
        count = max(1, round(self.days / 30.4 * CAMPAIGNS_PER_MONTH))
        for k in range(count):
            d = int(self.days * (k + 0.5) / count) + self.rng.randint(-3, 3)
            d = min(max(d, 1), self.days - 4)
            while (self.first_day + timedelta(days=d)).weekday() not in (1, 3) and d > 1:
                d -= 1
            self.push(d * DAY + 10 * HOUR + self.rng.randrange(HOUR), CAMPAIGN, -1, k)

    def _campaign(self, t: int, _: int, k: int) -> None:
        """services.campaigns: opted-in, reachable members of the segment; the first push
        after a member blocked the bot comes back blocked, and none are queued for them after."""
        rng = self.rng
        cid = self.next_id[_CAMPAIGN]
        self.next_id[_CAMPAIGN] = cid + 1
        at = self.at(t)
        segment, text = CAMPAIGNS[k % len(CAMPAIGNS)]
        kind, _colon, value = segment.partition(":")
        days = int(value) * DAY if value else 0
        month = at.astimezone(self.tz).month
        sent = blocked = 0
        for i in range(bisect.bisect_right(self.join, t)):
            if not self.opt_in[i] or self.erased[i] or self.blocked_seen[i] or t >= self.live[i]:
                continue
            if kind == "inactive" and self.last_buy[i] >= t - days:
                continue
            if kind == "joined" and self.join[i] < t - days:
                continue
            if kind == "birthday" and (self.birthday[i] or (0, 0))[1] != month:
                continue
            key = f"push:{cid}:{self._chat(i)}"
            if t >= self.blocked_at[i]:
                self.blocked_seen[i] = True
                self._outbox(i, "push", key, at, None, "blocked", cid)
                blocked += 1
                continue
            sent_at = at + timedelta(seconds=1 + sent / SEND_RATE)
            self._outbox(i, "push", key, at, sent_at, "sent", cid)
            sent += 1
            if rng.random() < CAMPAIGN_VISIT_SHARE:
                self._extra_visit(i, t + HOUR, 4)
        self.buffers[_CAMPAIGN].append(
            {
                "id": cid,
                "merchant_id": self.merchant_id,
                "created_by": self.admin_id,
                "text": text,
                "photo": None,
                "button_text": None,
                "button_url": None,
                "segment": segment,
                "recipients": sent + blocked,
                "send_at": at,
                "status": "done",
                "idempotency_key": f"demo-campaign-{cid}",
                "created_at": at - timedelta(minutes=rng.randrange(5, 30)),
                "finished_at": at + timedelta(seconds=2 + sent / SEND_RATE),
            }
        )
        self.counts["pushes"] += sent

    # --- writing -------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write the rows made since the last flush."""
        if any(self.buffers.values()):
            buffers, self.buffers = self.buffers, {t: [] for t in _CHUNK_TABLES}
            await self._submit(buffers)

    async def _submit(self, chunk: dict[Any, list[dict[str, Any]]]) -> None:
        """Write a chunk, each part in a transaction of its own, in order: a chunk's rows may
        refer to the previous one's, and its ledger entries to its purchases.

        On SQLite, at once. On PostgreSQL the server does most of the work (indexes, foreign
        key checks), so the chunk goes in two lanes on two connections: its purchases (and
        pre-orders, campaigns) on the first, then, once they are committed, the rows that refer
        to them on the second, while the first lane takes the next chunk's purchases and this
        process simulates the chunk after it."""
        last_ids = {table: self.next_id[table] - 1 for table in chunk}
        if self.second_conn is None:
            await self._write(self.conn, chunk, last_ids)
            return
        first = {t: rows for t, rows in chunk.items() if t not in _SECOND_LANE}
        second = {t: rows for t, rows in chunk.items() if t in _SECOND_LANE}
        if self.writer is not None:
            await self.writer  # the first lane is free again; its error, if any, is raised
        self.writer = asyncio.create_task(
            self._write(self.conn, first, {t: last_ids[t] for t in first})
        )
        if any(second.values()):
            self.follower = asyncio.create_task(
                self._follow(self.writer, self.follower, second, {t: last_ids[t] for t in second})
            )
        await asyncio.sleep(0)  # let it start: its first statement goes out now

    async def _follow(
        self,
        lead: asyncio.Task[None],
        previous: asyncio.Task[None] | None,
        chunk: dict[Any, list[dict[str, Any]]],
        last_ids: dict[Any, int],
    ) -> None:
        await lead  # the purchases these rows refer to are committed
        if previous is not None:
            await previous
        assert self.second_conn is not None
        await self._write(self.second_conn, chunk, last_ids)

    def _tasks(self) -> list[asyncio.Task[None]]:
        tasks = [t for t in (self.writer, self.follower) if t is not None]
        self.writer = self.follower = None
        return tasks

    async def drain(self) -> None:
        """Wait for every write under way; an error, if any, is raised here."""
        for task in self._tasks():
            await task

    async def close(self) -> None:
        """After a failure: stop writes still running (their transactions roll back)."""
        for task in self._tasks():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _write(
        self,
        conn: AsyncConnection,
        chunk: dict[Any, list[dict[str, Any]]],
        last_ids: dict[Any, int],
    ) -> None:
        async with conn.begin():
            for table, rows in chunk.items():
                if rows:
                    await conn.execute(self.inserts[table], rows)
            await self._advance_sequences(conn, last_ids)

    async def _advance_sequences(self, conn: AsyncConnection, last_ids: dict[Any, int]) -> None:
        """PostgreSQL hands out ids from a sequence that explicit ids do not move: move it past
        them in the same transaction, or the app's next insert would collide with a demo row.
        SQLite takes max(id) + 1 by itself."""
        if conn.dialect.name != "postgresql":
            return
        for table, last in last_ids.items():
            if last > 0:
                sequence = func.pg_get_serial_sequence(table.name, "id")
                await conn.execute(select(func.setval(sequence, last)))

    async def write_totals(self) -> None:
        """Each member's running totals, as the simulation left them."""
        m = _MEMBERSHIP
        statement = (
            update(m)
            .where(m.c.id == bindparam("m_id"))
            .values(
                balance_minor=bindparam("m_balance"),
                lifetime_spend_minor=bindparam("m_lifetime"),
                purchases_count=bindparam("m_count"),
                effective_referrals=bindparam("m_refs"),
                level_rank=bindparam("m_rank"),
                clawback_due_minor=bindparam("m_clawback"),
                birthday_granted_year=bindparam("m_year"),
                birthday_granted_at=bindparam("m_granted", type_=UtcDateTime()),
                birthday_bonus_left=bindparam("m_left"),
                nps_asked_at=bindparam("m_nps", type_=UtcDateTime()),
            )
        )
        first_rank = self.levels[0].rank
        rows = []
        for i in range(self.n):
            granted, asked = self.granted_at[i], self.nps_at[i]
            if not (
                self.balance[i]
                or self.count[i]
                or self.lifetime[i]
                or self.refs[i]
                or self.clawback[i]
                or self.rank[i] != first_rank
                or granted is not None
                or asked is not None
            ):
                continue  # as inserted
            rows.append(
                {
                    "m_id": self.mid0 + i,
                    "m_balance": self.balance[i],
                    "m_lifetime": self.lifetime[i],
                    "m_count": self.count[i],
                    "m_refs": self.refs[i],
                    "m_rank": self.rank[i],
                    "m_clawback": self.clawback[i],
                    "m_year": self.granted_year[i],
                    "m_granted": None if granted is None else self.at(granted),
                    "m_left": self.bonus_left[i],
                    "m_nps": None if asked is None else self.at(asked),
                }
            )
        for lo in range(0, len(rows), 20_000):
            async with self.conn.begin():
                await self.conn.execute(statement, rows[lo : lo + 20_000])


def _since(moment: float) -> float:
    return time.perf_counter() - moment


async def _prepare(
    conn: AsyncConnection,
    second_conn: AsyncConnection | None,
    merchant_id: int,
    members: int,
    months: int,
    seed: int,
    now: datetime,
) -> _Demo:
    merchant_table, level_table = _table(Merchant), _table(Level)
    merchant = (
        await conn.execute(select(merchant_table).where(merchant_table.c.id == merchant_id))
    ).one_or_none()
    if merchant is None:
        raise ValueError(f"no merchant with id {merchant_id}")
    levels = [
        LevelInfo(
            lv.rank,
            lv.name,
            lv.min_spend_minor,
            lv.min_referrals,
            lv.cashback_bp,
            lv.max_redeem_bp,
        )
        for lv in await conn.execute(
            select(level_table).where(level_table.c.merchant_id == merchant_id)
        )
    ]
    if not levels:
        raise ValueError(f"merchant {merchant_id} has no levels")
    demo = _Demo(
        conn, second_conn, merchant, levels, members=members, months=months, seed=seed, now=now
    )
    await demo.load(conn)
    return demo


async def _grow_sqlite_cache(conn: AsyncConnection) -> int | None:
    """SQLite's default page cache is 2 MB. Inserts in time order touch the member indexes
    at random, so a chunk's dirty pages overflow it and are spilled to the WAL again and again
    (gigabytes written for a 500 MB file, half of the run). A bigger cache for this connection
    only, while it runs; the caller restores the returned size. PostgreSQL: nothing to do."""
    if conn.dialect.name != "sqlite":
        return None
    async with conn.begin():
        previous = (await conn.exec_driver_sql("PRAGMA cache_size")).scalar()
        await conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return int(previous or -2000)


async def generate_demo_data(
    engine: AsyncEngine,
    merchant_id: int,
    *,
    members: int = 2000,
    months: int = 12,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Add `members` demo members and `months` months of their activity to a merchant.

    Deterministic for a seed and the merchant's local date of `now` (default: the real UTC
    now); everything lies in whole local days before that date. Adds to whatever the merchant
    already has (ids continue after each table's maximum). The schema must be migrated.
    """
    if members < 1 or months < 1:
        raise ValueError("members and months must be at least 1")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        conn = await stack.enter_async_context(engine.connect())
        second = None
        if conn.dialect.name != "sqlite":
            second = await stack.enter_async_context(engine.connect())
        async with conn.begin():
            demo = await _prepare(conn, second, merchant_id, members, months, seed, now)
        previous_cache = await _grow_sqlite_cache(conn)
        # Millions of short-lived rows and events would make the cyclic collector walk every
        # live object over and over (a tenth of the run); they hold no cycles, so it pauses.
        collecting = gc.isenabled()
        gc.disable()
        try:
            phase = time.perf_counter()
            demo.plan_members()
            await demo.write_members()
            logger.info("demo data: %d members written in %.1f s", members, _since(phase))
            phase = time.perf_counter()
            await demo.simulate()
            logger.info("demo data: activity simulated and written in %.1f s", _since(phase))
            phase = time.perf_counter()
            await demo.write_totals()
            logger.info("demo data: member totals written in %.1f s", _since(phase))
        finally:
            await demo.close()
            if collecting:
                gc.enable()
            if previous_cache is not None:
                async with conn.begin():
                    await conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")
    counts = demo.counts
    return DemoSummary(
        merchant_id=merchant_id,
        first_day=demo.first_day,
        last_day=demo.first_day + timedelta(days=demo.days - 1),
        start=demo.at(0),
        end=demo.at(demo.end),
        members=members,
        erased=sum(1 for t in demo.erase_at if t != math.inf),
        purchases=demo.added(_PURCHASE),
        refunds=demo.added(_REFUND),
        ratings=counts["ratings"],
        nps_answers=demo.added(_NPS),
        ledger_entries=demo.added(_LEDGER),
        birthday_bonuses=counts["birthdays"],
        campaigns=demo.added(_CAMPAIGN),
        pushes=counts["pushes"],
        cart_reminders=counts["carts"],
        preorders=demo.added(_PREORDER),
        outbox=demo.added(_OUTBOX),
        seconds=time.perf_counter() - started,
    )


class ProgramNotEmpty(Exception):
    """The merchant already has members: demo data would mix with them."""

    def __init__(self, slug: str, members: int) -> None:
        super().__init__(slug, members)
        self.slug = slug
        self.members = members
