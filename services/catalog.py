"""A simple catalog, the customer's cart, and pre-orders for pickup that /sale completes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

from db.models import Cart, CartLine, CatalogItem, Preorder, PreorderStatus
from db.repositories import CatalogRepo
from db.repositories.preorders import PreorderRepo
from services import policy
from services._tx import in_transaction
from services.base import Service
from services.codes import CodeService
from services.errors import DomainError, NotAMember, Refused
from services.notices import NewOrder, Notice
from services.outbox import enqueue
from services.policy import currency_exponent, whole_units_only
from services.staff import alert_place, alert_recipients, require_admin

MAX_QTY = 99


class CatalogRefused(Refused):
    """Reasons: format, price, too_large (over the cap of one sale), not_found, empty."""


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    category: str
    title: str
    price_minor: int
    photo: str | None


@dataclass(frozen=True, slots=True)
class CartLineView:
    item_id: int
    title: str
    qty: int
    price_minor: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class CartView:
    lines: tuple[CartLineView, ...]
    total_minor: int
    currency: str
    waiting_orders: int = 0  # the member's pre-orders not yet collected or cancelled

    @property
    def count(self) -> int:
        """How many things are in the cart."""
        return sum(line.qty for line in self.lines)


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    code: str  # the order's own: it works until the order is collected or cancelled
    cart: CartView


def _item(row: CatalogItem) -> ItemView:
    return ItemView(row.id, row.category, row.title, row.price_minor, row.photo)


_ITEM_RE = re.compile(r"^\s*([^|\s][^|]{0,39}?)\s*\|\s*([^|\s][^|]{0,79}?)\s*\|\s*(\S+)\s*$")


def parse_item(text: str, exponent: int, whole_units: bool = False) -> tuple[str, str, int]:
    """`Coffee | Cappuccino | 3.50` -> (category, title, price in minor units); a price in a
    whole-units currency (policy.whole_units_only) has no decimals."""
    match = _ITEM_RE.match(text)
    if not match:
        raise CatalogRefused("format")
    category, title, price = match.groups()
    try:
        return category, title, policy.parse_amount(price, exponent, whole_units=whole_units)
    except DomainError:
        raise CatalogRefused("price") from None


class CatalogService(Service):
    @cached_property
    def repo(self) -> CatalogRepo:
        return CatalogRepo(self.session)

    # --- the admin's side ------------------------------------------------------------------

    async def add_item(
        self, merchant_id: int, actor: int, text: str, photo: str | None = None
    ) -> ItemView:
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            category, title, price = parse_item(
                text,
                currency_exponent(merchant.currency),
                whole_units_only(merchant.currency),
            )
            if price > merchant.max_sale_minor:
                raise CatalogRefused("too_large")  # it could never be paid at the till
            row = CatalogItem(
                merchant_id=merchant_id,
                category=category,
                title=title,
                price_minor=price,
                photo=photo,
                archived=False,
                created_at=self.clock(),
            )
            self.repo.add(row)
            await self.session.flush()
            return _item(row)

    async def archive_item(self, merchant_id: int, actor: int, item_id: int) -> ItemView:
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            row = await self.repo.item(merchant_id, item_id)
            if row is None or row.archived:
                raise CatalogRefused("not_found")
            row.archived = True
            return _item(row)

    # --- browsing ----------------------------------------------------------------------------

    async def categories(self, merchant_id: int) -> list[str]:
        async with self.session.begin():
            return await self.repo.categories(merchant_id)

    async def items(self, merchant_id: int, category: str) -> list[ItemView]:
        async with self.session.begin():
            return [_item(r) for r in await self.repo.items(merchant_id, category)]

    # --- the cart ----------------------------------------------------------------------------

    async def _membership_id(self, merchant_id: int, telegram_id: int) -> int:
        pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
        if pair is None:
            raise NotAMember()
        return pair[1].id

    async def _view(self, membership_id: int, merchant_id: int) -> CartView:
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        lines = tuple(
            CartLineView(
                item.id, item.title, line.qty, item.price_minor, line.qty * item.price_minor
            )
            for line, item in await self.repo.lines(membership_id)
        )
        waiting = await PreorderRepo(self.session).count_waiting_of(membership_id)
        return CartView(
            lines, sum(line.amount_minor for line in lines), merchant.currency, waiting
        )

    async def cart(self, merchant_id: int, telegram_id: int) -> CartView:
        async with self.session.begin():
            return await self._view(
                await self._membership_id(merchant_id, telegram_id), merchant_id
            )

    async def change(
        self, merchant_id: int, telegram_id: int, item_id: int, delta: int
    ) -> CartView:
        """Add (+1) or take away (-1) one of an item; the cart's clock restarts."""
        async with self.session.begin():
            membership_id = await self._membership_id(merchant_id, telegram_id)
            item = await self.repo.item(merchant_id, item_id)
            if item is None or (item.archived and delta > 0):
                raise CatalogRefused("not_found")
            now = self.clock()
            cart = await self.repo.cart(membership_id)
            if cart is None:
                cart = Cart(membership_id=membership_id, updated_at=now, reminders=0)
                self.repo.add(cart)
                await self.session.flush()
            cart.updated_at, cart.reminders = now, 0
            line = await self.repo.line(membership_id, item_id)
            if line is None and delta > 0:
                self.repo.add(CartLine(membership_id=membership_id, item_id=item_id, qty=1))
            elif line is not None:
                line.qty = min(MAX_QTY, line.qty + delta)
                if line.qty <= 0:
                    await self.session.delete(line)
            await self.session.flush()
            return await self._view(membership_id, merchant_id)

    async def empty(self, merchant_id: int, telegram_id: int) -> CartView:
        async with self.session.begin():
            membership_id = await self._membership_id(merchant_id, telegram_id)
            await self.repo.clear(membership_id)
            return await self._view(membership_id, merchant_id)

    async def checkout(self, merchant_id: int, telegram_id: int) -> OrderView:
        """The cart becomes a pre-order with a code of its own for pickup; the admins are told.

        The code is drawn among the merchant's active codes; should another checkout or /code
        take the same value at the same moment, the unique key retries the whole checkout."""

        async def work() -> OrderView:
            pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
            if pair is None:
                raise NotAMember()
            if pair[1].blocked_at is not None:
                raise CatalogRefused("paused")  # it could not be paid for at the till either
            membership_id = pair[1].id
            view = await self._view(membership_id, merchant_id)
            if not view.lines:
                raise CatalogRefused("empty")
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            if view.total_minor > merchant.max_sale_minor:
                raise CatalogRefused("too_large")  # one sale at the till could not take it
            now = self.clock()
            codes = CodeService(self.session, self.clock)
            order = Preorder(
                merchant_id=merchant_id,
                membership_id=membership_id,
                code=await codes.order_code(merchant_id),
                total_minor=view.total_minor,
                lines=json.dumps(
                    [[line.title, line.qty, line.amount_minor] for line in view.lines],
                    ensure_ascii=False,
                ),
                status=PreorderStatus.OPEN,
                created_at=now,
            )
            self.repo.add(order)
            await self.repo.clear(membership_id)
            await self.session.flush()
            await codes.attach(order)
            merchant = await self.merchants.get(merchant_id)
            assert merchant is not None
            admins = await alert_recipients(self.staff, merchant_id, self.owner_ids)
            place = await alert_place(self.session, merchant.name)
            summary = ", ".join(f"{line.title} × {line.qty}" for line in view.lines)
            await enqueue(
                self.session,
                merchant_id,
                [
                    Notice(
                        a,
                        None,
                        NewOrder(
                            order_id=order.id,
                            items=summary,
                            total=view.total_minor,
                            currency=view.currency,
                            place=place,
                        ),
                    )
                    for a in admins
                ],
                now,
                f"order:{order.id}",
                merchant.default_language,
            )
            return OrderView(order.id, order.code, view)

        return await in_transaction(self.session, work)
