"""Reports on feedback: star ratings of purchases and NPS answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from db.models import NpsAnswer, Purchase, Staff
from db.reports.base import ReportQueries, as_int, index_of, seller, within


class FeedbackReports(ReportQueries):
    async def ratings(self, merchant_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Stars -> how many purchases were rated so in the period."""
        rows = await self.s.execute(
            select(Purchase.rating, func.count())
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating.is_not(None),
                within(Purchase.rated_at, start, end),
            )
            .group_by(Purchase.rating)
        )
        return {as_int(stars): int(n) for stars, n in rows.all()}

    async def nps(self, merchant_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Score (0-10) -> answers in the period."""
        rows = await self.s.execute(
            select(NpsAnswer.score, func.count())
            .where(NpsAnswer.merchant_id == merchant_id, within(NpsAnswer.created_at, start, end))
            .group_by(NpsAnswer.score)
        )
        return {int(score): int(n) for score, n in rows.all()}

    async def monthly_feedback(
        self, merchant_id: int, months: Sequence[datetime]
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Per local month: (month, stars, count) of ratings and (month, score, count) of NPS."""
        start, end = months[0], months[-1]
        rated = index_of(Purchase.rated_at, months[:-1])
        ratings = await self.s.execute(
            select(rated, Purchase.rating, func.count())
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating.is_not(None),
                within(Purchase.rated_at, start, end),
            )
            .group_by(rated, Purchase.rating)
        )
        answered = index_of(NpsAnswer.created_at, months[:-1])
        answers = await self.s.execute(
            select(answered, NpsAnswer.score, func.count())
            .where(NpsAnswer.merchant_id == merchant_id, within(NpsAnswer.created_at, start, end))
            .group_by(answered, NpsAnswer.score)
        )
        return (
            [(int(m), as_int(s), int(n)) for m, s, n in ratings.all()],
            [(int(m), int(s), int(n)) for m, s, n in answers.all()],
        )

    async def low_ratings(
        self, merchant_id: int, start: datetime, end: datetime, limit: int
    ) -> list[tuple[int, datetime | None, int, str | None, str | None, int]]:
        """Newest first: (purchase id, rated at, stars, comment, staff name, amount)."""
        rows = await self.s.execute(
            select(
                Purchase.id,
                Purchase.rated_at,
                Purchase.rating,
                Purchase.rating_comment,
                Staff.name,
                Purchase.amount_minor,
            )
            .outerjoin(Staff, seller())
            .where(
                Purchase.merchant_id == merchant_id,
                Purchase.rating <= 2,
                within(Purchase.rated_at, start, end),
            )
            .order_by(Purchase.rated_at.desc(), Purchase.id.desc())
            .limit(limit)
        )
        return [(int(i), at, as_int(r), c, s, int(a)) for i, at, r, c, s, a in rows.all()]
