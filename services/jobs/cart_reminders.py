"""Cart reminders: a cart left with items gets one reminder after 2 hours and a second after 24
(CART_REMINDERS, in base.py: the scheduler may set others)."""

from __future__ import annotations

from db.repositories import CatalogRepo
from services.jobs.base import JobBase
from services.notices import CartReminder, Notice
from services.outbox import enqueue_keyed


class CartReminders(JobBase):
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
                        CartReminder(
                            items=", ".join(f"{i.title} × {ln.qty}" for ln, i in contents),
                            total=sum(ln.qty * i.price_minor for ln, i in contents),
                            currency=merchant.currency,
                        ),
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
