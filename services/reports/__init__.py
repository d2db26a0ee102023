"""The merchant's reports: one implementation of each KPI in ../shared/KPI.md, shared by the
chat text, the charts, the weekly digest (services/jobs/weekly_digest.py) and the exports.

One room a report: stats.py (/stats, every KPI), revenue.py, cohorts.py, ratings.py, points.py,
campaigns.py and rewards.py with promotion_hours.py (/kpi and /campaigns); periods.py (which
days), figures.py (exact rates), access.py (who may read them). Rates are kept as exact
fractions (Ratio), so a test can check 2/3 and the chat shows 67 %.
"""

from __future__ import annotations

from services.reports.campaigns import CampaignReports
from services.reports.coalition import CoalitionReports
from services.reports.cohorts import CohortReports
from services.reports.points import PointsReports
from services.reports.ratings import RatingReports
from services.reports.revenue import RevenueReports
from services.reports.rewards import RewardsReports
from services.reports.stats import StatsReports


# StatsReports comes last: PointsReports builds on it (its totals are a /stats snapshot).
class ReportService(
    RevenueReports,
    CohortReports,
    RatingReports,
    PointsReports,
    CampaignReports,
    RewardsReports,
    CoalitionReports,
    StatsReports,
):
    """Every report of a merchant, for its admins and the owners."""


__all__ = ["ReportService"]
