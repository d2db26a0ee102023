"""Pre-orders waiting for pickup: the customer's own list and cancel; the staff's list, Ready
and cancel. Checkout is in services/catalog.py; a sale completes an order (services/sales.py).

An order's code lives in payment_code beside the member's till code (services/codes.py): it
works whatever the customer taps until a sale takes it or the order is cancelled. Nothing
expires an order: old ones stay in the staff's list, oldest first, until someone cancels them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Preorder, PreorderStatus
from db.repositories import StaffRepo
from db.repositories.preorders import WAITING, PreorderRepo
from services.base import Service
from services.errors import NotAMember, NotStaff, Refused
from services.notices import Notice, OrderCancelled, OrderReady, OrderWithdrawn
from services.outbox import enqueue
from services.staff import alert_place, alert_recipients

STAFF_LIST_LIMIT = 20  # one message; the rest are counted


class OrderRefused(Refused):
    """Reasons: not_found (not this person's or this merchant's), completed, cancelled."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    title: str
    qty: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    id: int
    ready: bool
    lines: tuple[OrderLine, ...]
    total_minor: int
    currency: str
    age: timedelta
    code: str | None  # in the customer's own list only: the staff never see it


@dataclass(frozen=True, slots=True)
class StaffOrders:
    orders: tuple[WaitingOrder, ...]
    more: int  # waiting beyond the list


@dataclass(frozen=True, slots=True)
class OrderChange:
    order_id: int
    changed: bool  # False: it was already so (a second press, another cashier)


async def require_staff(
    repo: StaffRepo, merchant_id: int, actor: int, owner_ids: frozenset[int]
) -> None:
    """Owners and the merchant's active cashiers and admins pass. A pause (for wrong codes)
    does not stop them here: the list shows no codes, and Ready takes none."""
    if actor not in owner_ids and await repo.active(merchant_id, actor) is None:
        raise NotStaff()


async def cancel_orders_of(session: AsyncSession, membership_id: int, now: datetime) -> None:
    """Cancel a member's waiting orders and free their codes, in the caller's transaction
    (the member erased their data). Nobody is told: their chat is gone, and the orders simply
    leave the staff's /openorders."""
    repo = PreorderRepo(session)
    for order in await repo.waiting_of(membership_id):
        await repo.close_code(order.id, now)
        await repo.transition(order.id, WAITING, PreorderStatus.CANCELLED)


