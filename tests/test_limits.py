"""Limits at the till through the services: pauses for every role, the merchant-wide lock on
wrong codes, daily thresholds at each multiple, the daily cap; and the policy behind them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from db.models import AuditLog, Merchant, Outbox, Purchase
from services.errors import (
    CodeInvalid,
    CodesLocked,
    DailyCapReached,
    DomainError,
    NotStaff,
    StaffPaused,
)
from services.limits.daily import cap_left, local_day_start, multiple_crossed
from services.limits.wrong_codes import LimitService, lock_since, pause_since
from services.notices import DailyFlag
from services.sales import SaleService
from tests.factories import (
    five_wrong_codes,
    in_own_session,
    issue_code,
    make_member,
    make_merchant,
    make_staff,
)

OWNER = 1
CASHIER = 900
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


# --- policy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "threshold", "crossed"),
    [
        (3, 4, 5, 0),
        (4, 5, 5, 1),  # the 5th purchase
        (5, 6, 5, 0),
        (9, 10, 5, 2),  # the 10th
        (14, 15, 5, 3),  # the 15th
        (900, 1_200, 1_000, 1),  # an amount passing 1 x 10.00
        (1_000, 1_999, 1_000, 0),  # already past 1 x, not yet 2 x
        (1_500, 3_500, 1_000, 3),  # one sale jumping two multiples: flagged once, with the top
        (0, 1_000, 1_000, 1),  # exactly reaching counts
        (4, 5, None, 0),  # off
        (4, 5, 0, 0),  # off
        (5, 4, 5, 0),  # going down (a refund) never flags
    ],
)
def test_multiple_crossed(before: int, after: int, threshold: int | None, crossed: int) -> None:
    assert multiple_crossed(before, after, threshold) == crossed


@pytest.mark.parametrize(
    ("cap", "spent", "left"), [(None, 5_000, None), (3_000, 0, 3_000), (3_000, 3_500, 0)]
)
def test_cap_left(cap: int | None, spent: int, left: int | None) -> None:
    assert cap_left(cap, spent) == left


def test_windows_start_after_a_resume_or_a_pause() -> None:
    tick = timedelta(microseconds=1)
    assert lock_since(T0, None) == T0 - timedelta(hours=1) + tick
    assert lock_since(T0, T0 - timedelta(minutes=5)) == T0 - timedelta(minutes=5) + tick
    assert lock_since(T0, T0 - timedelta(hours=3)) == T0 - timedelta(hours=1) + tick
    assert pause_since(T0, None) == T0 - timedelta(minutes=10)
    last = T0 - timedelta(minutes=3)
    assert pause_since(T0, last) == last + timedelta(microseconds=1)


def test_the_day_is_the_merchants_local_day() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Warsaw
    assert local_day_start(late, "Europe/Warsaw") == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert local_day_start(late, "UTC") == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
async def shop(session, clock):
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, CASHIER)
    await make_staff(session, clock, merchant, 950, role="admin", name="Boss")
    return merchant


async def configure(session, merchant_id: int, **values: object) -> None:
    async with session.begin():
        await session.execute(update(Merchant).where(Merchant.id == merchant_id).values(**values))


def sales(session, clock):
    return SaleService(session, (OWNER,), clock)


async def sell(session, clock, merchant, tg, amount, seller=CASHIER):
    code = await issue_code(session, clock, merchant, tg)
    service = sales(session, clock)
    draft = await service.prepare(merchant.id, seller, code, amount, 0, None)
    result = await service.confirm(merchant.id, seller, draft.key)
    clock.advance(minutes=1)
    return result


async def count(session, statement) -> int:
    async with session.begin():
        return int(await session.scalar(statement) or 0)


# --- pauses for everyone -------------------------------------------------------------------


async def test_an_owner_is_paused_like_anyone(session, clock, shop) -> None:
    service = sales(session, clock)
    error = await five_wrong_codes(service, shop.id, OWNER, "11111")
    assert error.until == clock.now + timedelta(minutes=10)
    with pytest.raises(StaffPaused) as paused:
        await service.find_customer(shop.id, OWNER, "123456")
    assert paused.value.until == clock.now + timedelta(minutes=10)
    with pytest.raises(StaffPaused):
        await service.start(shop.id, OWNER)
    alerts = await count(
        session, select(func.count()).select_from(Outbox).where(Outbox.kind == "staff_paused")
    )
    assert alerts == 2  # the admin and the owner
    clock.advance(minutes=10, seconds=1)
    await make_member(session, clock, shop, 5)
    code = await issue_code(session, clock, shop, 5)
    assert (await service.find_customer(shop.id, OWNER, code)).first_name == "User5"
    # The codes before the pause do not count again: four more wrong ones do not pause.
    for _ in range(4):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(shop.id, OWNER, "222222")
        assert not error.value.paused


# --- the merchant-wide lock ------------------------------------------------------------------


async def test_wrong_codes_of_several_cashiers_lock_the_merchant(session, clock, shop) -> None:
    await configure(session, shop.id, wrong_codes_hour_limit=6)
    for tg in (901, 902):
        await make_staff(session, clock, shop, tg, name=f"C{tg}")
    service = sales(session, clock)
    await make_member(session, clock, shop, 5)
    results = []
    for seller in (CASHIER, 901, 902, CASHIER, 901, 902):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(shop.id, seller, "000001")
        results.append(error.value.locked_until)
        clock.advance(minutes=2)
    assert results[:5] == [None] * 5 and results[5] is not None
    assert results[5] == T0 + timedelta(hours=1)  # when the first wrong code ages out
    code = await issue_code(session, clock, shop, 5)
    for person in (CASHIER, 901, OWNER, 950):  # nobody may look codes up, right ones neither
        with pytest.raises(CodesLocked):
            await service.find_customer(shop.id, person, code)
    locks = select(func.count()).select_from(Outbox).where(Outbox.kind == "codes_locked")
    assert await count(session, locks) == 2  # one alert each to the admin and the owner
    limits = LimitService(session, (OWNER,), clock)
    for stranger in (CASHIER, 5, 777):
        with pytest.raises(NotStaff):
            await limits.resume_codes(shop.id, stranger)
    assert await limits.resume_codes(shop.id, 950) is True
    assert await limits.resume_codes(shop.id, OWNER) is False  # a second press: harmless
    assert (await service.find_customer(shop.id, 901, code)).first_name == "User5"
    actions = select(AuditLog.action).where(AuditLog.action.in_(("codes_locked", "codes_resumed")))
    async with session.begin():
        assert sorted((await session.scalars(actions)).all()) == ["codes_locked", "codes_resumed"]
    # Counting starts again after the resume: the next lock is a new one, with a new alert.
    clock.advance(seconds=1)
    for _ in range(5):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(shop.id, OWNER, "000002")
        assert error.value.locked_until is None
        clock.advance(seconds=1)
    await make_staff(session, clock, shop, 903, name="C903")
    with pytest.raises(CodeInvalid) as error:
        await service.find_customer(shop.id, 903, "000003")
    assert error.value.locked_until is not None
    assert await count(session, locks) == 4


async def test_a_lock_clears_when_the_hour_passes(session, clock, shop) -> None:
    await configure(session, shop.id, wrong_codes_hour_limit=3)
    service = sales(session, clock)
    for _ in range(3):
        with pytest.raises(CodeInvalid):
            await service.find_customer(shop.id, OWNER, "000001")
        clock.advance(minutes=1)
    with pytest.raises(CodesLocked) as locked:
        await service.find_customer(shop.id, CASHIER, "000001")
    assert locked.value.until == T0 + timedelta(hours=1)
    clock.now = T0 + timedelta(hours=1)
    with pytest.raises(CodeInvalid) as error:  # the first wrong code has aged out
        await service.find_customer(shop.id, CASHIER, "000001")
    assert error.value.locked_until is not None  # ... and this one makes three again
    # The same lock episode within the hour is not announced twice.
    locks = select(func.count()).select_from(Outbox).where(Outbox.kind == "codes_locked")
    assert await count(session, locks) == 2


async def test_the_lock_can_be_turned_off(session, clock, shop) -> None:
    await configure(session, shop.id, wrong_codes_hour_limit=0)
    service = sales(session, clock)
    for tg in range(910, 920):
        await make_staff(session, clock, shop, tg, name=f"C{tg}")
        for _ in range(4):  # forty in all, none of them paused
            with pytest.raises(CodeInvalid) as error:
                await service.find_customer(shop.id, tg, "000001")
            assert error.value.locked_until is None and not error.value.paused


async def test_wrong_codes_at_once_stop_exactly_at_the_limit(
    session_factory, session, clock, shop
) -> None:
    await configure(session, shop.id, wrong_codes_hour_limit=5)
    cashiers = list(range(910, 922))
    for tg in cashiers:
        await make_staff(session, clock, shop, tg, name=f"C{tg}")

    async def attempt(tg: int) -> DomainError:
        async with session_factory() as s:
            try:
                await SaleService(s, (OWNER,), clock).find_customer(shop.id, tg, "000001")
            except DomainError as error:
                return error
        raise AssertionError("a wrong code was accepted")

    results = await asyncio.gather(*[attempt(tg) for tg in cashiers])
    wrong = select(func.count()).select_from(AuditLog).where(AuditLog.action == "wrong_code")
    assert await count(session, wrong) == 5
    assert sum(isinstance(r, CodeInvalid) for r in results) == 5
    assert sum(isinstance(r, CodesLocked) for r in results) == 7
    locks = select(func.count()).select_from(Outbox).where(Outbox.kind == "codes_locked")
    assert await count(session, locks) == 2


# --- daily thresholds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "settings", "amount", "customers", "flagged"),
    [
        ("daily_flag", {"daily_purchases_flag": 5}, 500, 1, [5, 10, 15]),
        ("daily_amount_flag", {"daily_amount_flag_minor": 2_000}, 400, 1, [5, 10, 15]),
        ("staff_daily_flag", {"staff_daily_purchases_flag": 5}, 500, 3, [5, 10, 15]),
        ("staff_amount_flag", {"staff_daily_amount_flag_minor": 1_000}, 500, 2, [2, 4, 6, 8]),
        (
            "daily_amount_flag",
            {"daily_amount_flag_minor": 1_000},
            750,
            1,
            [2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15],
        ),
    ],
)
async def test_each_threshold_flags_every_time_it_is_crossed(
    session, clock, shop, kind, settings, amount, customers, flagged
) -> None:
    await configure(session, shop.id, **{"daily_purchases_flag": 0, **settings})
    for tg in range(1, customers + 1):
        await make_member(session, clock, shop, tg)
    hits = []
    for n in range(1, 16 if kind != "staff_amount_flag" else 9):
        result = await sell(session, clock, shop, 1 + (n - 1) % customers, amount)
        alerts = [a for a in result.notices if a.kind == kind]
        if alerts:
            hits.append(n)
            assert sorted(a.telegram_id for a in alerts) == [OWNER, 950]
            data = alerts[0].body
            assert isinstance(data, DailyFlag)
            assert data.purchase_id == result.purchase_id
            assert data.limit == next(iter(settings.values()))
            if kind.startswith("staff_"):
                assert data.staff == "Kasia" and data.count == n
                assert data.amount == n * amount
    assert hits == flagged
    flags = select(func.count()).select_from(AuditLog).where(AuditLog.action == "daily_flag")
    assert await count(session, flags) == len(flagged)
    queued = select(func.count()).select_from(Outbox).where(Outbox.kind == kind)
    assert await count(session, queued) == 2 * len(flagged)


async def test_thresholds_count_the_local_day_and_a_default_of_five(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    clock.now = datetime(2026, 3, 10, 22, 50, tzinfo=UTC)  # 23:50 in Warsaw
    for _ in range(4):
        await sell(session, clock, shop, 1, 500)
    clock.now = datetime(2026, 3, 10, 23, 5, tzinfo=UTC)
    # It is now past midnight in Warsaw: a new day, so the 5th sale overall is the 1st today.
    fifth = await sell(session, clock, shop, 1, 500)
    assert [n.kind for n in fifth.notices if n.kind == "daily_flag"] == []


# --- the daily cap -------------------------------------------------------------------------


async def test_the_daily_cap_refuses_at_the_preview_with_what_is_left(
    session, clock, shop
) -> None:
    await configure(session, shop.id, daily_amount_cap_minor=3_000)
    await make_member(session, clock, shop, 1)
    first = await sell(session, clock, shop, 1, 2_000)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    with pytest.raises(DailyCapReached) as refused:
        await service.prepare(shop.id, CASHIER, code, 1_500, 0, None)
    assert (refused.value.left_minor, refused.value.cap_minor) == (1_000, 3_000)
    assert refused.value.reason == "daily_cap"
    # A refund makes room again: refunded amounts don't count.
    await service.refund(shop.id, CASHIER, first.purchase_id, "10.00")
    draft = await service.prepare(shop.id, CASHIER, code, 2_000, 0, None)
    await service.confirm(shop.id, CASHIER, draft.key)
    code = await issue_code(session, clock, shop, 1)
    with pytest.raises(DailyCapReached) as refused:
        await service.prepare(shop.id, CASHIER, code, 1, 0, None)
    assert refused.value.left_minor == 0
    # The next local day starts from zero.
    clock.now = datetime(2026, 3, 10, 23, 1, tzinfo=UTC)
    code = await issue_code(session, clock, shop, 1)
    assert (await service.prepare(shop.id, CASHIER, code, 3_000, 0, None)).amount_minor == 3_000


async def test_two_confirms_at_once_cannot_both_pass_the_cap(
    session_factory, session, clock, shop, monkeypatch
) -> None:
    """Two previews of one customer confirmed at once, each alone within the cap.

    A member holds one code at a time, so today the code's conditional update already stops
    the second; here every code counts as unused (as a second valid code, a pre-order's,
    would be), so only the cap's own locking stands between the two."""
    from db.repositories import PaymentCodeRepo

    async def always_unused(self, membership_id, code, now) -> bool:
        return True

    monkeypatch.setattr(PaymentCodeRepo, "use", always_unused)
    await configure(session, shop.id, daily_amount_cap_minor=3_000)
    await make_staff(session, clock, shop, 901, name="Ola")
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    a = await service.prepare(shop.id, CASHIER, code, 2_000, 0, None)
    b = await service.prepare(shop.id, 901, code, 1_500, 0, None)  # each passes the preview

    async def confirm(seller: int, key: str) -> object:
        return await in_own_session(
            session_factory,
            lambda s: SaleService(s, (OWNER,), clock).confirm(shop.id, seller, key),
        )

    results = await asyncio.gather(confirm(CASHIER, a.key), confirm(901, b.key))
    refused = [r for r in results if isinstance(r, DailyCapReached)]
    assert len(refused) == 1, results
    assert refused[0].left_minor == 3_000 - (2_000 if results[0] is not refused[0] else 1_500)
    confirmed = select(func.sum(Purchase.amount_minor)).where(Purchase.status == "confirmed")
    assert await count(session, confirmed) <= 3_000
