"""Carts and pre-orders: a cart left in the bot gets a reminder; some are checked out as a
pre-order, and most of those are picked up and paid at the counter."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from db.models import PreorderStatus
from demo.messages import Messages
from demo.run import Run
from demo.timeline import CART, DAY, EXTRA, HOUR
from demo.writer import PREORDER

CART_SHARE = 0.03  # purchases after which the member leaves a cart in the bot
CHECKOUT_SHARE = 0.35  # reminded carts checked out within 48 hours
PICKUP_SHARE = 0.85

Order = tuple[str, int, str, datetime]  # (payment code, total, lines as JSON, created at)


class Orders:
    def __init__(self, run: Run, messages: Messages) -> None:
        self.run, self.messages = run, messages

    def maybe_leave_cart(self, t: int, i: int, limit: float) -> None:
        """After a purchase at `t`: an opted-in member may leave a cart in the bot later."""
        rng = self.run.rng
        if self.run.people.opt_in[i] and rng.random() < CART_SHARE:
            when = t + DAY + int(rng.random() * 9 * DAY)
            if when < limit:
                self.run.timeline.push(when, CART, i)

    def cart(self, t: int, i: int, _: Any) -> None:
        """services.jobs cart_reminders: a cart left two hours ago; some are checked out
        within 48 hours and most of those picked up at the counter."""
        if not self.messages.reachable(t, i):
            return
        run, rng = self.run, self.run.rng
        at = run.timeline.at(t)
        changed = run.timeline.at(t - 2 * HOUR)
        key = f"cart:{run.people.mid0 + i}:{changed:%Y%m%d%H%M%S}:1"
        self.messages.outbox(
            i, "cart_reminder", key, at, at + timedelta(seconds=rng.randrange(1, 60))
        )
        run.counts["carts"] += 1
        if rng.random() >= CHECKOUT_SHARE:
            return
        ordered = t + rng.randrange(600, 47 * HOUR)
        people = run.people
        limit = min(people.live[i], people.blocked_at[i], run.timeline.end)
        if ordered >= limit:
            return
        lines: list[tuple[str, int, int]] = []
        for _category, title, price in rng.sample(run.menu, rng.randint(1, 3)):
            qty = rng.randint(1, 2)
            lines.append((title, qty, qty * price))
        total = min(run.program.max_sale, sum(amount for _, _, amount in lines))
        lines_json = json.dumps(lines, ensure_ascii=False)
        order = (f"{rng.randrange(1_000_000):06d}", total, lines_json, run.timeline.at(ordered))
        pickup = ordered + rng.randrange(900, 3 * HOUR)
        if rng.random() < PICKUP_SHARE and pickup < limit:
            run.timeline.push(pickup, EXTRA, i, order)
        else:
            self.preorder(i, order, PreorderStatus.OPEN, None)

    def preorder(
        self, i: int, order: Order, status: PreorderStatus, purchase_id: int | None
    ) -> None:
        code, total, lines, created = order
        self.run.writer.add(
            PREORDER,
            {
                "merchant_id": self.run.program.merchant_id,
                "membership_id": self.run.people.mid0 + i,
                "code": code,
                "total_minor": total,
                "lines": lines,
                "status": status,
                "purchase_id": purchase_id,
                "created_at": created,
            },
        )