class PreorderService(Service):
    @cached_property
    def repo(self) -> PreorderRepo:
        return PreorderRepo(self.session)

    # --- the customer ------------------------------------------------------------------------

    async def _membership_id(self, merchant_id: int, telegram_id: int) -> int:
        pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
        if pair is None:
            raise NotAMember()
        return pair[1].id

    async def mine(self, merchant_id: int, telegram_id: int) -> tuple[WaitingOrder, ...]:
        """The member's orders not yet collected or cancelled, with their codes."""
        async with self.session.begin():
            membership_id = await self._membership_id(merchant_id, telegram_id)
            rows = await self.repo.waiting_of(membership_id)
            currency = await self._currency(merchant_id)
            return tuple(self._view(r, currency, with_code=True) for r in rows)

    async def cancel_mine(self, merchant_id: int, telegram_id: int, order_id: int) -> OrderChange:
        """The customer cancels their order; its code stops working and the admins are told."""
        async with self.session.begin():
            membership_id = await self._membership_id(merchant_id, telegram_id)
            order = await self.repo.get(merchant_id, order_id)
            if order is None or order.membership_id != membership_id:
                raise OrderRefused("not_found")
            if not await self._cancel(order):
                return OrderChange(order.id, False)
            admins = await alert_recipients(self.staff, merchant_id, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            place = await alert_place(self.session, merchant.name) if merchant else None
            withdrawn = OrderWithdrawn(order_id=order.id, items=self._summary(order), place=place)
            await self._announce(merchant_id, [Notice(a, None, withdrawn) for a in admins], order)
            return OrderChange(order.id, True)

    # --- the staff ---------------------------------------------------------------------------

    async def waiting(self, merchant_id: int, actor: int) -> StaffOrders:
        """The merchant's orders waiting for pickup, oldest first; no codes."""
        async with self.session.begin():
            await require_staff(self.staff, merchant_id, actor, self.owner_ids)
            rows, total = await self.repo.waiting(merchant_id, STAFF_LIST_LIMIT)
            currency = await self._currency(merchant_id)
            return StaffOrders(
                tuple(self._view(r, currency, with_code=False) for r in rows), total - len(rows)
            )

    async def order(self, merchant_id: int, actor: int, order_id: int) -> WaitingOrder:
        """One waiting order, for the staff to confirm a cancellation."""
        async with self.session.begin():
            await require_staff(self.staff, merchant_id, actor, self.owner_ids)
            order = await self._waiting_order(merchant_id, order_id)
            return self._view(order, await self._currency(merchant_id), with_code=False)

    async def mark_ready(self, merchant_id: int, actor: int, order_id: int) -> OrderChange:
        """Once: the customer is told with their code; a second press changes nothing."""
        async with self.session.begin():
            await require_staff(self.staff, merchant_id, actor, self.owner_ids)
            order = await self._waiting_order(merchant_id, order_id)
            if not await self.repo.transition(
                order.id, (PreorderStatus.OPEN,), PreorderStatus.READY
            ):
                await self.session.refresh(order)
                if order.status != PreorderStatus.READY:
                    raise OrderRefused(order.status)  # collected or cancelled meanwhile
                return OrderChange(order.id, False)
            now = self.clock()
            self.audit.add(merchant_id, actor, "order_ready", now, target=str(order.id))
            await self._tell_customer(merchant_id, order, ready=True)
            return OrderChange(order.id, True)

    async def cancel(self, merchant_id: int, actor: int, order_id: int) -> OrderChange:
        """The staff cancel an order (an old one, an item out of stock); the customer is told."""
        async with self.session.begin():
            await require_staff(self.staff, merchant_id, actor, self.owner_ids)
            order = await self.repo.get(merchant_id, order_id)
            if order is None:
                raise OrderRefused("not_found")
            if not await self._cancel(order):
                return OrderChange(order.id, False)
            self.audit.add(merchant_id, actor, "order_cancel", self.clock(), target=str(order.id))
            await self._tell_customer(merchant_id, order, ready=False)
            return OrderChange(order.id, True)

    # --- shared ------------------------------------------------------------------------------

    async def _waiting_order(self, merchant_id: int, order_id: int) -> Preorder:
        order = await self.repo.get(merchant_id, order_id)
        if order is None:
            raise OrderRefused("not_found")
        if order.status not in WAITING:
            raise OrderRefused(order.status)
        return order

    async def _cancel(self, order: Preorder) -> bool:
        """True when this call cancelled it; False when it already was; OrderRefused when it
        was collected. The code goes first, as a sale's confirm takes it first: of the two
        racing, one waits for the other and then finds the work done."""
        status = order.status  # read again below, after the refresh
        if status == PreorderStatus.CANCELLED:
            return False
        if status == PreorderStatus.COMPLETED:
            raise OrderRefused("completed")
        await self.repo.close_code(order.id, self.clock())
        if not await self.repo.transition(order.id, WAITING, PreorderStatus.CANCELLED):
            await self.session.refresh(order)
            if order.status == PreorderStatus.COMPLETED:
                raise OrderRefused("completed")
            return False
        return True

    async def _tell_customer(self, merchant_id: int, order: Preorder, ready: bool) -> None:
        """The order is ready for pickup (with its code), or the staff cancelled it."""
        customer = await self.repo.customer_of(order)
        merchant = await self.merchants.get(merchant_id)
        assert customer is not None and merchant is not None
        body = (
            OrderReady(order_id=order.id, merchant=merchant.name, code=order.code)
            if ready
            else OrderCancelled(order_id=order.id, merchant=merchant.name)
        )
        notice = Notice(customer.telegram_id, customer.language, body)
        await self._announce(merchant_id, [notice], order)

    async def _announce(self, merchant_id: int, notices: list[Notice], order: Preorder) -> None:
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        await enqueue(
            self.session,
            merchant_id,
            notices,
            self.clock(),
            f"order:{order.id}",
            merchant.default_language,
        )

    async def _currency(self, merchant_id: int) -> str:
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        return merchant.currency

    def _view(self, order: Preorder, currency: str, *, with_code: bool) -> WaitingOrder:
        lines = tuple(OrderLine(str(t), int(q), int(a)) for t, q, a in json.loads(order.lines))
        return WaitingOrder(
            id=order.id,
            ready=order.status == PreorderStatus.READY,
            lines=lines,
            total_minor=order.total_minor,
            currency=currency,
            age=max(timedelta(0), self.clock() - order.created_at),
            code=order.code if with_code else None,
        )

    @staticmethod
    def _summary(order: Preorder) -> str:
        return ", ".join(f"{t} × {q}" for t, q, _ in json.loads(order.lines))
