"""Queries. Repositories flush when they must read back ids, and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UtcDateTime
from db.models import (
    AuditLog,
    Campaign,
    Cart,
    CartLine,
    CatalogItem,
    Customer,
    Lease,
    LedgerEntry,
    Level,
    Membership,
    Merchant,
    Outbox,
    OutboxStatus,
    PaymentCode,
    Preorder,
    PreorderStatus,
    Purchase,
    PurchaseStatus,
    Refund,
    Staff,
    StaffInvite,
    StaffLanguage,
    StaffRole,
)


class MerchantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, merchant_id: int) -> Merchant | None:
        return await self.s.get(Merchant, merchant_id)

    async def by_slug(self, slug: str) -> Merchant | None:
        return await self.s.scalar(select(Merchant).where(Merchant.slug == slug))

    async def first(self) -> Merchant | None:
        return await self.s.scalar(select(Merchant).order_by(Merchant.id).limit(1))

    async def count(self) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(Merchant)) or 0)

    def add(self, merchant: Merchant) -> None:
        self.s.add(merchant)

    async def levels(self, merchant_id: int) -> Sequence[Level]:
        rows = await self.s.scalars(
            select(Level).where(Level.merchant_id == merchant_id).order_by(Level.rank)
        )
        return rows.all()

    async def replace_levels(self, merchant_id: int, levels: Sequence[Level]) -> None:
        await self.s.execute(delete(Level).where(Level.merchant_id == merchant_id))
        self.s.add_all(levels)


class CustomerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def by_telegram_id(self, telegram_id: int) -> Customer | None:
        return await self.s.scalar(select(Customer).where(Customer.telegram_id == telegram_id))

    async def reach(
        self, telegram_ids: list[int]
    ) -> dict[int, tuple[bool, str | None, str | None]]:
        """telegram id -> (blocked the bot, chosen language, Telegram's language); owners and
        staff who are not customers with the language they write to the bot in."""
        if not telegram_ids:
            return {}
        rows = await self.s.execute(
            select(
                Customer.telegram_id,
                Customer.bot_blocked,
                Customer.language,
                Customer.telegram_language,
            ).where(Customer.telegram_id.in_(set(telegram_ids)))
        )
        found = {tg: (blocked, chosen, telegram) for tg, blocked, chosen, telegram in rows.all()}
        missing = set(telegram_ids) - found.keys()
        if missing:
            staff = await self.s.execute(
                select(StaffLanguage.telegram_id, StaffLanguage.language).where(
                    StaffLanguage.telegram_id.in_(missing)
                )
            )
            found.update({tg: (False, None, language) for tg, language in staff.all()})
        return found

    async def remember_staff_language(
        self, telegram_id: int, language: str, now: datetime
    ) -> None:
        row = await self.s.get(StaffLanguage, telegram_id)
        if row is None:
            self.s.add(StaffLanguage(telegram_id=telegram_id, language=language, updated_at=now))
        elif row.language != language:
            row.language, row.updated_at = language, now

    def add(self, customer: Customer) -> None:
        self.s.add(customer)


class MembershipRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, membership_id: int) -> Membership | None:
        return await self.s.get(Membership, membership_id)

    async def lock_many(self, ids: Sequence[int]) -> dict[int, Membership]:
        """`lock` for several members at once, in id order."""
        await self.s.flush()
        rows = await self.s.scalars(
            select(Membership)
            .where(Membership.id.in_(ids))
            .order_by(Membership.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {m.id: m for m in rows}

    async def lock(self, membership_id: int) -> Membership | None:
        """Read a membership for update (PostgreSQL row lock; SQLite holds the write lock).

        `populate_existing` refreshes an already-loaded object with the locked row, so counters
        incremented in Python start from the committed value; pending changes are flushed
        first, or the refresh would silently undo them.
        """
        await self.s.flush()
        return await self.s.scalar(
            select(Membership)
            .where(Membership.id == membership_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def find(self, customer_id: int, merchant_id: int) -> Membership | None:
        return await self.s.scalar(
            select(Membership).where(
                Membership.customer_id == customer_id, Membership.merchant_id == merchant_id
            )
        )

    async def for_telegram_user(
        self, telegram_id: int, merchant_id: int
    ) -> tuple[Customer, Membership] | None:
        row = (
            await self.s.execute(
                select(Customer, Membership)
                .join(Membership, Membership.customer_id == Customer.id)
                .where(Customer.telegram_id == telegram_id, Membership.merchant_id == merchant_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def by_referral_code(self, code: str) -> Membership | None:
        return await self.s.scalar(select(Membership).where(Membership.referral_code == code))

    async def referral_code_taken(self, code: str) -> bool:
        found = await self.s.scalar(
            select(Membership.id).where(Membership.referral_code == code).limit(1)
        )
        return found is not None

    async def ancestors(self, membership_id: int, depth: int) -> list[int]:
        """Referrer ids up the chain, nearest first, at most `depth` of them."""
        chain: list[int] = []
        current: int | None = membership_id
        while current is not None and len(chain) < depth:
            current = await self.s.scalar(
                select(Membership.referrer_id).where(Membership.id == current)
            )
            if current is not None:
                if current in chain or current == membership_id:
                    break  # a corrupt cycle must not loop forever
                chain.append(current)
        return chain

    async def count_for_customer(self, customer_id: int) -> int:
        found = await self.s.scalar(
            select(func.count()).where(Membership.customer_id == customer_id)
        )
        return int(found or 0)

    def add(self, membership: Membership) -> None:
        self.s.add(membership)


class PaymentCodeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def drop_for_membership(self, membership_id: int) -> None:
        await self.s.execute(delete(PaymentCode).where(PaymentCode.membership_id == membership_id))

    async def drop_till_code(self, membership_id: int) -> None:
        """The member's till code only: their open pre-orders keep theirs."""
        await self.s.execute(
            delete(PaymentCode).where(
                PaymentCode.membership_id == membership_id, PaymentCode.preorder_id.is_(None)
            )
        )

    async def code_in_use(self, merchant_id: int, code: str, now: datetime) -> bool:
        """Whether an active code (unused, unexpired) of the merchant has this value."""
        found = await self.s.scalar(
            select(PaymentCode.id).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                PaymentCode.used_at.is_(None),
                PaymentCode.expires_at > now,
            )
        )
        return found is not None

    async def purge_stale(self, merchant_id: int, code: str, now: datetime) -> None:
        """Free a code value held only by a used or expired row."""
        await self.s.execute(
            delete(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                or_(PaymentCode.used_at.is_not(None), PaymentCode.expires_at <= now),
            )
        )

    def add(self, code: PaymentCode) -> None:
        self.s.add(code)

    async def find_active(self, merchant_id: int, code: str, now: datetime) -> PaymentCode | None:
        return await self.s.scalar(
            select(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id,
                PaymentCode.code == code,
                PaymentCode.used_at.is_(None),
                PaymentCode.expires_at > now,
            )
        )

    async def find_any(self, merchant_id: int, code: str) -> PaymentCode | None:
        return await self.s.scalar(
            select(PaymentCode).where(
                PaymentCode.merchant_id == merchant_id, PaymentCode.code == code
            )
        )

    async def use(self, membership_id: int, code: str, now: datetime) -> bool:
        """Mark the code used, once: False when it was used, replaced or expired meanwhile."""
        result = await self.s.execute(
            update(PaymentCode)
            .where(
                PaymentCode.membership_id == membership_id,
                PaymentCode.code == code,
                PaymentCode.used_at.is_(None),
                PaymentCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class LedgerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def post(
        self,
        membership: Membership,
        delta_minor: int,
        reason: str,
        now: datetime,
        note: str | None = None,
        purchase_id: int | None = None,
    ) -> LedgerEntry:
        """Append an entry and move the cached balance with it, atomically in SQL.

        The conditional UPDATE keeps the balance from going below zero even when two
        transactions race; the caller gets ValueError and nothing is written.
        """
        result = await self.s.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.balance_minor + delta_minor >= 0)
            .values(balance_minor=Membership.balance_minor + delta_minor)
            .returning(Membership.balance_minor)
        )
        balance_after = result.scalar_one_or_none()
        if balance_after is None:
            raise ValueError("balance would go below zero")
        membership.balance_minor = balance_after
        entry = LedgerEntry(
            membership_id=membership.id,
            delta_minor=delta_minor,
            balance_after_minor=balance_after,
            reason=reason,
            note=note,
            purchase_id=purchase_id,
            created_at=now,
        )
        self.s.add(entry)
        return entry

    async def redeemed_since(self, membership_id: int, since: datetime) -> int:
        """Points spent on purchases since `since`."""
        return int(
            await self.s.scalar(
                select(func.coalesce(func.sum(-LedgerEntry.delta_minor), 0)).where(
                    LedgerEntry.membership_id == membership_id,
                    LedgerEntry.reason == "redeem",
                    LedgerEntry.created_at >= since,
                )
            )
            or 0
        )

    async def by_purchase(self, purchase_id: int) -> Sequence[LedgerEntry]:
        rows = await self.s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.purchase_id == purchase_id)
            .order_by(LedgerEntry.id)
        )
        return rows.all()

    async def page(self, membership_id: int, offset: int, limit: int) -> Sequence[LedgerEntry]:
        rows = await self.s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.membership_id == membership_id)
            .order_by(LedgerEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return rows.all()

    async def count(self, membership_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count()).where(LedgerEntry.membership_id == membership_id)
            )
            or 0
        )

    async def total(self, membership_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.coalesce(func.sum(LedgerEntry.delta_minor), 0)).where(
                    LedgerEntry.membership_id == membership_id
                )
            )
            or 0
        )


class StaffRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def active(self, merchant_id: int, telegram_id: int) -> Staff | None:
        return await self.s.scalar(
            select(Staff).where(
                Staff.merchant_id == merchant_id,
                Staff.telegram_id == telegram_id,
                Staff.revoked_at.is_(None),
            )
        )

    async def any(self, merchant_id: int, telegram_id: int) -> Staff | None:
        return await self.s.scalar(
            select(Staff).where(Staff.merchant_id == merchant_id, Staff.telegram_id == telegram_id)
        )

    async def get(self, staff_id: int) -> Staff | None:
        return await self.s.get(Staff, staff_id)

    async def first_merchant(self, telegram_id: int) -> int | None:
        return await self.s.scalar(
            select(Staff.merchant_id)
            .where(Staff.telegram_id == telegram_id, Staff.revoked_at.is_(None))
            .order_by(Staff.id)
            .limit(1)
        )

    async def list_active(self, merchant_id: int) -> Sequence[Staff]:
        rows = await self.s.scalars(
            select(Staff)
            .where(Staff.merchant_id == merchant_id, Staff.revoked_at.is_(None))
            .order_by(Staff.role, Staff.name)
        )
        return rows.all()

    async def admin_ids(self, merchant_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(Staff.telegram_id).where(
                Staff.merchant_id == merchant_id,
                Staff.role == StaffRole.ADMIN,
                Staff.revoked_at.is_(None),
            )
        )
        return list(rows)

    async def use_invite(self, invite_id: int, telegram_id: int, now: datetime) -> bool:
        result = await self.s.execute(
            update(StaffInvite)
            .where(StaffInvite.id == invite_id, StaffInvite.used_at.is_(None))
            .values(used_at=now, used_by=telegram_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def invite(self, token: str) -> StaffInvite | None:
        return await self.s.scalar(select(StaffInvite).where(StaffInvite.token == token))

    def add(self, row: Staff | StaffInvite) -> None:
        self.s.add(row)


class AuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def add(
        self,
        merchant_id: int,
        actor: int,
        action: str,
        now: datetime,
        target: str | None = None,
        details: str | None = None,
    ) -> None:
        self.s.add(
            AuditLog(
                merchant_id=merchant_id,
                actor_telegram_id=actor,
                action=action,
                target=target,
                details=details,
                created_at=now,
            )
        )


class PurchaseRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def add(self, row: Purchase | Refund) -> None:
        self.s.add(row)

    async def get(self, purchase_id: int) -> Purchase | None:
        return await self.s.get(Purchase, purchase_id)

    async def lock(self, purchase_id: int) -> Purchase | None:
        await self.s.flush()  # see MembershipRepo.lock
        return await self.s.scalar(
            select(Purchase)
            .where(Purchase.id == purchase_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def by_key(self, key: str) -> Purchase | None:
        return await self.s.scalar(select(Purchase).where(Purchase.idempotency_key == key))

    async def rekey_draft(
        self, merchant_id: int, key: str, new_key: str, **values: object
    ) -> bool:
        """An open draft with other numbers under a new key, so the old key (an outdated
        preview's buttons) no longer finds it; False when it is no longer an open draft."""
        result = await self.s.execute(
            update(Purchase)
            .where(
                Purchase.idempotency_key == key,
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.DRAFT,
            )
            .values(idempotency_key=new_key, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def transition(self, purchase_id: int, old: str, new: str, now: datetime) -> bool:
        """Move a purchase from one status to the next, once; False if someone else did."""
        values: dict[str, object] = {"status": new}
        if new == PurchaseStatus.CONFIRMED:
            values["confirmed_at"] = now
        result = await self.s.execute(
            update(Purchase)
            .where(Purchase.id == purchase_id, Purchase.status == old)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def oldest_open(self, membership_id: int, exclude: int) -> Purchase | None:
        """The member's oldest confirmed purchase not refunded in full, other than `exclude`."""
        return await self.s.scalar(
            select(Purchase)
            .where(
                Purchase.membership_id == membership_id,
                Purchase.id != exclude,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.refunded_minor < Purchase.amount_minor,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
            .limit(1)
        )

    async def confirmed_of(self, membership_id: int) -> Sequence[Purchase]:
        """A member's confirmed purchases in the order they were confirmed."""
        await self.s.flush()
        rows = await self.s.scalars(
            select(Purchase)
            .where(
                Purchase.membership_id == membership_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
        )
        return rows.all()

    async def money_refunded(self, membership_id: int, point_value: int = 1) -> dict[int, int]:
        """Per purchase of a member, the money part of its refunds (what left lifetime spend);
        `point_value`: the merchant's, what each returned point covered."""
        await self.s.flush()
        money = Refund.amount_minor - Refund.points_returned * point_value
        rows = await self.s.execute(
            select(Refund.purchase_id, func.sum(money))
            .join(Purchase, Purchase.id == Refund.purchase_id)
            .where(Purchase.membership_id == membership_id)
            .group_by(Refund.purchase_id)
        )
        return {purchase_id: int(total) for purchase_id, total in rows}

    async def referrals_effective(self, referrer_id: int) -> list[tuple[datetime, int]]:
        """When each of a referrer's effective referrals became effective: (confirmed_at, id)
        of the friends' purchases that made them so, in order."""
        await self.s.flush()
        rows = await self.s.execute(
            select(Purchase.confirmed_at, Purchase.id)
            .join(Membership, Membership.id == Purchase.membership_id)
            .where(
                Membership.referrer_id == referrer_id,
                Purchase.made_referral_effective.is_(True),
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
            .order_by(Purchase.confirmed_at, Purchase.id)
        )
        return [(at, pid) for at, pid in rows if at is not None]

    async def ids_of(self, membership_id: int) -> list[int]:
        rows = await self.s.scalars(
            select(Purchase.id).where(Purchase.membership_id == membership_id)
        )
        return list(rows)

    async def receipt_taken(self, merchant_id: int, receipt_no: str) -> bool:
        found = await self.s.scalar(
            select(Purchase.id).where(
                Purchase.merchant_id == merchant_id,
                Purchase.receipt_no == receipt_no,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
        )
        return found is not None

    async def confirmed_between(
        self, merchant_id: int, start: datetime, end: datetime, staff_telegram_id: int | None
    ) -> Sequence[Purchase]:
        query = (
            select(Purchase)
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.confirmed_at >= start,
                Purchase.confirmed_at < end,
            )
            .order_by(Purchase.confirmed_at)
        )
        if staff_telegram_id is not None:
            query = query.where(Purchase.staff_telegram_id == staff_telegram_id)
        return (await self.s.scalars(query)).all()

    async def rate(self, purchase_id: int, membership_id: int, stars: int, now: datetime) -> bool:
        """Store a rating once; False if already rated (or not this member's purchase)."""
        result = await self.s.execute(
            update(Purchase)
            .where(
                Purchase.id == purchase_id,
                Purchase.membership_id == membership_id,
                Purchase.status == PurchaseStatus.CONFIRMED,
                Purchase.rating.is_(None),
            )
            .values(rating=stars, rated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        rows = await self.s.scalars(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(keys)))
        return set(rows)

    def add(self, row: Outbox) -> None:
        self.s.add(row)

    async def due(self, now: datetime, limit: int) -> Sequence[Outbox]:
        """Pending rows whose time has come: transactional before promotional, oldest first."""
        rows = await self.s.scalars(
            select(Outbox)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= now)
            .order_by(Outbox.priority, Outbox.not_before, Outbox.id)
            .limit(limit)
        )
        return rows.all()

    async def claim(self, row_id: int) -> bool:
        """pending -> sending, once: a second sender that raced for the row gets False."""
        result = await self.s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, attempts=Outbox.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish(
        self, row_id: int, status: str, now: datetime, error: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": status, "last_error": error}
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        await self.s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def retry(self, row_id: int, not_before: datetime, error: str) -> None:
        await self.s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, not_before=not_before, last_error=error)
            .execution_options(synchronize_session=False)
        )

    async def block_chat(self, chat_id: int) -> int:
        """The recipient blocked the bot: their waiting messages will not be sent."""
        result = await self.s.execute(
            update(Outbox)
            .where(Outbox.chat_id == chat_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.BLOCKED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_waiting(self, merchant_id: int, chat_id: int) -> int:
        """A member left the program: what was queued for them there is not sent."""
        result = await self.s.execute(
            update(Outbox)
            .where(
                Outbox.merchant_id == merchant_id,
                Outbox.chat_id == chat_id,
                Outbox.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def anonymize(self, merchant_id: int, chat_id: int, anonymous_chat_id: int) -> None:
        """A member left: the merchant's messages to them keep their status and time (the
        reports count them) but no content, and no longer carry their Telegram id."""
        # Keys of `enqueue` end with the chat id: that end is replaced, so keys stay unique.
        # Keys of the caller's (cart reminders, expiry) name the membership: they stay as
        # they are (cut short, two reminders' keys were one and the erasure failed).
        kept = func.length(Outbox.dedupe_key) - len(str(chat_id))
        renamed = func.substr(Outbox.dedupe_key, 1, kept) + str(anonymous_chat_id)
        await self.s.execute(
            update(Outbox)
            .where(Outbox.merchant_id == merchant_id, Outbox.chat_id == chat_id)
            .values(
                chat_id=anonymous_chat_id,
                dedupe_key=case(
                    (Outbox.dedupe_key.like(f"%:{chat_id}"), renamed), else_=Outbox.dedupe_key
                ),
                payload="{}",
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def forget_purchases(self, merchant_id: int, purchase_ids: Sequence[int]) -> None:
        """Messages to others about these purchases (notes to referrers, alerts to admins)
        named the buyer: their content goes, and those not yet sent are not sent."""
        stages = ("sale", "rating", "comment", "refund")
        for chunk in range(0, len(purchase_ids), 100):
            about = or_(
                *[
                    Outbox.dedupe_key.like(f"{stage}:{pid}:%")
                    for pid in purchase_ids[chunk : chunk + 100]
                    for stage in stages
                ]
            )
            await self.s.execute(
                update(Outbox)
                .where(
                    Outbox.merchant_id == merchant_id,
                    Outbox.status == OutboxStatus.PENDING,
                    about,
                )
                .values(status=OutboxStatus.CANCELLED)
                .execution_options(synchronize_session=False)
            )
            await self.s.execute(
                update(Outbox)
                .where(
                    Outbox.merchant_id == merchant_id,
                    Outbox.status != OutboxStatus.SENDING,
                    about,
                )
                .values(payload="{}")
                .execution_options(synchronize_session=False)
            )

    async def forget_keys(self, merchant_id: int, keys: Sequence[str]) -> None:
        """Messages to others that named a person who left (by their dedupe keys): those
        not yet sent are not sent, and none keeps its content."""
        if not keys:
            return
        about = (Outbox.merchant_id == merchant_id, Outbox.dedupe_key.in_(list(keys)))
        await self.s.execute(
            update(Outbox)
            .where(*about, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        await self.s.execute(
            update(Outbox)
            .where(*about, Outbox.status != OutboxStatus.SENDING)
            .values(payload="{}")
            .execution_options(synchronize_session=False)
        )

    async def recover(self) -> int:
        """After a crash: rows left `sending` go back to pending (see bot/delivery.py)."""
        result = await self.s.execute(
            update(Outbox)
            .where(Outbox.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_by_status(self, campaign_id: int | None = None) -> dict[str, int]:
        query = select(Outbox.status, func.count()).group_by(Outbox.status)
        if campaign_id is not None:
            query = query.where(Outbox.campaign_id == campaign_id)
        return {status: int(n) for status, n in (await self.s.execute(query)).all()}


class CampaignRepo:
    """Promo audiences as SQL, and their outbox rows written by one INSERT ... SELECT."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def audience(
        self,
        merchant_id: int,
        kind: str,
        value: str | None,
        now: datetime,
        month: int,
        default_language: str,
    ) -> Select[int, str]:
        """(telegram id, language) of members who opted in and can be reached."""
        language = func.coalesce(Customer.language, Customer.telegram_language, default_language)
        query = (
            select(Customer.telegram_id, language)
            .join(Membership, Membership.customer_id == Customer.id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.marketing_opt_in.is_(True),
                Customer.bot_blocked.is_(False),
            )
        )
        if kind == "level" and value is not None:
            query = query.where(Membership.level_rank == int(value))
        elif kind == "inactive" and value is not None:
            recent = (
                select(Purchase.id)
                .where(
                    Purchase.membership_id == Membership.id,
                    Purchase.status == PurchaseStatus.CONFIRMED,
                    Purchase.confirmed_at >= now - timedelta(days=int(value)),
                )
                .exists()
            )
            query = query.where(~recent)
        elif kind == "joined" and value is not None:
            query = query.where(Membership.joined_at >= now - timedelta(days=int(value)))
        elif kind == "birthday":
            query = query.where(Customer.birthday_month == month)
        elif kind == "lang" and value is not None:
            query = query.where(language == value)
        return query

    async def count(self, audience: Select[int, str]) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(audience.subquery())) or 0)

    async def audience_counts(
        self,
        merchant_id: int,
        now: datetime,
        month: int,
        default_language: str,
        days: Sequence[int],
    ) -> list[tuple[int, str, list[int]]]:
        """The opted-in, reachable members counted for every segment choice in one query, one
        row per (level rank, language): rank, language, and the counts [members, birthday this
        month, then per entry of `days` the members joined within it and those inactive for
        it] (the same rules as audience())."""
        language = func.coalesce(Customer.language, Customer.telegram_language, default_language)
        last_purchase = (
            select(func.max(Purchase.confirmed_at))
            .where(
                Purchase.membership_id == Membership.id,
                Purchase.status == PurchaseStatus.CONFIRMED,
            )
            .scalar_subquery()
        )
        members = (
            select(
                Membership.level_rank.label("rank"),
                language.label("lang"),
                Customer.birthday_month.label("birthday_month"),
                Membership.joined_at.label("joined_at"),
                last_purchase.label("last_purchase"),
            )
            .join(Membership, Membership.customer_id == Customer.id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.marketing_opt_in.is_(True),
                Customer.bot_blocked.is_(False),
            )
            .subquery()
        )
        c = members.c
        conditions = [c.birthday_month == month]
        for n in days:
            since = now - timedelta(days=n)
            conditions.append(c.joined_at >= since)
            conditions.append(or_(c.last_purchase.is_(None), c.last_purchase < since))
        tallies = [func.sum(case((condition, 1), else_=0)) for condition in conditions]
        rows = await self.s.execute(
            select(c.rank, c.lang, func.count(), *tallies).group_by(c.rank, c.lang)
        )
        return [(int(r[0]), str(r[1]), [int(v or 0) for v in r[2:]]) for r in rows.all()]

    async def queue(self, campaign: Campaign, audience: Select[int, str], now: datetime) -> int:
        """One pending outbox row per recipient, in one statement (100,000 rows stay cheap)."""
        rows = audience.subquery()
        chat = rows.c[0]
        source = select(
            literal(campaign.merchant_id),
            chat,
            literal("push"),
            literal(1),
            literal(f"push:{campaign.id}:") + cast(chat, String),
            literal("{}"),
            rows.c[1],
            literal(campaign.id),
            literal(OutboxStatus.PENDING.value),
            literal(0),
            literal(campaign.send_at, UtcDateTime()),
            literal(now, UtcDateTime()),
        )
        result = await self.s.execute(
            insert(Outbox).from_select(
                [
                    "merchant_id",
                    "chat_id",
                    "kind",
                    "priority",
                    "dedupe_key",
                    "payload",
                    "language",
                    "campaign_id",
                    "status",
                    "attempts",
                    "not_before",
                    "created_at",
                ],
                source,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def get(self, campaign_id: int) -> Campaign | None:
        return await self.s.get(Campaign, campaign_id)

    async def by_key(self, key: str) -> Campaign | None:
        return await self.s.scalar(select(Campaign).where(Campaign.idempotency_key == key))

    async def latest(self, merchant_id: int, limit: int = 5) -> Sequence[Campaign]:
        rows = await self.s.scalars(
            select(Campaign)
            .where(Campaign.merchant_id == merchant_id)
            .order_by(Campaign.id.desc())
            .limit(limit)
        )
        return rows.all()

    async def cancel_pending(self, campaign_id: int) -> int:
        result = await self.s.execute(
            update(Outbox)
            .where(Outbox.campaign_id == campaign_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def finish(self, campaign_id: int, old: str, new: str, now: datetime) -> bool:
        result = await self.s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == old)
            .values(status=new, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class JobRepo:
    """Who is due for a scheduled message; the lease that keeps the scheduler single."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def merchants(self) -> Sequence[Merchant]:
        return (await self.s.scalars(select(Merchant).order_by(Merchant.id))).all()

    async def birthdays(
        self, merchant_id: int, day: int, month: int, year: int, with_feb29: bool
    ) -> Sequence[tuple[Membership, Customer]]:
        """Opted-in, reachable members whose birthday is today and who got no gift this year."""
        same_day = (Customer.birthday_month == month) & (Customer.birthday_day == day)
        if with_feb29:  # 28 February also celebrates those born on the 29th, in common years
            same_day = same_day | ((Customer.birthday_month == 2) & (Customer.birthday_day == 29))
        rows = await self.s.execute(
            select(Membership, Customer)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.marketing_opt_in.is_(True),
                Customer.bot_blocked.is_(False),
                same_day,
                or_(
                    Membership.birthday_granted_year.is_(None),
                    Membership.birthday_granted_year != year,
                ),
            )
            .with_for_update(of=Membership)
        )
        return [(m, c) for m, c in rows.all()]

    async def birthday_bonuses_due(
        self, merchant_id: int, granted_before: datetime
    ) -> Sequence[Membership]:
        rows = await self.s.scalars(
            select(Membership)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.birthday_bonus_left > 0,
                Membership.birthday_granted_at <= granted_before,
            )
            .with_for_update()
        )
        return rows.all()

    async def nps_due(
        self, merchant_id: int, min_purchases: int, asked_before: datetime, limit: int
    ) -> Sequence[tuple[Membership, Customer]]:
        rows = await self.s.execute(
            select(Membership, Customer)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Membership.merchant_id == merchant_id,
                Membership.purchases_count >= min_purchases,
                Customer.bot_blocked.is_(False),
                or_(Membership.nps_asked_at.is_(None), Membership.nps_asked_at < asked_before),
            )
            .order_by(Membership.id)
            .limit(limit)
            .with_for_update(of=Membership)
        )
        return [(m, c) for m, c in rows.all()]

    async def take_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Hold `name` until now + ttl if it is free, expired, or already ours."""
        result = await self.s.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return True
        if await self.s.get(Lease, name) is not None:
            return False
        self.s.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        await self.s.flush()
        return True

    async def point_flows(
        self, merchant_id: int, cutoffs: Sequence[datetime]
    ) -> Sequence[tuple[int, int, int, int, list[int]]]:
        """Per member with points: (membership id, telegram id, debits, expired, credits made
        at or before each cutoff). Debits exclude expiry, which is counted apart."""
        debit = case(
            (
                and_(LedgerEntry.delta_minor < 0, LedgerEntry.reason != "expiry"),
                -LedgerEntry.delta_minor,
            ),
            else_=0,
        )
        expired = case((LedgerEntry.reason == "expiry", -LedgerEntry.delta_minor), else_=0)
        credited = [
            func.sum(
                case(
                    (
                        and_(LedgerEntry.delta_minor > 0, LedgerEntry.created_at <= cutoff),
                        LedgerEntry.delta_minor,
                    ),
                    else_=0,
                )
            )
            for cutoff in cutoffs
        ]
        rows = await self.s.execute(
            select(
                Membership.id,
                Customer.telegram_id,
                func.sum(debit),
                func.sum(expired),
                *credited,
            )
            .join(LedgerEntry, LedgerEntry.membership_id == Membership.id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(Membership.merchant_id == merchant_id, Membership.balance_minor > 0)
            .group_by(Membership.id, Customer.telegram_id)
        )
        return [
            (int(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), [int(x or 0) for x in r[4:]])
            for r in rows.all()
        ]


class CatalogRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def categories(self, merchant_id: int) -> list[str]:
        rows = await self.s.scalars(
            select(CatalogItem.category)
            .where(CatalogItem.merchant_id == merchant_id, CatalogItem.archived.is_(False))
            .distinct()
            .order_by(CatalogItem.category)
        )
        return list(rows)

    async def items(self, merchant_id: int, category: str | None = None) -> Sequence[CatalogItem]:
        query = select(CatalogItem).where(
            CatalogItem.merchant_id == merchant_id, CatalogItem.archived.is_(False)
        )
        if category is not None:
            query = query.where(CatalogItem.category == category)
        return (await self.s.scalars(query.order_by(CatalogItem.title))).all()

    async def item(self, merchant_id: int, item_id: int) -> CatalogItem | None:
        item = await self.s.get(CatalogItem, item_id)
        return item if item is not None and item.merchant_id == merchant_id else None

    def add(self, row: CatalogItem | Cart | CartLine | Preorder) -> None:
        self.s.add(row)

    async def cart(self, membership_id: int) -> Cart | None:
        return await self.s.get(Cart, membership_id)

    async def lines_of(
        self, membership_ids: Sequence[int]
    ) -> dict[int, list[tuple[CartLine, CatalogItem]]]:
        """`lines` for several carts in one query."""
        rows = await self.s.execute(
            select(CartLine, CatalogItem)
            .join(CatalogItem, CatalogItem.id == CartLine.item_id)
            .where(CartLine.membership_id.in_(membership_ids))
            .order_by(CatalogItem.title)
        )
        found: dict[int, list[tuple[CartLine, CatalogItem]]] = {}
        for line, item in rows.all():
            found.setdefault(line.membership_id, []).append((line, item))
        return found

    async def lines(self, membership_id: int) -> Sequence[tuple[CartLine, CatalogItem]]:
        rows = await self.s.execute(
            select(CartLine, CatalogItem)
            .join(CatalogItem, CatalogItem.id == CartLine.item_id)
            .where(CartLine.membership_id == membership_id)
            .order_by(CatalogItem.title)
        )
        return [(line, item) for line, item in rows.all()]

    async def line(self, membership_id: int, item_id: int) -> CartLine | None:
        return await self.s.scalar(
            select(CartLine).where(
                CartLine.membership_id == membership_id, CartLine.item_id == item_id
            )
        )

    async def clear(self, membership_id: int) -> None:
        await self.s.execute(delete(CartLine).where(CartLine.membership_id == membership_id))

    async def open_order(self, membership_id: int, code: str) -> Preorder | None:
        return await self.s.scalar(
            select(Preorder).where(
                Preorder.membership_id == membership_id,
                Preorder.code == code,
                Preorder.status.in_((PreorderStatus.OPEN, PreorderStatus.READY)),
            )
        )

    async def abandoned(
        self, changed_before: datetime, reminders: int
    ) -> Sequence[tuple[Cart, Membership, Customer]]:
        """Carts with something in them, unchanged since `changed_before`, reminded
        `reminders` times so far, of opted-in and reachable members."""
        has_lines = (
            select(CartLine.id).where(CartLine.membership_id == Cart.membership_id).exists()
        )
        rows = await self.s.execute(
            select(Cart, Membership, Customer)
            .join(Membership, Membership.id == Cart.membership_id)
            .join(Customer, Customer.id == Membership.customer_id)
            .where(
                Cart.updated_at <= changed_before,
                Cart.reminders == reminders,
                has_lines,
                Membership.marketing_opt_in.is_(True),
                Customer.bot_blocked.is_(False),
            )
        )
        return [(c, m, cu) for c, m, cu in rows.all()]
