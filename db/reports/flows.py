"""What moved in a range of time, by kind (purchases, ratings, each ledger reason): read from
the hour summary (db/models/summary.py), and from the purchases and the ledger for the parts
of hours a range cuts (a timezone on a half-hour offset; never for whole-hour ones)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from db.models import HOUR, SALE, STARS, HourSummary, LedgerEntry
from db.reports.base import as_int, net_revenue, of_merchant, sold, within
from db.reports.feedback import FeedbackReports

Range = tuple[datetime, datetime | None]  # [start, end); None: to now and beyond
Flows = dict[str, tuple[int, int]]  # kind -> (count, amount)


def _hours(start: datetime, end: datetime | None) -> tuple[int, int | None]:
    """The whole hours of [start, end): (first hour's start, end of the last), epoch seconds."""
    first = math.ceil(start.timestamp() / HOUR) * HOUR
    if end is None:
        return first, None
    return first, max(first, math.floor(end.timestamp() / HOUR) * HOUR)


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _add(total: Flows, kind: str, count: int, amount: int) -> None:
    was = total.get(kind, (0, 0))
    total[kind] = (was[0] + count, was[1] + amount)


class FlowReports(FeedbackReports):
    async def flows(
        self, merchant_id: int, ranges: Sequence[Range], kind: str | None = None
    ) -> list[Flows]:
        """Per range: kind -> (how many, their money or points); sales are purchases that
        count and their revenue (refunds taken off on the purchase's hour). Of one `kind`
        only, if given."""
        if not ranges:
            return []
        hours = [_hours(start, end) for start, end in ranges]
        h = HourSummary
        columns: list[Any] = []
        for first, last in hours:
            inside = h.hour >= first if last is None else and_(h.hour >= first, h.hour < last)
            columns += [
                func.sum(case((inside, h.count), else_=0)),
                func.sum(case((inside, h.amount_minor), else_=0)),
            ]
        query = select(h.kind, *columns).where(
            h.merchant_id == merchant_id, h.hour >= min(first for first, _ in hours)
        )
        if kind is not None:
            query = query.where(h.kind == kind)
        rows = await self.s.execute(query.group_by(h.kind))
        totals: list[Flows] = [{} for _ in ranges]
        for found, *sums in rows.all():
            for index, total in enumerate(totals):
                count, amount = as_int(sums[2 * index]), as_int(sums[2 * index + 1])
                if count or amount:
                    _add(total, str(found), count, amount)
        for total, (start, end), (first, last) in zip(totals, ranges, hours, strict=True):
            for cut in self._cut(start, end, first, last):
                for found, (count, amount) in (await self._raw(merchant_id, *cut)).items():
                    if kind is None or found == kind:
                        _add(total, found, count, amount)
        return totals

    @staticmethod
    def _cut(
        start: datetime, end: datetime | None, first: int, last: int | None
    ) -> list[tuple[datetime, datetime]]:
        """The parts of [start, end) outside its whole hours [first, last)."""
        if end is not None and last is not None and last <= first:
            return [(start, end)] if start < end else []  # within one hour
        parts = []
        if start < _instant(first):
            parts.append((start, _instant(first)))
        if end is not None and last is not None and _instant(last) < end:
            parts.append((_instant(last), end))
        return parts

    async def _raw(self, merchant_id: int, start: datetime, end: datetime) -> Flows:
        """What the hour summary holds, counted from the purchases and the ledger."""
        found: Flows = {}
        count, revenue = await self._one(
            select(func.count(), func.sum(net_revenue())).where(*sold(merchant_id, start, end))
        )
        if count:
            _add(found, SALE, count, revenue)
        rows = await self.s.execute(
            select(LedgerEntry.reason, func.count(), func.sum(LedgerEntry.delta_minor))
            .where(of_merchant(merchant_id), within(LedgerEntry.created_at, start, end))
            .group_by(LedgerEntry.reason)
        )
        for reason, n, delta in rows.all():
            _add(found, str(reason), int(n), as_int(delta))
        for stars, n in (await self.ratings(merchant_id, start, end)).items():
            _add(found, f"{STARS}{stars}", n, 0)
        return found


def points_of(flows: Flows) -> dict[str, int]:
    """Ledger reason -> sum of its changes, from a range's flows."""
    return {
        kind: amount
        for kind, (_, amount) in flows.items()
        if kind != SALE and not kind.startswith(STARS)
    }


def stars_of(flows: Flows) -> dict[int, int]:
    """Stars -> how many purchases were rated so, from a range's flows."""
    return {
        int(kind.removeprefix(STARS)): count
        for kind, (count, _) in flows.items()
        if kind.startswith(STARS)
    }
