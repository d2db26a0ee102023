"""Who had bought by an instant, twice, lately: one pass over the member summaries
(db/models/summary.py), a row per member who bought, instead of every purchase.

A member's last purchase before an instant is their last one, unless they bought on both sides
of it: only then, and when their first two purchases do not settle what the reports ask of it,
are their purchases looked up (one short range of the member-ordered index)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from db.base import UtcDateTime
from db.models import MemberSummary, Purchase
from db.reports.base import ReportQueries, as_int, counted, tally

Window = tuple[datetime, datetime, datetime]  # (start, end, start of the period before)


def _last_before(at: datetime, highest: datetime) -> Any:
    """The member's last purchase that counts before `at` (None if none), or a stand-in for
    it where the reports cannot tell them apart: their second purchase, when it is before
    `at` and not before `highest`, the latest moment the reports compare it with (the last
    one is then on or after each moment too)."""
    s, bought = MemberSummary, aliased(Purchase)
    lookup = (
        select(func.max(bought.confirmed_at))
        .where(
            bought.merchant_id == s.merchant_id,
            bought.membership_id == s.membership_id,
            bought.confirmed_at < at,
            counted(bought),
        )
        .correlate(s)
        .scalar_subquery()
    )
    return type_coerce(
        case(
            (or_(s.first_at.is_(None), s.first_at >= at), None),
            (s.last_at < at, s.last_at),
            (or_(s.second_at.is_(None), s.second_at >= at), s.first_at),  # one before `at`
            (s.second_at >= highest, s.second_at),
            else_=lookup,
        ),
        UtcDateTime(),
    )


class HistoryReports(ReportQueries):
    async def history(
        self, merchant_id: int, windows: Sequence[Window], churn: int, year: int
    ) -> tuple[int, list[tuple[int, ...]]]:
        """Revenue to date (of every purchase that counts), and per window: (members with a
        purchase before its end, with two or more, whose last one is `churn` seconds or more
        before the end, whose last one is in the `year` seconds before it, who bought in the
        window, who bought in the window before it, who bought in both)."""
        s = MemberSummary
        compared: dict[datetime, set[datetime]] = defaultdict(set)  # instant -> thresholds
        for start, end, before in windows:
            compared[end] |= {start, end - timedelta(seconds=churn), end - timedelta(seconds=year)}
            compared[start].add(before)
        instants = sorted(compared)
        members = (
            select(
                s.first_at,
                s.second_at,
                s.revenue_minor,
                *(
                    _last_before(at, max(compared[at])).label(f"last{i}")
                    for i, at in enumerate(instants)
                ),
            )
            .where(s.merchant_id == merchant_id, s.purchases > 0)
            # OFFSET 0 keeps both databases from merging this into the sums below, which would
            # work out each last purchase again wherever a sum reads it.
            .offset(0)
            .subquery("members")
        )
        m = members.c

        def last(at: datetime) -> Any:
            return m[f"last{instants.index(at)}"]

        columns: list[Any] = [func.sum(m.revenue_minor)]
        for start, end, before in windows:
            at_end, at_start = last(end), last(start)
            columns += [
                tally(m.first_at < end),
                tally(m.second_at < end),
                tally(at_end < end - timedelta(seconds=churn)),
                tally(at_end >= end - timedelta(seconds=year)),
                tally(at_end >= start),
                tally(at_start >= before),
                tally(and_(at_start >= before, at_end >= start)),
            ]
        totals = await self._one(select(*columns).select_from(members))
        width = 7
        return as_int(totals[0]), [
            totals[1 + i * width : 1 + (i + 1) * width] for i in range(len(windows))
        ]
