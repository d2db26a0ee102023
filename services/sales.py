"""Purchases at the till, as handlers receive them: one SaleService with every use case.

Each use case lives in its own module; this only puts them together (and re-exports what they
return, for the renderers):

    services/till.py          the seller's check, the customer by code, quote, draft, cancel
    services/purchases.py     confirm: a draft becomes a purchase exactly once
    services/refunds.py       refund preview and refund (refund_referrals.py, refund_levels.py)
    services/ratings.py       stars, comments, low-rating alerts
    services/day_report.py    today's sales for staff

Money moves in these, so each step is one transaction, guarded by conditional updates and
unique keys: a second Confirm, a network retry or a second cashier finds the work already done.
What a purchase or a refund posts is the pure policy's (services/policy/settlement.py).
"""

from __future__ import annotations

from services.day_report import DayReport, DayReportService, SaleLine
from services.purchases import PurchaseService, SaleResult
from services.ratings import RatingService
from services.refunds import RefundPreview, RefundResult, RefundService
from services.till import Quote, SaleDraft, Till, TillService, points_choices

__all__ = [
    "DayReport",
    "Quote",
    "RefundPreview",
    "RefundResult",
    "SaleDraft",
    "SaleLine",
    "SaleResult",
    "SaleService",
    "Till",
    "points_choices",
]


class SaleService(TillService, PurchaseService, RefundService, RatingService, DayReportService):
    """The till's use cases on one session (bot/middlewares.py builds one per update)."""
