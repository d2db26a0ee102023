"""What the scheduler runs. Jobs only write rows (the sender sends) and are idempotent: run
twice for the same day, they enqueue once; run late, they catch up."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import once
from db.engine import reading
from db.models import LedgerReason, NpsAnswer
from db.repositories import (
    CatalogRepo,
    CustomerRepo,
    JobRepo,
    LedgerRepo,
    MembershipRepo,
    OutboxRepo,
    StaffRepo,
)
from db.repositories.grants import GrantRepo
from services import birthdays, grants, policy
from services.clock import Clock, utc_now
from services.dto import Notice
from services.errors import RatingRefused
from services.ledger import credit
from services.numbers import InvalidNumber, parse_survey_key
from services.outbox import enqueue, enqueue_keyed
from services.reports import Period, ReportService
from services.staff import alert_recipients


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the 30th...)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


CART_REMINDERS = (timedelta(hours=2), timedelta(hours=24))  # after the cart last changed
NPS_AFTER_PURCHASES = 3
NPS_EVERY = timedelta(days=90)
NPS_BATCH = 500
DIGEST_HOUR = 9  # Monday, the merchant's local time
# Telegram keeps an update it could not deliver for 24 hours, so no second delivery of an
# update comes after a week: its record (db/once.py) can go.
UPDATES_KEPT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class JobReport:
    birthdays: int = 0
    surveys: int = 0


class JobService:
    def __init__(
        self,
        session: AsyncSession,
        clock: Clock = utc_now,
        cart_reminders: Sequence[timedelta] = CART_REMINDERS,
        owner_ids: Sequence[int] = (),
        *,
        marker_key: bytes | None = None,
    ) -> None:
        self.owner_ids = frozenset(owner_ids)
        self.marker_key = marker_key or grants.UNSET_KEY
        self.session = session
        self.clock = clock
        self.cart_reminder_after = tuple(cart_reminders)
        self.jobs = JobRepo(session)
        self.ledger = LedgerRepo(session)

    async def take_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Exactly one process runs the scheduler: the one holding its lease."""
        try:
            async with self.session.begin():
                return await self.jobs.take_lease(name, holder, self.clock(), ttl)
        except IntegrityError:  # another process inserted it a moment ago
            return False

    async def forget_updates(self) -> int:
        """Delete the records of handled Telegram updates older than 7 days."""
        async with self.session.begin():
            return await once.forget_before(self.session, self.clock() - UPDATES_KEPT)

    async def birthday_offers(self) -> int:
        """From the merchant's local birthday hour: a greeting and a bonus, once a year."""
        sent = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                local = now.astimezone(ZoneInfo(merchant.timezone))
                if local.hour < merchant.birthday_hour:
                    continue
                feb28 = (local.month, local.day) == (2, 28) and not calendar.isleap(local.year)
                due = await self.jobs.birthdays(
                    merchant.id, local.day, local.month, local.year, feb28
                )
                # Once a year per person, even one who erased their data and joined again.
                reward = grants.birthday(local.year)
                markers = {
                    m.id: grants.marker(self.marker_key, merchant.id, c.telegram_id)
                    for m, c in due
                }
                granted = GrantRepo(self.session)
                given = await granted.markers_with(merchant.id, markers.values(), reward)
                notices = []
                for membership, customer in due:
                    if markers[membership.id] in given or not birthdays.lead_time_passed(
                        customer.birthday_set_at, local.date(), merchant
                    ):
                        continue
                    granted.add(merchant.id, markers[membership.id], reward, now)
                    membership.birthday_granted_year = local.year
                    bonus = policy.bonus_points(
                        merchant.birthday_bonus_minor, merchant.point_value_minor
                    )
                    membership.birthday_granted_at = now
                    membership.birthday_bonus_left = bonus
                    await credit(self.ledger, membership, bonus, LedgerReason.BIRTHDAY, now)
                    notices.append(
                        Notice(
                            customer.telegram_id,
                            None,
                            "birthday",
                            {
                                "merchant": merchant.name,
                                "bonus": bonus,
                                "balance": membership.balance_minor,
                                "days": merchant.birthday_bonus_days,
                            },
                        )
                    )
                sent += await enqueue(
                    self.session,
                    merchant.id,
                    notices,
                    now,
                    f"birthday:{merchant.id}:{local.year}",
                    merchant.default_language,
                )
        return sent

    async def weekly_digests(self) -> int:
        """From Monday 9:00 local: last week's figures to the merchant's admins and owners,
        once a week (a week missed while the bot was down is sent when it is back).

        The figures are read in a read-only transaction, which may take seconds on a big
        program; only the short enqueue takes the write lock."""
        due: list[tuple[int, str, str, list[Notice]]] = []
        now = self.clock()
        async with reading(self.session):
            for merchant in await self.jobs.merchants():
                local = now.astimezone(ZoneInfo(merchant.timezone))
                monday = local.date() - timedelta(days=local.weekday())
                if local.date() == monday and local.hour < DIGEST_HOUR:
                    monday -= timedelta(days=7)
                week = Period(
                    monday - timedelta(days=7), monday - timedelta(days=1), merchant.timezone
                )
                prefix = f"digest:{merchant.id}:{week.first_day.isoformat()}"
                recipients = await alert_recipients(
                    StaffRepo(self.session), merchant.id, self.owner_ids
                )
                keys = [f"{prefix}:digest:{chat}" for chat in recipients]
                # Once queued for anyone, the week is done: a recipient who blocked the bot has
                # no row, and must not make every tick work the figures out again.
                if not keys or await OutboxRepo(self.session).existing_keys(keys):
                    continue
                reports = ReportService(self.session, tuple(self.owner_ids), self.clock)
                figures = await reports.digest(merchant.id, week)
                if not figures["members"]:
                    continue  # a program nobody has joined yet has nothing to say
                data = {"merchant": merchant.name, "currency": merchant.currency, **figures}
                notices = [Notice(chat, None, "digest", data) for chat in recipients]
                due.append((merchant.id, prefix, merchant.default_language, notices))
        queued = 0
        async with self.session.begin():
            for merchant_id, prefix, language, notices in due:
                queued += await enqueue(self.session, merchant_id, notices, now, prefix, language)
        return queued

    async def expire_points(self) -> int:
        """Points older than the merchant's lifetime expire, oldest first (spending uses the
        oldest points first, so what expires is what was never spent); warnings go out 7 days
        and 1 day before. Returns messages queued."""
        queued = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                months = merchant.points_lifetime_months
                if not months:
                    continue
                cutoffs = [months_before(now + timedelta(days=d), months) for d in (0, 1, 7)]
                flows = await self.jobs.point_flows(merchant.id, cutoffs)
                expiring = [f[0] for f in flows if max(0, f[4][0] - f[2] - f[3]) > 0]
                locked = await MembershipRepo(self.session).lock_many(expiring)
                notices: list[tuple[Notice, str]] = []
                for member_id, chat, debits, expired, credited in flows:
                    due_now, due_1, due_7 = (max(0, c - debits - expired) for c in credited)
                    if due_now:
                        membership = locked[member_id]
                        amount = min(due_now, membership.balance_minor)
                        await self.ledger.post(membership, -amount, LedgerReason.EXPIRY, now)
                        notice = Notice(
                            chat,
                            None,
                            "expired",
                            {"points": amount, "balance": membership.balance_minor},
                        )
                        notices.append((notice, f"expired:{member_id}:{expired + amount}"))
                    # Each wave of points crossing a horizon warns once: the key is the total
                    # credited up to that horizon, which grows only with a new wave.
                    for days, due, total in ((7, due_7, credited[2]), (1, due_1, credited[1])):
                        soon = due - due_now
                        if soon > 0:
                            notice = Notice(
                                chat, None, "expiry_warning", {"points": soon, "days": days}
                            )
                            notices.append((notice, f"expiry{days}:{member_id}:{total}"))
                queued += await enqueue_keyed(
                    self.session, merchant.id, notices, now, merchant.default_language
                )
        return queued

    async def cart_reminders(self) -> int:
        """A cart left with items: one reminder after 2 hours, a second after 24. Changing the
        cart starts over; emptying it or checking out ends it; only for those who opted in."""
        queued = 0
        async with self.session.begin():
            now = self.clock()
            catalog = CatalogRepo(self.session)
            merchants = {m.id: m for m in await self.jobs.merchants()}
            for done, after in enumerate(self.cart_reminder_after):
                carts = await catalog.abandoned(now - after, done)
                lines = await catalog.lines_of([membership.id for _, membership, _ in carts])
                by_merchant: dict[int, list[tuple[Notice, str]]] = {}
                for cart, membership, customer in carts:
                    cart.reminders = done + 1
                    merchant = merchants[membership.merchant_id]
                    contents = lines.get(membership.id, [])
                    notice = Notice(
                        customer.telegram_id,
                        None,
                        "cart_reminder",
                        {
                            "items": ", ".join(f"{i.title} × {ln.qty}" for ln, i in contents),
                            "total": sum(ln.qty * i.price_minor for ln, i in contents),
                            "currency": merchant.currency,
                        },
                    )
                    key = f"cart:{membership.id}:{cart.updated_at:%Y%m%d%H%M%S}:{done + 1}"
                    by_merchant.setdefault(merchant.id, []).append((notice, key))
                for merchant_id, keyed in by_merchant.items():
                    queued += await enqueue_keyed(
                        self.session,
                        merchant_id,
                        keyed,
                        now,
                        merchants[merchant_id].default_language,
                    )
        return queued

    async def lapse_birthday_bonuses(self) -> int:
        """A birthday bonus is valid for the merchant's number of days: what was not spent by
        then (purchases since the gift spend it first) lapses, as an expiry in the ledger."""
        lapsed = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                since = now - timedelta(days=merchant.birthday_bonus_days)
                for membership in await self.jobs.birthday_bonuses_due(merchant.id, since):
                    granted_at = membership.birthday_granted_at
                    assert granted_at is not None
                    spent = await self.ledger.redeemed_since(membership.id, granted_at)
                    left = min(
                        max(0, membership.birthday_bonus_left - spent), membership.balance_minor
                    )
                    membership.birthday_bonus_left = 0
                    if left:
                        await self.ledger.post(
                            membership, -left, LedgerReason.EXPIRY, now, note="birthday"
                        )
                        lapsed += 1
        return lapsed

    async def nps_surveys(self) -> int:
        """After the third purchase, then at most every 90 days: the NPS question."""
        sent = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                due = await self.jobs.nps_due(
                    merchant.id, NPS_AFTER_PURCHASES, now - NPS_EVERY, NPS_BATCH
                )
                notices = []
                for membership, customer in due:
                    membership.nps_asked_at = now
                    survey = f"{membership.id}:{now:%Y%m%d}"
                    notices.append(Notice(customer.telegram_id, None, "nps", {"survey": survey}))
                sent += await enqueue(
                    self.session,
                    merchant.id,
                    notices,
                    now,
                    f"nps:{merchant.id}:{now:%Y%m%d}",
                    merchant.default_language,
                )
        return sent

    async def comment_nps(self, telegram_id: int, survey: str, comment: str) -> None:
        """The optional comment after an NPS score, once."""
        async with self.session.begin():
            answer = await self.session.scalar(
                select(NpsAnswer).where(NpsAnswer.survey_key == survey)
            )
            customer = await CustomerRepo(self.session).by_telegram_id(telegram_id)
            membership = (
                await MembershipRepo(self.session).get(answer.membership_id) if answer else None
            )
            if answer is None or customer is None or membership is None:
                raise RatingRefused("not_found")
            if membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if answer.comment is None:
                answer.comment = comment.strip()[:1000] or None

    async def answer_nps(
        self, telegram_id: int, survey: str, score: int, comment: str | None = None
    ) -> None:
        """Store the answer to one survey once; a comment may follow the score."""
        if not 0 <= score <= 10:
            raise RatingRefused("bad_value")
        try:
            membership_id = parse_survey_key(survey)
        except InvalidNumber:
            raise RatingRefused("not_found") from None
        async with self.session.begin():
            membership = await MembershipRepo(self.session).get(membership_id)
            customer = await CustomerRepo(self.session).by_telegram_id(telegram_id)
            if membership is None or customer is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            existing = await self.session.scalar(
                select(NpsAnswer.id).where(NpsAnswer.survey_key == survey)
            )
            if existing is not None:
                raise RatingRefused("already_rated")
            asked = membership.nps_asked_at
            if asked is None or survey != f"{membership.id}:{asked:%Y%m%d}":
                raise RatingRefused("not_found")  # only the survey last sent is answered
            self.session.add(
                NpsAnswer(
                    merchant_id=membership.merchant_id,
                    membership_id=membership.id,
                    survey_key=survey,
                    score=score,
                    comment=(comment or None) and comment[:1000],
                    created_at=self.clock(),
                )
            )
