"""The demo members: when each joins and through whom (referral chains), what they tell the
bot, who later erases their data or blocks the bot; and their customer and membership rows."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from demo.program import Program
from demo.timeline import DAY, HOUR, Timeline, cafe_time, weighted
from demo.writer import CUSTOMER, MEMBERSHIP, Row, TableWriter
from services import policy

# Telegram user ids have at most 52 significant bits: demo customers get ids above that, so
# nothing the bot might send them can reach a real person.
DEMO_TELEGRAM_BASE = 1 << 52
MEMBER_CHUNK = 5_000  # customers and memberships per transaction

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
NAMES = {
    "en": ("Emma", "Oliver", "Sophie", "James", "Lucy", "Harry", "Grace", "Jack", "Mia", "Leo"),
    "pl": ("Anna", "Piotr", "Kasia", "Tomasz", "Magda", "Marek", "Ola", "Kuba", "Zosia", "Jan"),
    "ru": ("Ольга", "Иван", "Наталья", "Дмитрий", "Ирина", "Сергей", "Анна", "Павел", "Мария"),
    "hu": ("Anna", "Bence", "Eszter", "Dániel", "Zsófia", "Máté", "Réka", "Gábor", "Lili"),
}
# What a customer row tells about the person: nothing is left of it after erasure.
PERSONAL = (
    "first_name",
    "language",
    "telegram_language",
    "birthday_day",
    "birthday_month",
    "birthday_year",
    "phone",
)
PHONE_PREFIXES = {"en": ("+447", 9), "pl": ("+485", 8), "ru": ("+79", 9), "hu": ("+3630", 7)}


class People:
    """Every member's plan, decided up front; member i is the i-th to join, with membership
    id mid0 + i and customer id cid0 + i."""

    def __init__(
        self,
        rng: random.Random,
        timeline: Timeline,
        program: Program,
        n: int,
        mid0: int,
        cid0: int,
    ) -> None:
        self.rng, self.timeline, self.program = rng, timeline, program
        self.n, self.mid0, self.cid0 = n, mid0, cid0
        end, never = timeline.end, math.inf
        self.join: list[int] = []
        self.referrer: list[int | None] = [None] * n
        self.ancestors: list[tuple[int, ...]] = [()] * n  # referrers up the chain, nearest first
        self.source: list[str | None] = [None] * n
        self.erase_at: list[float] = [never] * n
        self.blocked_at: list[float] = [never] * n
        self.stop: list[int] = [end] * n  # no regular purchases from here on
        self.live: list[int] = [end] * n  # nothing at all from here on (erasure)
        self.opt_in = [False] * n
        self.lang: list[str] = [program.default_language] * n
        self.birthday: list[tuple[int, int] | None] = [None] * n  # (day, month)

    def plan(self, plan_habits: Callable[[int], None]) -> None:
        """Who joins when, through whom, and what they share; `plan_habits(i)` decides how
        each buys, right after the rest of their plan."""
        rng, n, timeline = self.rng, self.n, self.timeline
        days, end = timeline.days, timeline.end
        joins: list[int] = []
        while len(joins) < n:
            u = rng.random()
            x = (-1 + math.sqrt(1 + 2 * GROWTH * u * (1 + GROWTH / 2))) / GROWTH
            d = min(days - 1, int(x * days))
            if rng.random() * timeline.max_weight <= timeline.day_weight[d]:
                joins.append(d * DAY + cafe_time(rng))
        joins.sort()
        self.join = joins
        advocates: list[int] = []
        referred: list[int] = []
        default = self.program.default_language
        others = [lang for lang in policy.LANGUAGES if lang != default]
        languages = [(default, 0.55)] + [(lang, 0.45 / len(others)) for lang in others]
        for i in range(n):
            t = joins[i]
            if rng.random() < ERASED_SHARE and t + DAY < end:
                self.erase_at[i] = rng.randrange(t + DAY, end)
                self.live[i] = int(self.erase_at[i]) - 6 * HOUR
            if rng.random() < BLOCKED_SHARE and t + HOUR < end:
                self.blocked_at[i] = rng.randrange(t + HOUR, end)
            self.stop[i] = int(min(self.live[i], self.blocked_at[i]))
            if rng.random() < REFERRAL_SHARE:
                self._pick_referrer(i, advocates, referred)
            if self.referrer[i] is not None:
                referred.append(i)
            else:
                self.source[i] = weighted(rng, SOURCES)
            if rng.random() < ADVOCATE_SHARE:
                advocates.append(i)
            self.opt_in[i] = rng.random() < OPT_IN_SHARE
            self.lang[i] = weighted(rng, languages)
            if rng.random() < BIRTHDAY_SHARE:
                born = date(2000, 1, 1) + timedelta(days=rng.randrange(366))
                self.birthday[i] = (born.day, born.month)
            plan_habits(i)

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

    def erased(self, i: int) -> bool:
        """Erases their data at some point of the period."""
        return self.erase_at[i] != math.inf

    def chat(self, i: int) -> int:
        """The member's Telegram id as the customer row has it: an erased member's messages
        keep no trace of who they were sent to, only the anonymous id."""
        if self.erased(i):
            return -(self.mid0 + i)
        return DEMO_TELEGRAM_BASE + self.mid0 + i

    async def write(self, writer: TableWriter, codes_taken: set[str]) -> None:
        """Customers and memberships with what is fixed; the running totals come at the end."""
        rng, at = self.rng, self.timeline.at
        for lo in range(0, self.n, MEMBER_CHUNK):
            customers: list[Row] = []
            memberships: list[Row] = []
            for i in range(lo, min(self.n, lo + MEMBER_CHUNK)):
                if i % 500 == 0:
                    await writer.pause()
                joined = at(self.join[i])
                code = policy.new_referral_code(rng.choice)
                while code in codes_taken:
                    code = policy.new_referral_code(rng.choice)
                codes_taken.add(code)
                customers.append(self._customer_row(i, joined))
                memberships.append(self._membership_row(i, joined, code))
            await writer.write_now({CUSTOMER: customers, MEMBERSHIP: memberships})

    def _membership_row(self, i: int, joined: datetime, code: str) -> Row:
        erased, opt_in, referrer = self.erased(i), self.opt_in[i], self.referrer[i]
        left = self.timeline.at(int(self.erase_at[i])) if erased else None
        changed = joined + timedelta(seconds=30) if opt_in else None
        if erased:
            changed = left if opt_in else None
        return {
            "id": self.mid0 + i,
            "customer_id": self.cid0 + i,
            "merchant_id": self.program.merchant_id,
            "referral_code": code,
            "referrer_id": None if referrer is None else self.mid0 + referrer,
            "source": self.source[i],
            "level_rank": 0,
            "consent_version": self.program.rules_version,
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
            "deleted_at": left,
        }

    def _customer_row(self, i: int, joined: datetime) -> Row:
        rng, lang = self.rng, self.lang[i]
        # Drawn for every member, erased or not, so the rest of the run does not depend on it.
        name = rng.choice(NAMES[lang])
        chosen = lang if rng.random() < CHOSEN_LANGUAGE_SHARE else None
        phone = None
        if rng.random() < PHONE_SHARE:
            prefix, digits = PHONE_PREFIXES[lang]
            phone = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
        year = rng.randrange(1955, 2008) if rng.random() < 0.7 else None
        birthday = self.birthday[i]
        if birthday is not None and birthday == (29, 2) and year is not None:
            year = 2000  # a leap year for 29 February
        row: Row = {
            "id": self.cid0 + i,
            "telegram_id": self.chat(i),
            "first_name": name,
            "language": chosen,
            "telegram_language": lang,
            "birthday_day": birthday[0] if birthday else None,
            "birthday_month": birthday[1] if birthday else None,
            "birthday_year": year if birthday else None,
            "phone": phone,
            "bot_blocked": self.blocked_at[i] != math.inf,
            "current_merchant_id": self.program.merchant_id,
            "created_at": joined - timedelta(seconds=40),
        }
        if self.erased(i):
            # What erasure leaves: a row of its own with no Telegram user behind it.
            row.update(dict.fromkeys(PERSONAL, None), bot_blocked=True, current_merchant_id=None)
            row["created_at"] = self.timeline.at(int(self.erase_at[i]))
        return row
