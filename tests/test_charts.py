"""Every chart, in every language, at phone size: no text (title, axis and tick labels,
legend, annotations) spills out of the picture, and a day or month not over yet is marked.

The figures are built from report objects like the ones the KPI tests compute, at a
demo-sized program, and again with the largest numbers and a long period, so that the
longest labels of each language are drawn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from db.models import VoucherSource
from handlers.i18n import create_i18n
from handlers.ui import chart_kit, charts, rewards_chart
from services.dto import MerchantView
from services.policy import LANGUAGES
from services.reports.cohorts import Cohorts, build_cohorts
from services.reports.figures import Nps, Ratio
from services.reports.periods import Period, add_months
from services.reports.points import PointsMonth, PointsReport, Uplift
from services.reports.ratings import Feedback
from services.reports.revenue import Series
from services.reports.rewards import RewardsReport, VoucherCounts, total
from services.reports.stats import Snapshot

TODAY = date(2026, 11, 22)
I18N = create_i18n("en")


def merchant(currency: str = "EUR") -> MerchantView:
    return MerchantView(
        id=1,
        slug="main",
        name="Kávézó és Cukrászda a Régi Piactér Sarkán — Belváros",
        currency=currency,
        timezone="Europe/Warsaw",
        default_language="hu",
        rules_version=1,
        code_ttl_seconds=600,
    )


def series(days: int, scale: int = 1, currency: str = "EUR") -> Series:
    period = Period(TODAY - timedelta(days=days - 1), TODAY, "Europe/Warsaw")
    monthly = days > 92
    points = []
    day = period.first_day.replace(day=1) if monthly else period.first_day
    i = 0
    while day <= TODAY:
        n = (3 + i % 5) * scale
        points.append((day, n, n * 1_850))
        day = add_months(day, 1) if monthly else day + timedelta(days=1)
        i += 1
    points[-1] = (points[-1][0], scale, 1_850 * scale)  # today so far: a small figure
    return Series(
        merchant=merchant(currency),
        period=period,
        monthly=monthly,
        points=tuple(points),
        weekdays=tuple((10 * scale + d, 18_500 * scale) for d in range(7)),
        months=tuple((0, 0) for _ in range(12)),
        mean_gap_days=Ratio(95, 10),
        partial=True,
    )


def cohorts(size: int = 4) -> Cohorts:
    months = [add_months(TODAY, -11 + i) for i in range(12)]
    sizes = [(c, size * (c + 1)) for c in range(12)]
    active = [
        (c, m, max(0, size * (c + 1) * (12 - (m - c)) // 14))
        for c in range(12)
        for m in range(c, 12)
    ]
    return build_cohorts(merchant(), months, sizes, active)


def feedback() -> Feedback:
    first = add_months(TODAY, -5)
    trend = tuple(
        (add_months(first, i), Ratio(4 * (i + 2) - i, i + 2), Nps(3 + i, 2, 1)) for i in range(6)
    )
    return Feedback(
        merchant=merchant(),
        period=Period(TODAY - timedelta(days=29), TODAY, "Europe/Warsaw"),
        stars={1: 2, 2: 1, 3: 4, 4: 12, 5: 30},
        csat=Ratio(180, 49),
        csat_good=Ratio(42, 49),
        nps=Nps(10, 3, 2),
        low=(),
        trend=trend,
        partial=True,
    )


def snapshot(scale: int = 1) -> Snapshot:
    r = Ratio(1, 2)
    return Snapshot(
        period=Period(date(2025, 12, 20), date(2026, 1, 18), "Europe/Warsaw"),
        members=9 * scale,
        new_members=4 * scale,
        new_by_source=(("referral", 2 * scale), ("", 2 * scale)),
        with_birthday=r,
        with_phone=r,
        opted_in=r,
        reachable=3,
        active=5,
        purchases=5,
        revenue=9_850,
        average_check=Ratio(9_850, 5),
        frequency=r,
        first_purchase=r,
        repeat_rate=r,
        retention=r,
        churn=r,
        referral_joins=2 * scale,
        effective_referrals=Ratio(scale, 2 * scale),
        referral_repeat=Ratio(scale // 2, 2 * scale),
        csat=Ratio(11, 4),
        csat_good=r,
        nps=Nps(2, 0, 1),
        issued=1_166,
        issued_by_reason=(("cashback", 1_166),),
        redeemed=100,
        expired=0,
        liability=1_299,
        redemption_rate=Ratio(100, 1_166),
        clv=Ratio(19_700, 5),
        value_12m=Ratio(19_700, 5),
    )


def points_report(scale: int = 1, currency: str = "EUR") -> PointsReport:
    months = tuple(
        PointsMonth(
            month=add_months(TODAY, -11 + i),
            issued=(300 + 40 * i) * scale,
            redeemed=(100 + 25 * i) * scale,
            expired=(20 * (i % 3)) * scale,
            outstanding=(1_000 + 200 * i) * scale,
        )
        for i in range(12)
    )
    return PointsReport(merchant(currency), snapshot(scale), months, Uplift(3, 4_000, 9_000))


def rewards_report(scale: int = 1) -> RewardsReport:
    sources = tuple(
        VoucherCounts(source, 40 * scale, 25 * scale, 9 * scale, 6 * scale, 9_000 * scale)
        for source in VoucherSource
    )
    period = Period(TODAY - timedelta(days=29), TODAY, "Europe/Warsaw")
    return RewardsReport(
        merchant(), period, sources, total(sources), 12_000, 12_000, 9_000, 3, (), 0, ()
    )


CASES: dict[str, Callable[[], Any]] = {
    "revenue-30": lambda: charts.revenue_figure(series(30)),
    "revenue-365-huf": lambda: charts.revenue_figure(series(365, 900, "HUF")),
    "revenue-7": lambda: charts.revenue_figure(series(7)),
    "cohorts": lambda: charts.cohort_figure(cohorts()),
    "cohorts-big": lambda: charts.cohort_figure(cohorts(4_000)),
    "cohorts-empty": lambda: charts.cohort_figure(
        build_cohorts(merchant(), [TODAY.replace(day=1)], [], [])
    ),
    "ratings": lambda: charts.ratings_figure(feedback()),
    "referrals": lambda: charts.funnel_figure(snapshot()),
    "referrals-big": lambda: charts.funnel_figure(snapshot(100_000)),
    "points": lambda: charts.points_figure(points_report()),
    "points-big-huf": lambda: charts.points_figure(points_report(10_000, "HUF")),
    "rewards": lambda: rewards_chart.rewards_figure(rewards_report()),
    "rewards-big": lambda: rewards_chart.rewards_figure(rewards_report(10_000)),
    "rewards-none": lambda: rewards_chart.rewards_figure(
        RewardsReport(merchant(), rewards_report().period, (), total(()), 0, 0, 0, 0, (), 0, ())
    ),
}


@pytest.fixture
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    with I18N.context(), I18N.use_locale(request.param):
        yield request.param


@pytest.mark.parametrize("language", LANGUAGES, indirect=True)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_text_is_inside_the_picture(language: str, case: str) -> None:
    figure = CASES[case]()
    width, height = figure.bbox.width, figure.bbox.height
    assert (width, height) == (1200, 900)  # phone width, sharp
    spilled = chart_kit.outside(figure)
    assert not spilled, [(t.get_text(), t.get_window_extent()) for t in spilled]
    shown = [t.get_text() for t in chart_kit.texts(figure)]
    assert any(len(line) > 3 for line in shown)  # there is lettering at all


def _legend(figure: Any) -> list[str]:
    return [
        t.get_text() for axes in figure.axes if axes.get_legend() for t in axes.get_legend().texts
    ]


def test_today_and_this_month_are_marked_as_not_over() -> None:
    with I18N.context(), I18N.use_locale("en"):
        daily = charts.revenue_figure(series(30))
        assert "today so far" in _legend(daily)
        last = daily.axes[0].patches[29]
        alpha = last.get_alpha()
        assert last.get_hatch() and alpha is not None and alpha < 1
        assert not daily.axes[0].patches[28].get_hatch()
        yearly = charts.revenue_figure(series(365))
        assert {"month so far", "part of the month"} <= set(_legend(yearly))
        labels = [t.get_text() for t in yearly.axes[0].get_xticklabels()]
        assert labels[0] == "Nov\n2025" and labels[2] == "Jan\n2026" and labels[1] == "Dec"
        assert "month so far" in _legend(charts.points_figure(points_report()))
        assert "month so far" in _legend(charts.cohort_figure(cohorts()))
        ratings = charts.ratings_figure(feedback())
        assert ratings.axes[1].get_xticklabels()[-1].get_text() == "Nov\nso far"


def test_points_chart_names_its_two_axes() -> None:
    with I18N.context(), I18N.use_locale("en"):
        figure = charts.points_figure(points_report())
        left, right = figure.axes[0], figure.axes[1]
        assert left.get_ylabel() == "Points per month"
        assert right.get_ylabel() == "Value of the points outstanding"
        assert right.yaxis.get_major_formatter()(1_000, 0) == "€10"


def test_heat_map_text_reads_on_dark_and_light_cells() -> None:
    assert chart_kit.contrast((0.09, 0.31, 0.65, 1)) == "white"
    assert chart_kit.contrast((0.95, 0.95, 0.96, 1)) == "black"
    with I18N.context(), I18N.use_locale("en"):
        figure = charts.cohort_figure(cohorts())
        cells = [t for t in figure.axes[0].texts if t.get_text().isdigit()]
        assert cells and min(t.get_fontproperties().get_size_in_points() for t in cells) >= 11
        assert {t.get_color() for t in cells} == {"white", "black"}


def test_no_chart_leaves_a_long_title_cut() -> None:
    """A title far longer than the picture is wrapped onto more lines, never cut."""
    with I18N.context(), I18N.use_locale("hu"):
        figure, axes = chart_kit.new_figure()
        axes.set_title("Nagyon hosszú cím " * 12)
        chart_kit.fit(figure)
        assert not chart_kit.outside(figure)
        assert "\n" in axes.title.get_text()


if __name__ == "__main__":  # python -m tests.test_charts: the PNGs in /tmp, to look at
    for code in LANGUAGES:
        with I18N.context(), I18N.use_locale(code):
            for name, make in CASES.items():
                figure = make()
                figure.savefig(f"/tmp/chart-{name}-{code}.png")
