"""Scheduled jobs with the clock moved: birthdays across time zones, once a year, 29 February,
NPS after the third purchase and then every 90 days, the lease, and answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from db.models import Customer, LedgerEntry, Membership, Merchant, NpsAnswer, Outbox
from services.errors import RatingRefused
from services.jobs import JobService
from services.members import MemberService
from tests.factories import make_member, make_merchant


async def opt_in(session, clock, merchant, tg, birthday=None):
    await make_member(session, clock, merchant, tg)
    await MemberService(session, clock).set_marketing(merchant.id, tg, True)
    if birthday:
        await MemberService(session, clock).set_birthday(merchant.id, tg, birthday)


async def outbox(session, kind):
    async with session.begin():
        rows = await session.scalars(select(Outbox).where(Outbox.kind == kind))
        return sorted(r.chat_id for r in rows)


async def test_birthday_offer_at_the_local_hour_once_a_year(session, clock) -> None:
    warsaw = await make_merchant(session, clock)  # Europe/Warsaw, birthdays from 10:00
    clock.now = datetime(2026, 4, 23, 12, 0, tzinfo=UTC)  # before the 30 days of lead time
    await opt_in(session, clock, warsaw, 1, "24.05")
    await opt_in(session, clock, warsaw, 2, "25.05")
    await make_member(session, clock, warsaw, 3)  # not opted in: no offer
    await MemberService(session, clock).set_birthday(warsaw.id, 3, "24.05")
    jobs = JobService(session, clock)
    clock.now = datetime(2026, 5, 24, 7, 30, tzinfo=UTC)  # 09:30 in Warsaw: too early
    assert await jobs.birthday_offers() == 0
    clock.now = datetime(2026, 5, 24, 8, 5, tzinfo=UTC)  # 10:05 in Warsaw
    assert await jobs.birthday_offers() == 1
    assert await jobs.birthday_offers() == 0  # run twice the same day: once
    clock.now = datetime(2026, 5, 24, 21, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 0
    assert await outbox(session, "birthday") == [1]
    async with session.begin():
        gifts = (
            await session.scalars(select(LedgerEntry).where(LedgerEntry.reason == "birthday"))
        ).all()
    assert [g.delta_minor for g in gifts] == [500]
    clock.now = datetime(2027, 5, 24, 9, 0, tzinfo=UTC)  # next year, again
    assert await jobs.birthday_offers() == 1


async def test_birthday_hour_is_the_merchants_local_hour(session, clock) -> None:
    tokyo = await make_merchant(session, clock, slug="tokyo", currency="JPY")
    async with session.begin():
        await session.execute(
            update(Merchant).where(Merchant.id == tokyo.id).values(timezone="Asia/Tokyo")
        )
    clock.now = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    await opt_in(session, clock, tokyo, 1, "24.05")
    jobs = JobService(session, clock)
    # 23 May 23:30 UTC is 24 May 08:30 in Tokyo: the day, not yet the hour.
    clock.now = datetime(2026, 5, 23, 23, 30, tzinfo=UTC)
    assert await jobs.birthday_offers() == 0
    clock.now = datetime(2026, 5, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    assert await jobs.birthday_offers() == 1


async def test_29_february_is_celebrated_on_the_28th_in_common_years(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    clock.now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    await opt_in(session, clock, merchant, 1, "29.02")
    clock.now = datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert await JobService(session, clock).birthday_offers() == 1


async def test_blocked_customers_get_no_offer(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    clock.now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    await opt_in(session, clock, merchant, 1, "24.05")
    async with session.begin():
        await session.execute(update(Customer).values(bot_blocked=True))
    clock.now = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    assert await JobService(session, clock).birthday_offers() == 0


async def test_nps_after_the_third_purchase_then_every_90_days(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    jobs = JobService(session, clock)
    async with session.begin():
        await session.execute(update(Membership).values(purchases_count=2))
    assert await jobs.nps_surveys() == 0
    async with session.begin():
        await session.execute(update(Membership).values(purchases_count=3))
    assert await jobs.nps_surveys() == 1
    assert await jobs.nps_surveys() == 0
    clock.advance(days=89)
    assert await jobs.nps_surveys() == 0
    clock.advance(days=2)
    assert await jobs.nps_surveys() == 1


async def test_nps_answers_are_stored_once(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    joined = await make_member(session, clock, merchant, 1)
    await make_member(session, clock, merchant, 2)
    jobs = JobService(session, clock)
    survey = f"{joined.membership_id}:20260310"
    with pytest.raises(RatingRefused):
        await jobs.answer_nps(1, survey, 9)  # never sent: a forged button answers nothing
    async with session.begin():  # the survey of 10 March is sent (as nps_surveys does)
        await session.execute(
            update(Membership)
            .where(Membership.id == joined.membership_id)
            .values(nps_asked_at=clock())
        )
    for forged in ("20260301", "20260309", "99999999", "00000000"):
        with pytest.raises(RatingRefused):
            await jobs.answer_nps(1, f"{joined.membership_id}:{forged}", 0)
    with pytest.raises(RatingRefused):
        await jobs.answer_nps(2, survey, 9)  # someone else's survey
    await jobs.answer_nps(1, survey, 9)
    with pytest.raises(RatingRefused):
        await jobs.answer_nps(1, survey, 3)
    async with session.begin():
        answers = (await session.scalars(select(NpsAnswer.score))).all()
    assert answers == [9]


async def test_the_survey_reaches_the_customer_and_the_answer_is_stored(
    tg, db, session_factory, clock
) -> None:
    from bot.scheduler import Scheduler

    anna = tg(101)
    await anna.press((await anna.send("/start")).button("✅"))
    async with session_factory() as s, s.begin():
        await s.execute(update(Membership).values(purchases_count=3))
    woken = []
    assert await Scheduler(session_factory, lambda: woken.append(1), clock).tick() == 1
    assert woken
    sent = await anna.send("/help")  # any update drains the outbox in the test harness
    survey = next(m for m in sent if "recommend us" in (getattr(m, "text", "") or ""))
    ten = survey.reply_markup.inline_keyboard[1][-1].callback_data
    answered = await anna.press(ten)
    assert "Your answer: 10 of 10" in answered.text
    assert "Write a comment" in answered.text
    await anna.send("Best croissants in town")
    answer = await db.scalar(select(NpsAnswer))
    assert (answer.score, answer.comment) == (10, "Best croissants in town")


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 12, datetime(2025, 1, 15, tzinfo=UTC)),
        (datetime(2028, 3, 30, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    from services.jobs import months_before

    assert months_before(moment, months) == expected


async def test_points_expire_oldest_first_with_warnings(session, clock) -> None:
    from db.models import LedgerReason
    from db.repositories import LedgerRepo
    from tests.factories import check_ledger_invariant, credit

    merchant = await make_merchant(session, clock)
    async with session.begin():
        await session.execute(update(Merchant).values(points_lifetime_months=6))
    await make_member(session, clock, merchant, 1)
    clock.now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    await credit(session, clock, merchant, 1, 300)  # expires 10 July
    clock.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    await credit(session, clock, merchant, 1, 200)  # expires 1 September
    async with session.begin():  # spend 100: taken from the oldest points
        member = await session.scalar(select(Membership))
        await LedgerRepo(session).post(member, -100, LedgerReason.REDEEM, clock())
    jobs = JobService(session, clock)
    clock.now = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)  # 8 days before: nothing yet
    assert await jobs.expire_points() == 0
    clock.now = datetime(2026, 7, 3, 12, 0, tzinfo=UTC)  # 7 days before: the first warning
    assert await jobs.expire_points() == 1
    assert await jobs.expire_points() == 0  # once per wave
    clock.now = datetime(2026, 7, 9, 12, 0, tzinfo=UTC)  # 1 day before: the last warning
    assert await jobs.expire_points() == 1
    clock.now = datetime(2026, 7, 10, 12, 30, tzinfo=UTC)  # expired: 200 left of the first 300
    assert await jobs.expire_points() == 1
    async with session.begin():
        await session.refresh(member)
        assert member.balance_minor == 200  # the March points remain
        warnings = (
            await session.scalars(select(Outbox).where(Outbox.kind == "expiry_warning"))
        ).all()
    assert sorted(w.payload for w in warnings) == sorted(
        ['{"points":200,"days":7}', '{"points":200,"days":1}']
    )
    clock.now = datetime(2026, 9, 2, 12, 0, tzinfo=UTC)
    await jobs.expire_points()
    async with session.begin():
        await session.refresh(member)
        assert member.balance_minor == 0
    await check_ledger_invariant(session)


async def test_expiry_is_off_by_default(session, clock) -> None:
    from tests.factories import credit

    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    await credit(session, clock, merchant, 1, 300)
    clock.advance(days=2000)
    assert await JobService(session, clock).expire_points() == 0


async def test_an_unspent_birthday_bonus_lapses_after_its_days(session, clock) -> None:
    from db.models import LedgerReason
    from db.repositories import LedgerRepo
    from tests.factories import check_ledger_invariant, credit

    merchant = await make_merchant(session, clock)
    clock.now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    await opt_in(session, clock, merchant, 1, "24.05")
    await credit(session, clock, merchant, 1, 1_000)  # earned before the birthday: stays
    jobs = JobService(session, clock)
    clock.now = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 1  # +500, valid 14 days
    clock.now = datetime(2026, 5, 30, 12, 0, tzinfo=UTC)
    async with session.begin():  # 200 spent since the gift: taken from the gift first
        member = await session.scalar(select(Membership))
        await LedgerRepo(session).post(member, -200, LedgerReason.REDEEM, clock())
    clock.now = datetime(2026, 6, 7, 11, 0, tzinfo=UTC)  # day 13 and a bit: still valid
    assert await jobs.lapse_birthday_bonuses() == 0
    clock.now = datetime(2026, 6, 7, 12, 1, tzinfo=UTC)
    assert await jobs.lapse_birthday_bonuses() == 1
    assert await jobs.lapse_birthday_bonuses() == 0
    async with session.begin():
        await session.refresh(member)
        assert member.balance_minor == 1_000 + 500 - 200 - 300
    await check_ledger_invariant(session)


async def test_no_birthday_gift_while_the_staff_have_the_card_blocked(session, clock) -> None:
    warsaw = await make_merchant(session, clock)
    clock.now = datetime(2026, 4, 23, 12, 0, tzinfo=UTC)
    await opt_in(session, clock, warsaw, 1, "24.05")
    await opt_in(session, clock, warsaw, 2, "24.05")
    async with session.begin():
        await session.execute(
            update(Membership)
            .where(
                Membership.customer_id
                == select(Customer.id).where(Customer.telegram_id == 2).scalar_subquery()
            )
            .values(blocked_at=clock.now)
        )
    clock.now = datetime(2026, 5, 24, 8, 5, tzinfo=UTC)  # 10:05 in Warsaw
    assert await JobService(session, clock).birthday_offers() == 1
    assert await outbox(session, "birthday") == [1]  # the blocked member gets nothing
