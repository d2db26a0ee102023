"""Prometheus metrics of one process, served at /metrics by `loyalty-bot web` and the worker.

Counted as they happen, per process (Prometheus adds the replicas up): updates handled by type,
the time their handling took, and the updates whose handling raised. Read at each scrape: the
outbox by status, from the database, so every replica shows the deployment's queue; and the
sender's own counters, where this process runs the sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.connect import reason
from db.engine import READ_ONLY
from db.models import Outbox, OutboxStatus

logger = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTBOX_READ_SECONDS = 5.0
# Handling an update is a few statements and a Bot API call or two: ms to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SenderStatsView(Protocol):
    """What /metrics reads from the outbox sender of this process (any object with these
    attributes; `loyalty-bot web` has no sender and passes None)."""

    @property
    def sent(self) -> int: ...  # messages delivered since the process started

    @property
    def failed(self) -> int: ...  # messages given up on (not the blocked ones)

    @property
    def retry_after_429(self) -> int: ...  # 429 Too Many Requests answers from Telegram

    @property
    def rate(self) -> float: ...  # messages a second it sends now


class _SenderCollector(Collector):
    def __init__(self, stats: SenderStatsView) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats
        yield CounterMetricFamily(
            "loyalty_sender_sent", "Messages the sender delivered", value=stats.sent
        )
        yield CounterMetricFamily(
            "loyalty_sender_failed", "Messages the sender gave up on", value=stats.failed
        )
        yield CounterMetricFamily(
            "loyalty_sender_retry_after_429",
            "429 Too Many Requests answers the sender got from Telegram",
            value=stats.retry_after_429,
        )
        yield GaugeMetricFamily(
            "loyalty_sender_rate", "Messages a second the sender sends", value=stats.rate
        )


class Metrics:
    """The process's metrics, in a registry of their own (not prometheus_client's global one:
    a test builds several apps in one process)."""

    def __init__(self, sender_stats: SenderStatsView | None = None) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "loyalty_updates", "Updates handled, by type", ["type"], registry=self.registry
        )
        self.seconds = Histogram(
            "loyalty_update_seconds",
            "Time taken to handle an update, by type",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "loyalty_update_errors",
            "Updates whose handling raised (the user was told something went wrong), by type "
            "and error class",
            ["type", "error"],
            registry=self.registry,
        )
        self.outbox = Gauge(
            "loyalty_outbox_messages",
            "Rows of the outbox by status, read from the database at each scrape",
            ["status"],
            registry=self.registry,
        )
        if sender_stats is not None:
            self.registry.register(_SenderCollector(sender_stats))

    def observe(self, update_type: str, seconds: float, error: BaseException | None) -> None:
        """One update handled; `error` is what its handling raised, if it did."""
        self.updates.labels(update_type).inc()
        self.seconds.labels(update_type).observe(seconds)
        if error is not None:
            self.errors.labels(update_type, type(error).__name__).inc()

    async def render(self, engine: AsyncEngine | None) -> bytes:
        """The text format, with the outbox counted now (left out if the database fails)."""
        if engine is not None:
            await self._count_outbox(engine)
        return generate_latest(self.registry)

    async def _count_outbox(self, engine: AsyncEngine) -> None:
        statement = select(Outbox.status, func.count()).group_by(Outbox.status)
        try:
            async with asyncio.timeout(OUTBOX_READ_SECONDS), engine.connect() as connection:
                reading = await connection.execution_options(**{READ_ONLY: True})
                rows = (await reading.execute(statement)).all()
        except (OSError, TimeoutError, SQLAlchemyError) as error:
            logger.warning("metrics: the outbox was not counted: %s", reason(error))
            self.outbox.clear()  # no number rather than a stale one
            return
        counts = {status: 0 for status in OutboxStatus}
        counts.update({OutboxStatus(status): int(count) for status, count in rows})
        for status, count in counts.items():
            self.outbox.labels(status.value).set(count)
