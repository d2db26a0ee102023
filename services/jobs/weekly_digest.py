"""The weekly digest: from Monday 9:00 local, last week's figures against the week before, to
the merchant's admins and the owners."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from db.engine import reading
from db.models import Merchant
from db.repositories import OutboxRepo, StaffRepo
from services.jobs.base import JobBase
from services.notices import DigestFigures, Notice, WeeklyDigest
from services.outbox import enqueue
from services.reports import ReportService
from services.reports.periods import Period
from services.reports.stats import Snapshot
from services.staff import alert_recipients

DIGEST_HOUR = 9  # Monday, the merchant's local time


class WeeklyDigests(JobBase):
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
                figures = await digest(reports, merchant, week)
                if not figures.members:
                    continue  # a program nobody has joined yet has nothing to say
                notices = [Notice(chat, None, figures) for chat in recipients]
                due.append((merchant.id, prefix, merchant.default_language, notices))
        queued = 0
        async with self.session.begin():
            for merchant_id, prefix, language, notices in due:
                queued += await enqueue(self.session, merchant_id, notices, now, prefix, language)
        return queued


async def digest(reports: ReportService, merchant: Merchant, period: Period) -> WeeklyDigest:
    """The weekly digest: this period's figures and the one before's (no access check)."""
    current, previous = await reports.snapshots(merchant.id, [period, period.previous()])
    rewarded = [await reports.digest_rewards(merchant.id, p) for p in (period, period.previous())]
    coalition = await reports.digest_coalition(merchant.id, period)
    return WeeklyDigest(
        merchant=merchant.name,
        currency=merchant.currency,
        members=current.members,
        first_day=period.first_day,
        last_day=period.last_day,
        timezone=period.timezone,  # dates read in the merchant's region
        current=replace(
            digest_figures(current, *rewarded[0]),
            partners=coalition.partners,
            certificates_handed=coalition.handed_out,
            certificates_redeemed=coalition.redeemed,
            customers_brought=coalition.brought,
        ),
        previous=digest_figures(previous, *rewarded[1]),
    )


def digest_figures(s: Snapshot, vouchers_redeemed: int = 0, cards: int = 0) -> DigestFigures:
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
        vouchers_redeemed=vouchers_redeemed,
        cards_completed=cards,
    )
