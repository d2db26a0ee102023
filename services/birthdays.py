"""Birthdays: the lead time before a gift, and the staff's correction of a member's birthday.

A birthday entered (or corrected) fewer than the merchant's `birthday_lead_days` before it gets
no gift that year, so a birthday can't be "set" for today to collect a gift at once.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from db.models import Customer, Membership, Merchant
from db.repositories import (
    AuditRepo,
    MembershipRepo,
    MerchantRepo,
    StaffRepo,
)
from services import policy
from services._tx import in_transaction
from services.base import Service
from services.care.base import membership_by_code
from services.dto import Birthday
from services.errors import CodeInvalid, MemberNotFound, UnknownMerchant
from services.notices import BirthdayCorrection, Notice
from services.outbox import enqueue
from services.staff import require_admin

_CODE_RE = re.compile(r"[0-9]{6}")  # ASCII digits only: no ², no other scripts' digits
_NUMBER_RE = re.compile(r"#([0-9]{1,18})")  # within a BIGINT


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def celebration_day(day: int, month: int, year: int) -> date:
    """The day a birthday is celebrated in `year`: 29 February is the 28th in common years."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_celebration(day: int, month: int, today: date) -> date:
    """Today, if it is the day, else the next one."""
    this_year = celebration_day(day, month, today.year)
    return this_year if this_year >= today else celebration_day(day, month, today.year + 1)


def gift_waits(birthday: Birthday, set_at: datetime, merchant: Merchant) -> bool:
    """Set at `set_at`, the birthday's next gift is skipped: its day is within the lead time."""
    today = local_date(set_at, merchant.timezone)
    days = (next_celebration(birthday.day, birthday.month, today) - today).days
    return days < merchant.birthday_lead_days


def lead_time_passed(set_at: datetime | None, today: date, merchant: Merchant) -> bool:
    """On the birthday (`today`, local): it was set at least the lead time before.

    Birthdays set before the lead time existed have no `set_at` and pass."""
    if set_at is None:
        return True
    return (today - local_date(set_at, merchant.timezone)).days >= merchant.birthday_lead_days


@dataclass(frozen=True, slots=True)
class BirthdayCorrected:
    membership_id: int
    birthday: Birthday
    changed: bool  # False: it already was this date, nothing was written
    gift_next_year: bool  # within the lead time: no gift this year


class BirthdayService(Service):
    async def correct(
        self, merchant_id: int, actor: int, member: str, text: str
    ) -> BirthdayCorrected:
        """An admin or owner corrects a member's birthday, named by their current payment code
        or #member number; the lead time starts again and the member is told."""

        missed: list[CodeInvalid] = []

        async def work() -> BirthdayCorrected | None:
            missed.clear()
            await require_admin(StaffRepo(self.session), merchant_id, actor, self.owner_ids)
            merchant = await MerchantRepo(self.session).get(merchant_id)
            if merchant is None:
                raise UnknownMerchant(str(merchant_id))
            now = self.clock()
            if not (_CODE_RE.fullmatch(member.strip()) or _NUMBER_RE.fullmatch(member.strip())):
                raise MemberNotFound("format")
            # The date before the look-up: a bad date must not tell a live code from a wrong one.
            birthday = policy.parse_birthday(text, local_date(now, merchant.timezone))
            found = await self._find(merchant, actor, member.strip(), now)
            if isinstance(found, CodeInvalid):
                missed.append(found)  # audited: it counts toward the pause and the lock
                return None
            membership = found
            customer = await self.session.get(Customer, membership.customer_id)
            assert customer is not None
            if (
                actor not in self.owner_ids
                and await MembershipRepo(self.session).count_for_customer(customer.id) > 1
            ):
                # The birthday is the person's, shared by every program here: only an owner,
                # who holds them all, changes it for all of them.
                raise MemberNotFound("shared")
            current = (customer.birthday_day, customer.birthday_month, customer.birthday_year)
            if current == (birthday.day, birthday.month, birthday.year):
                # The same date again (or the same command twice) must not restart the lead time.
                return BirthdayCorrected(membership.id, birthday, False, False)
            customer.birthday_day, customer.birthday_month = birthday.day, birthday.month
            customer.birthday_year = birthday.year
            customer.birthday_set_at = now
            waits = gift_waits(birthday, now, merchant)
            # No birthday in the audit row: it is personal data, and the row outlives erasure.
            AuditRepo(self.session).add(
                merchant_id, actor, "birthday_correct", now, target=str(membership.id)
            )
            notice = Notice(
                customer.telegram_id,
                customer.language,
                BirthdayCorrection(
                    merchant=merchant.name,
                    day=birthday.day,
                    month=birthday.month,
                    year=birthday.year,
                    gift_next_year=waits,
                ),
            )
            await enqueue(
                self.session,
                merchant_id,
                [notice],
                now,
                f"birthday_correct:{membership.id}:{now:%Y%m%d%H%M%S%f}",
                merchant.default_language,
            )
            return BirthdayCorrected(membership.id, birthday, True, waits)

        done = await in_transaction(self.session, work)
        if missed:
            raise missed[0]
        assert done is not None
        return done

    async def _find(
        self, merchant: Merchant, actor: int, member: str, now: datetime
    ) -> Membership | CodeInvalid:
        """The member by their current payment code (a look-up at the till like any other:
        paused people and a locked merchant are refused, wrong codes count) or #number."""
        membership = None
        if _CODE_RE.fullmatch(member):
            found = await membership_by_code(
                self.session, self.owner_ids, merchant.id, actor, member, now
            )
            if isinstance(found, CodeInvalid):
                return found
            membership = await MembershipRepo(self.session).get(found)
        elif match := _NUMBER_RE.fullmatch(member):
            membership = await MembershipRepo(self.session).get(int(match.group(1)))
        else:
            raise MemberNotFound("format")
        if membership is None or membership.merchant_id != merchant.id or membership.deleted_at:
            raise MemberNotFound("not_found")
        return membership
