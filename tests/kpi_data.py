"""A small program written out by hand, for the KPI tests: every row is placed at a local
time in the merchant's timezone (Europe/Warsaw), so the expected numbers can be worked out
from this page. Balances follow the ledger as the app keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Campaign,
    Customer,
    LedgerEntry,
    Membership,
    NpsAnswer,
    Outbox,
    Preorder,
    Purchase,
    Staff,
)
from db.repositories import SummaryRepo
from db.repositories.flows import note_flow
from services.dto import MerchantView

WARSAW = ZoneInfo("Europe/Warsaw")


def local(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    """A Warsaw wall-clock time as the UTC instant the database keeps."""
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


@dataclass
class Book:
    session: AsyncSession
    merchant: MerchantView
    ids: dict[str, int] = field(default_factory=dict)  # name -> membership id
    telegram: dict[str, int] = field(default_factory=dict)
    _next: int = 100

    async def member(
        self,
        name: str,
        joined: datetime,
        *,
        source: str | None = None,
        referrer: str | None = None,
        birthday: bool = False,
        phone: bool = False,
        news: bool = False,
        blocked: bool = False,
    ) -> None:
        self._next += 1
        async with self.session.begin():
            customer = Customer(
                telegram_id=self._next,
                first_name=name.title(),
                birthday_day=5 if birthday else None,
                birthday_month=5 if birthday else None,
                phone=f"+4850000{self._next:04d}" if phone else None,
                bot_blocked=blocked,
                created_at=joined,
            )
            self.session.add(customer)
            await self.session.flush()
            membership = Membership(
                customer_id=customer.id,
                merchant_id=self.merchant.id,
                referral_code=f"ref{self._next}",
                referrer_id=self.ids[referrer] if referrer else None,
                source=source,
                consent_version=1,
                consented_at=joined,
                marketing_opt_in=news,
                joined_at=joined,
            )
            self.session.add(membership)
            await self.session.flush()
        self.ids[name] = membership.id
        self.telegram[name] = self._next

    async def points(
        self, name: str, at: datetime, delta: int, reason: str, purchase: int | None = None
    ) -> None:
        async with self.session.begin():
            membership = await self.session.get(Membership, self.ids[name])
            assert membership is not None
            membership.balance_minor += delta
            assert membership.balance_minor >= 0
            self.session.add(
                LedgerEntry(
                    membership_id=membership.id,
                    delta_minor=delta,
                    balance_after_minor=membership.balance_minor,
                    reason=reason,
                    purchase_id=purchase,
                    created_at=at,
                )
            )
            note_flow(self.session, membership.id, at, reason, 1, delta)  # as LedgerRepo.post does

    async def buy(
        self,
        name: str,
        at: datetime,
        amount: int,
        *,
        refunded: int = 0,
        stars: int | None = None,
        comment: str | None = None,
        cashback: bool = True,
    ) -> int:
        """A confirmed purchase with its 5 % cashback (taken back with a full refund)."""
        async with self.session.begin():
            purchase = Purchase(
                merchant_id=self.merchant.id,
                membership_id=self.ids[name],
                staff_telegram_id=7,
                payment_code="123456",
                amount_minor=amount,
                status="confirmed",
                idempotency_key=f"k{name}{at.timestamp()}",
                refunded_minor=refunded,
                rating=stars,
                rating_comment=comment,
                rated_at=at if stars else None,
                created_at=at,
                confirmed_at=at,
            )
            self.session.add(purchase)
            await self.session.flush()
            # The summaries, as a confirmed sale, its refund and its rating keep them.
            summary = SummaryRepo(self.session)
            if refunded < amount:
                await summary.on_purchase(self.merchant.id, self.ids[name], amount - refunded, at)
            if stars:
                await summary.on_rating(self.ids[name], stars, at)
        if cashback:
            await self.points(name, at, amount * 5 // 100, "cashback", purchase.id)
        return purchase.id

    async def nps(self, name: str, at: datetime, score: int) -> None:
        async with self.session.begin():
            self.session.add(
                NpsAnswer(
                    merchant_id=self.merchant.id,
                    membership_id=self.ids[name],
                    survey_key=f"nps:{name}:{at.timestamp()}",
                    score=score,
                    created_at=at,
                )
            )

    async def message(
        self, name: str, kind: str, at: datetime, status: str = "sent", campaign: int | None = None
    ) -> None:
        async with self.session.begin():
            self.session.add(
                Outbox(
                    merchant_id=self.merchant.id,
                    chat_id=self.telegram[name],
                    kind=kind,
                    priority=1,
                    dedupe_key=f"{kind}:{name}:{at.timestamp()}",
                    payload="{}",
                    campaign_id=campaign,
                    status=status,
                    not_before=at,
                    created_at=at,
                    sent_at=at if status == "sent" else None,
                )
            )

    async def campaign(self, at: datetime, recipients: int) -> int:
        async with self.session.begin():
            row = Campaign(
                merchant_id=self.merchant.id,
                created_by=1,
                text="Hot chocolate is back",
                segment="all",
                recipients=recipients,
                send_at=at,
                status="done",
                idempotency_key=f"c{at.timestamp()}",
                created_at=at,
            )
            self.session.add(row)
            await self.session.flush()
            return row.id

    async def preorder(self, name: str, at: datetime) -> None:
        async with self.session.begin():
            self.session.add(
                Preorder(
                    merchant_id=self.merchant.id,
                    membership_id=self.ids[name],
                    code="654321",
                    total_minor=800,
                    lines="[]",
                    status="open",
                    created_at=at,
                )
            )

    async def cashier(self, telegram_id: int, name: str) -> None:
        async with self.session.begin():
            self.session.add(
                Staff(
                    merchant_id=self.merchant.id,
                    telegram_id=telegram_id,
                    name=name,
                    role="staff",
                    invited_by=1,
                    created_at=local(1, 1),
                )
            )


async def write_program(book: Book) -> None:
    """The program every KPI test reads. Today is 22.11.2026 (see NOW in the tests); the
    report period P is 24.10-22.11 and the one before, Q, is 24.09-23.10. Winter time starts
    on 25.10, so P is 30 days and one hour long."""
    await book.cashier(7, "Kasia")
    # Members, in order of joining.
    await book.member("fay", local(3, 1), source="qr", phone=True, news=True)
    await book.member("ann", local(6, 1), source="qr", birthday=True, phone=True, news=True)
    await book.member("ben", local(9, 30), referrer="ann", news=True)
    await book.member("gus", local(10, 1), news=True, blocked=True)
    await book.member("dan", local(10, 23, 23, 30), source="qr")  # Q, half an hour before P
    await book.member("ivy", local(10, 24, 0, 30), source="instagram")  # P's first hour
    await book.member("cat", local(10, 25, 0, 30), source="poster", referrer="ben")
    await book.member("eve", local(11, 5), referrer="ann")
    await book.member("hal", local(11, 22, 9))

    # Purchases (5 % cashback each).
    await book.buy("fay", local(3, 5), 800)
    await book.buy("fay", local(4, 1), 800)
    await book.buy("ann", local(7, 1), 1000)
    await book.buy("ben", local(10, 5), 1500, stars=2, comment="cold coffee")
    await book.points("ann", local(10, 5), 30, "referral")
    await book.buy("ann", local(10, 10), 2000)
    await book.buy("gus", local(10, 20), 500, refunded=200)
    await book.points("gus", local(10, 20, 13), -10, "cashback_reversed")
    await book.buy("dan", local(10, 24, 0, 10), 1000)  # in P, though 23.10 in UTC
    await book.buy("ann", local(11, 1), 3000)
    await book.buy("gus", local(11, 2), 600, stars=1, comment="=rude")
    await book.points("gus", local(11, 2), 100, "manual")
    await book.buy("cat", local(11, 10), 1250, stars=4)
    await book.points("ben", local(11, 10), 25, "referral")
    await book.points("ann", local(11, 10), 12, "referral")
    await book.buy("cat", local(11, 15), 750, refunded=750, stars=1)
    await book.points("cat", local(11, 15, 13), -37, "cashback_reversed")
    await book.buy("ann", local(11, 20), 4000, stars=5)
    await book.points("ann", local(11, 20), -100, "redeem")

    # Points apart from purchases, and messages.
    await book.points("fay", local(10, 30), -30, "expiry")
    await book.points("ann", local(11, 10), 500, "birthday")
    await book.message("ann", "birthday", local(11, 10))
    push = await book.campaign(local(11, 14), recipients=3)
    await book.message("ann", "push", local(11, 14), campaign=push)
    await book.message("ben", "push", local(11, 14), campaign=push)
    await book.message("gus", "push", local(11, 14), status="blocked", campaign=push)
    await book.message("eve", "cart_reminder", local(11, 6, 10))
    await book.preorder("eve", local(11, 7, 9))  # 23 hours later: recovered
    await book.message("ann", "cart_reminder", local(11, 12))
    await book.preorder("ann", local(11, 15))  # three days later: not
    await book.message("gus", "cart_reminder", local(11, 12), status="blocked")

    await book.nps("ben", local(10, 6), 7)
    await book.nps("gus", local(11, 3), 3)
    await book.nps("cat", local(11, 11), 10)
    await book.nps("ann", local(11, 20), 9)
