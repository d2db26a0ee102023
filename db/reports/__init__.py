"""Aggregations behind the merchant's reports, one module per family, all reachable through
ReportRepo; and the CSV exports' queries (ExportRepo). Every number is counted in SQL: Python
gets totals, or one row per time bucket, never one row per purchase.

Totals over time and who bought when are read from the summaries (db/models/summary.py): the
hour summary (flows.py) and the member summary (history.py); the rest from the tables.

Shared meanings (services/reports/ documents them for the merchant):
- a purchase counts when it is confirmed and not wholly refunded; its revenue is its amount
  less what was refunded;
- a period is a half-open range [start, end) of UTC instants;
- an erased member's purchases stay in the merchant's accounts.
"""

from db.reports.base import DAY
from db.reports.coalition import CoalitionQueries
from db.reports.exports import ExportRepo
from db.reports.feedback import FeedbackReports
from db.reports.flows import Flows, points_of, stars_of
from db.reports.history import HistoryReports
from db.reports.members import MemberReports
from db.reports.messages import MessageReports
from db.reports.purchases import PurchaseReports
from db.reports.rewards import RewardReports
from db.reports.vouchers import VoucherReports


class ReportRepo(
    MemberReports,
    HistoryReports,
    PurchaseReports,
    RewardReports,
    FeedbackReports,
    MessageReports,
    VoucherReports,
    CoalitionQueries,
):
    """Every report query, over one session."""


__all__ = ["DAY", "ExportRepo", "Flows", "ReportRepo", "points_of", "stars_of"]
