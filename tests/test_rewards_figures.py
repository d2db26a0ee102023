"""The pure rules of the rewards report: a promotion's hours as UTC windows (weekdays, hours
past midnight, date ranges, clocks changing), the uplift of its hours, the vouchers'
redemption rate, promotions' extra points, and the promotions export's weekdays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from db.models import VoucherSource
from services.export_rewards import weekdays_iso
from services.policy.promotions import PromotionRule
from services.reports.figures import Ratio
from services.reports.promotion_hours import (
    HoursUplift,
    baseline,
    first_day,
    minutes,
    windows,
)
from services.reports.rewards import (
    VoucherCounts,
    promotion_points,
    redemption_rate,
    total,
)

WARSAW = "Europe/Warsaw"
TUESDAY = 0b10


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def rule(**changes: object) -> PromotionRule:
    return PromotionRule(1, "Happy hours", **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("promotion", "first", "last", "until", "expected"),
    [
        # Tuesdays 15-17 in November (winter time, UTC+1): 3, 10 and 17 Nov.
        (
            rule(weekdays=TUESDAY, start_minute=900, end_minute=1020),
            date(2026, 11, 1),
            date(2026, 11, 17),
            None,
            [(utc(11, d, 14), utc(11, d, 16)) for d in (3, 10, 17)],
        ),
        # Summer time (UTC+2) on 20 Oct, winter time on 27 Oct: the same local hours.
        (
            rule(weekdays=TUESDAY, start_minute=900, end_minute=1020),
            date(2026, 10, 20),
            date(2026, 10, 27),
            None,
            [(utc(10, 20, 13), utc(10, 20, 15)), (utc(10, 27, 14), utc(10, 27, 16))],
        ),
        # Past midnight: Friday 22:00 to Saturday 02:00 belongs to Friday.
        (
            rule(weekdays=0b1_0000, start_minute=22 * 60, end_minute=120),
            date(2026, 11, 20),
            date(2026, 11, 21),
            None,
            [(utc(11, 20, 21), utc(11, 21, 1))],
        ),
        # All day, within the promotion's own dates, cut where the report stops.
        (
            rule(starts_on=date(2026, 11, 21), ends_on=date(2026, 11, 30)),
            date(2026, 11, 1),
            date(2026, 11, 22),
            utc(11, 22, 12),
            [(utc(11, 20, 23), utc(11, 22, 12))],
        ),
        # Nothing of it yet: hours that begin after `until` are not there.
        (rule(), date(2026, 11, 23), date(2026, 11, 23), utc(11, 22, 12), []),
        # A promotion that ended before the days asked for.
        (rule(ends_on=date(2026, 10, 31)), date(2026, 11, 1), date(2026, 11, 5), None, []),
    ],
)
def test_windows(
    promotion: PromotionRule,
    first: date,
    last: date,
    until: datetime | None,
    expected: list[tuple[datetime, datetime]],
) -> None:
    assert windows(promotion, first, last, WARSAW, until) == expected


def test_the_night_the_clocks_go_back_has_25_hours() -> None:
    found = windows(rule(), date(2026, 10, 25), date(2026, 10, 25), WARSAW)
    assert minutes(found) == 25 * 60


def test_baseline_is_the_same_hours_of_the_four_weeks_before() -> None:
    promotion = rule(
        weekdays=TUESDAY,
        start_minute=900,
        end_minute=1020,
        starts_on=date(2026, 11, 3),
        ends_on=date(2026, 11, 10),
    )
    before = baseline(promotion, date(2026, 11, 3), WARSAW)
    assert [opens.date() for opens, _ in before] == [
        date(2026, 10, 6),
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
    ]
    assert minutes(before) == 4 * 120


@pytest.mark.parametrize(
    ("starts_on", "created", "began"),
    [
        (None, date(2026, 11, 3), date(2026, 11, 3)),
        (date(2026, 11, 10), date(2026, 11, 3), date(2026, 11, 10)),
        (date(2026, 10, 1), date(2026, 11, 3), date(2026, 11, 3)),  # it earned nothing before
    ],
)
def test_first_day(starts_on: date | None, created: date, began: date) -> None:
    assert first_day(rule(starts_on=starts_on), created) == began


@pytest.mark.parametrize(
    ("uplift", "ratio", "percent"),
    [
        (HoursUplift(3, 360, 2, 480, True), Ratio(1440, 720), 100),
        (HoursUplift(1, 120, 2, 480, True), Ratio(480, 240), 100),
        (HoursUplift(3, 600, 4, 600, True), Ratio(1800, 2400), -25),
        (HoursUplift(0, 600, 4, 600, True), Ratio(0, 2400), -100),
        (HoursUplift(2, 300, 3, 400, True), Ratio(800, 900), -11),  # -11.1
        (HoursUplift(5, 600, 3, 400, True), Ratio(2000, 1800), 11),  # +11.1
        (HoursUplift(9, 600, 8, 600, True), Ratio(5400, 4800), 13),  # 12.5: half away
        # Not enough data: the program is younger than the four weeks before...
        (HoursUplift(3, 360, 2, 480, False), None, None),
        # ...nothing was bought in those hours before, or the hours have not come yet.
        (HoursUplift(3, 360, 0, 480, True), None, None),
        (HoursUplift(0, 0, 2, 480, True), None, None),
    ],
)
def test_hours_uplift(uplift: HoursUplift, ratio: Ratio | None, percent: int | None) -> None:
    assert uplift.ratio == ratio
    assert uplift.percent == percent


@pytest.mark.parametrize(
    ("redeemed", "lapsed", "rate"),
    [(4, 2, Ratio(4, 6)), (0, 3, Ratio(0, 3)), (0, 0, Ratio(0, 0)), (5, 0, Ratio(5, 5))],
)
def test_redemption_rate(redeemed: int, lapsed: int, rate: Ratio) -> None:
    assert redemption_rate(redeemed, lapsed) == rate


def test_total_of_sources() -> None:
    rows = (
        VoucherCounts(VoucherSource.CLAIM, 4, 3, 1, 1, 800, 300),
        VoucherCounts(VoucherSource.STAMPS, 2, 1, 0, 1, 0, 0),
    )
    assert total(rows) == VoucherCounts(None, 6, 4, 1, 2, 800, 300)
    assert total(()).redemption_rate.value is None


@pytest.mark.parametrize(
    ("points", "extra"),
    [
        ({}, 0),
        ({"promotion": 150, "cashback": 500}, 150),
        ({"promotion": 150, "promotion_reversed": -25}, 125),
        ({"promotion_reversed": -25}, -25),  # a refund of an earlier period's purchase
    ],
)
def test_promotion_points(points: dict[str, int], extra: int) -> None:
    assert promotion_points(points) == extra


@pytest.mark.parametrize(
    ("mask", "text"),
    [(0b111_1111, "1 2 3 4 5 6 7"), (0b10, "2"), (0b110_0000, "6 7"), (0b1_0001, "1 5")],
)
def test_weekdays_iso(mask: int, text: str) -> None:
    assert weekdays_iso(mask) == text
