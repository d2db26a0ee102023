"""The simulation: every member's life as events in time order, one day at a time, rows
written as it goes. Balances move in the order they would have: referral rewards reach
referrers while their friends buy, a refund unwinds what its purchase did, and each ledger
entry's running balance is the balance at that moment, never below zero."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable
from typing import Any

from demo.engagement import Engagement
from demo.messages import Messages
from demo.orders import Orders
from demo.purchases import Purchases
from demo.run import Run
from demo.timeline import (
    BIRTHDAY,
    CAMPAIGN,
    CART,
    ERASE,
    EXTRA,
    LAPSE,
    NPS,
    PURCHASE,
    REFUND,
    WELCOME,
)

logger = logging.getLogger(__name__)


async def simulate(run: Run) -> None:
    """Schedule what is known up front, then run every day's events and write their rows."""
    messages = Messages(run)
    orders = Orders(run, messages)
    purchases = Purchases(run, orders)
    engagement = Engagement(run, messages)
    people, timeline, writer = run.people, run.timeline, run.writer
    for i in range(people.n):
        if run.program.welcome_bonus > 0:
            timeline.push(people.join[i], WELCOME, i)
        if people.erased(i):
            timeline.push(int(people.erase_at[i]), ERASE, i)
        if people.birthday[i] is not None and people.opt_in[i]:
            engagement.next_birthday(i, people.join[i])
    engagement.plan_campaigns()
    handlers: dict[int, Callable[[int, int, Any], None]] = {
        WELCOME: run.accounts.welcome,
        ERASE: run.accounts.erase,
        REFUND: purchases.refund,
        BIRTHDAY: engagement.birthday,
        LAPSE: engagement.lapse,
        NPS: engagement.nps,
        CART: orders.cart,
        CAMPAIGN: engagement.campaign,
    }
    purchase, next_visit = purchases.purchase, run.habits.next_visit
    pop = heapq.heappop
    tenth = max(1, timeline.days // 10)
    for day in range(timeline.days):
        heap = timeline.open_day(day)
        done = 0
        while heap:
            t, kind, _, i, data = pop(heap)
            if kind == PURCHASE:
                purchase(t, i, None)
                next_visit(t, i)
            elif kind == EXTRA:
                purchase(t, i, data)
            else:
                handlers[kind](t, i, data)
            done += 1
            if done % 256 == 0:
                await writer.pause()
        await writer.flush_if_full()
        if (day + 1) % tenth == 0:
            logger.info("demo data: %d of %d days simulated", day + 1, timeline.days)
    await writer.flush()
    await writer.drain()
