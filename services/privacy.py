"""A member's own data, all of it, as a plain dict for a machine-readable download.

Keys are stable English; codes (reasons, statuses, kinds) are left as codes, and the handler
adds their labels in the member's language. Times are ISO 8601 in the merchant's time zone;
amounts are minor units next to their currency, and the same in major units as a string.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import reading
from db.models import (
    Certificate,
    CertificateStatus,
    Customer,
    Membership,
    Merchant,
    Preorder,
    Purchase,
    Refund,
)
from db.repositories import MerchantRepo
from db.repositories.certificate_privacy import CertificatePrivacyRepo
from db.repositories.privacy import PrivacyRepo
from services.clock import Clock, utc_now
from services.errors import NotAMember
from services.policy import currency_exponent

FORMAT = "loyalty-bot/my-data"
VERSION = 1


def when(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def major(amount_minor: int, currency: str) -> str:
    """12.50 for 1250 euro cents: the amount in major units, whatever the reader's locale."""
    exp = currency_exponent(currency)
    return f"{Decimal(amount_minor).scaleb(-exp):.{exp}f}"


def _amount(name: str, amount_minor: int, currency: str) -> dict[str, Any]:
    return {name: major(amount_minor, currency), f"{name}_minor": amount_minor}


class PrivacyService:
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self.session = session
        self.clock = clock
        self.repo = PrivacyRepo(session)

    async def my_data(self, telegram_id: int, merchant_id: int) -> dict[str, Any]:
        """Everything the program holds about the person writing, from one read transaction;
        `merchant_id` (where they are writing) sets the time zone of the file's own times."""
        async with reading(self.session):
            customer = await self.repo.customer(telegram_id)
            memberships = await self.repo.memberships(customer.id) if customer else []
            here = await MerchantRepo(self.session).get(merchant_id)
            if customer is None or not memberships or here is None:
                raise NotAMember()
            tz = ZoneInfo(here.timezone)
            return {
                "format": FORMAT,
                "version": VERSION,
                "generated_at": when(self.clock(), tz),
                "person": _person(customer, tz),
                "memberships": [
                    await self._membership(customer, m, merchant) for m, merchant in memberships
                ],
                "certificates": [
                    _certificate(c, merchant, partner, customer.id)
                    for c, merchant, partner in await CertificatePrivacyRepo(self.session).held(
                        customer.id
                    )
                ],
                "staff": [
                    {
                        "merchant": staff_merchant.name,
                        "name": staff.name,
                        "role": staff.role,
                        "since": when(staff.created_at, ZoneInfo(staff_merchant.timezone)),
                        "revoked_at": when(staff.revoked_at, ZoneInfo(staff_merchant.timezone)),
                    }
                    for staff, staff_merchant in await self.repo.staff_roles(telegram_id)
                ],
            }

    async def _membership(
        self, customer: Customer, m: Membership, merchant: Merchant
    ) -> dict[str, Any]:
        tz, cur = ZoneInfo(merchant.timezone), merchant.currency
        levels = {lv.rank: lv.name for lv in await MerchantRepo(self.session).levels(merchant.id)}
        purchases = await self.repo.purchases(m.id)
        refunds: dict[int, list[Refund]] = {}
        for refund in await self.repo.refunds([p.id for p in purchases]):
            refunds.setdefault(refund.purchase_id, []).append(refund)
        return {
            "merchant": {
                "name": merchant.name,
                "slug": merchant.slug,
                "currency": cur,
                "timezone": merchant.timezone,
            },
            "member_number": m.id,
            "joined_at": when(m.joined_at, tz),
            "source": m.source,
            "referral_code": m.referral_code,
            "invited_by_a_friend": m.referrer_id is not None,
            "level_rank": m.level_rank,
            "level_name": levels.get(m.level_rank),
            "balance_points": m.balance_minor,
            "currency": cur,
            **_amount("lifetime_spend", m.lifetime_spend_minor, cur),
            "purchases_count": m.purchases_count,
            "effective_referrals": m.effective_referrals,
            "consents": {
                "rules_version": m.consent_version,
                "rules_accepted_at": when(m.consented_at, tz),
                "current_rules_version": merchant.rules_version,
                "news_opt_in": m.marketing_opt_in,
                "news_changed_at": when(m.marketing_changed_at, tz),
            },
            "birthday_gift_year": m.birthday_granted_year,
            "nps_asked_at": when(m.nps_asked_at, tz),
            "purchases": [_purchase(p, refunds.get(p.id, []), cur, tz) for p in purchases],
            "nps_answers": [
                {"score": a.score, "comment": a.comment, "answered_at": when(a.created_at, tz)}
                for a in await self.repo.nps_answers(m.id)
            ],
            "ledger": [
                {
                    "entry": e.id,
                    "created_at": when(e.created_at, tz),
                    "points": e.delta_minor,
                    "balance_after": e.balance_after_minor,
                    "reason": e.reason,
                    "note": e.note,
                    "purchase": e.purchase_id,
                }
                for e in await self.repo.ledger(m.id)
            ],
            "orders": [_order(o, cur, tz) for o in await self.repo.orders(m.id)],
            "cart": [
                {"title": title, "qty": qty, "currency": cur, **_amount("price", price, cur)}
                for title, qty, price in await self.repo.cart(m.id)
            ],
            "messages": [
                {
                    "kind": o.kind,
                    "status": o.status,
                    "created_at": when(o.created_at, tz),
                    "sent_at": when(o.sent_at, tz),
                }
                for o in await self.repo.messages(merchant.id, customer.telegram_id)
            ],
        }


