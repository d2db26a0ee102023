"""The NPS survey: asked after the third purchase, then at most every 90 days; the answer and
its optional comment are kept once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import NpsAnswer
from db.repositories import CustomerRepo, MembershipRepo
from services.errors import RatingRefused
from services.jobs.base import JobBase
from services.notices import Notice, NpsSurvey
from services.numbers import InvalidNumber, parse_survey_key
from services.outbox import enqueue

NPS_AFTER_PURCHASES = 3
NPS_EVERY = timedelta(days=90)
NPS_BATCH = 500


class NpsSurveys(JobBase):
    async def nps_surveys(self) -> int:
        """After the third purchase, then at most every 90 days: the NPS question."""
        sent = 0
        async with self.session.begin():
            now = self.clock()
            for merchant in await self.jobs.merchants():
                due = await self.jobs.nps_due(
                    merchant.id, NPS_AFTER_PURCHASES, now - NPS_EVERY, NPS_BATCH
                )
                notices = []
                for membership, customer in due:
                    membership.nps_asked_at = now
                    survey = f"{membership.id}:{now:%Y%m%d}"
                    notices.append(Notice(customer.telegram_id, None, NpsSurvey(survey=survey)))
                sent += await enqueue(
                    self.session,
                    merchant.id,
                    notices,
                    now,
                    f"nps:{merchant.id}:{now:%Y%m%d}",
                    merchant.default_language,
                )
        return sent

    async def comment_nps(self, telegram_id: int, survey: str, comment: str) -> None:
        """The optional comment after an NPS score, once."""
        async with self.session.begin():
            answer = await self.session.scalar(
                select(NpsAnswer).where(NpsAnswer.survey_key == survey)
            )
            customer = await CustomerRepo(self.session).by_telegram_id(telegram_id)
            membership = (
                await MembershipRepo(self.session).get(answer.membership_id) if answer else None
            )
            if answer is None or customer is None or membership is None:
                raise RatingRefused("not_found")
            if membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            if answer.comment is None:
                answer.comment = comment.strip()[:1000] or None

    async def answer_nps(
        self, telegram_id: int, survey: str, score: int, comment: str | None = None
    ) -> None:
        """Store the answer to one survey once; a comment may follow the score."""
        if not 0 <= score <= 10:
            raise RatingRefused("bad_value")
        try:
            membership_id = parse_survey_key(survey)
        except InvalidNumber:
            raise RatingRefused("not_found") from None
        async with self.session.begin():
            membership = await MembershipRepo(self.session).get(membership_id)
            customer = await CustomerRepo(self.session).by_telegram_id(telegram_id)
            if membership is None or customer is None or membership.customer_id != customer.id:
                raise RatingRefused("not_yours")
            existing = await self.session.scalar(
                select(NpsAnswer.id).where(NpsAnswer.survey_key == survey)
            )
            if existing is not None:
                raise RatingRefused("already_rated")
            asked = membership.nps_asked_at
            if asked is None or survey != f"{membership.id}:{asked:%Y%m%d}":
                raise RatingRefused("not_found")  # only the survey last sent is answered
            self.session.add(
                NpsAnswer(
                    merchant_id=membership.merchant_id,
                    membership_id=membership.id,
                    survey_key=survey,
                    score=score,
                    comment=(comment or None) and comment[:1000],
                    created_at=self.clock(),
                )
            )
