"""The catalog, carts and their lines, open pre-orders by code, abandoned carts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from db.models import Cart, CartLine, CatalogItem, Customer, Membership, Preorder
from db.repositories.base import Repo
from db.repositories.members import opted_in_and_reachable
from db.repositories.preorders import WAITING


class CatalogRepo(Repo):
    async def categories(self, merchant_id: int) -> list[str]:
        rows = await self._all(
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
        return await self._all(query.order_by(CatalogItem.title))

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
        """What is in a member's cart, with the items, by title."""
        return (await self.lines_of([membership_id])).get(membership_id, [])

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
                Preorder.status.in_(WAITING),
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
                *opted_in_and_reachable(),
            )
        )
        return [(c, m, cu) for c, m, cu in rows.all()]