def _person(c: Customer, tz: ZoneInfo) -> dict[str, Any]:
    birthday = None
    if c.birthday_day is not None and c.birthday_month is not None:
        birthday = {"day": c.birthday_day, "month": c.birthday_month, "year": c.birthday_year}
    return {
        "telegram_id": c.telegram_id,
        "first_name": c.first_name,
        "language": c.language,
        "telegram_language": c.telegram_language,
        "birthday": birthday,
        "phone": c.phone,
        "reachable": not c.bot_blocked,
        "since": when(c.created_at, tz),
    }


def _certificate(
    c: Certificate, merchant: Merchant, partner: str, customer_id: int
) -> dict[str, Any]:
    """A gift certificate the person holds; the code only while it is open (it is theirs to
    pay with), dates in the accepting business's time zone."""
    tz, cur = ZoneInfo(merchant.timezone), merchant.currency
    return {
        "business": merchant.name,
        "handed_out_by": partner,
        "currency": cur,
        **_amount("value", c.value_minor, cur),
        "item": c.item,
        **_amount("min_check", c.min_check_minor, cur),
        "certificate_status": str(c.status),  # not "status": a pre-order's words would read it
        "code": c.code if c.status == CertificateStatus.OPEN else None,
        "received_as_gift": c.first_customer_id != customer_id,
        "issued_at": when(c.issued_at, tz),
        "expires_at": when(c.expires_at, tz),
        "gifted_at": when(c.gifted_at, tz),
        "redeemed_at": when(c.redeemed_at, tz),
        "closed_at": when(c.closed_at, tz),
    }


def _purchase(p: Purchase, refunds: list[Refund], cur: str, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "purchase": p.id,
        "status": p.status,
        "created_at": when(p.created_at, tz),
        "confirmed_at": when(p.confirmed_at, tz),
        "currency": cur,
        **_amount("amount", p.amount_minor, cur),
        "points_spent": p.points_spent,
        "points_earned": p.cashback_minor,
        **_amount("refunded", p.refunded_minor, cur),
        "receipt_no": p.receipt_no,
        "rating": p.rating,
        "rated_at": when(p.rated_at, tz),
        "comment": p.rating_comment,
        "refunds": [
            {
                "created_at": when(r.created_at, tz),
                "currency": cur,
                **_amount("amount", r.amount_minor, cur),
                "points_returned": r.points_returned,
                "cashback_reversed": r.cashback_reversed,
            }
            for r in refunds
        ],
    }


def _order(o: Preorder, cur: str, tz: ZoneInfo) -> dict[str, Any]:
    try:
        lines = [(str(t), int(q), int(a)) for t, q, a in json.loads(o.lines)]
    except (ValueError, TypeError):
        lines = []  # written by an older version: the total still says what it was
    return {
        "order": o.id,
        "status": o.status,
        "created_at": when(o.created_at, tz),
        "currency": cur,
        **_amount("total", o.total_minor, cur),
        "items": [
            {"title": title, "qty": qty, "currency": cur, **_amount("amount", amount, cur)}
            for title, qty, amount in lines
        ],
    }
