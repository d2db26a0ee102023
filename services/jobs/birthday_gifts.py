"""Birthday gifts: from the merchant's local birthday hour a greeting and a bonus, once a year
per person; what was not spent within the merchant's days lapses."""

from __future__ import annotations

import calendar
from datetime import timedelta
from zoneinfo import ZoneInfo

from db.models import LedgerReason
from db.repositories.grants import GrantRepo
from services import birthdays, grants, policy
from services.jobs.base import JobBase
from services.ledger import credit
from services.notices import BirthdayGift, Notice
from services.outbox import enqueue


class BirthdayGifts(JobBase):
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
                            BirthdayGift(
                                merchant=merchant.name,
                                bonus=bonus,
                                balance=membership.balance_minor,
                                days=merchant.birthday_bonus_days,
                            ),
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
