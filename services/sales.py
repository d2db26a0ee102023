"""Purchases at the till, as handlers receive them: one SaleService with every use case.

Each use case lives in its own module; this only puts them together (and re-exports what they
return, for the renderers):

    services/till.py          the seller's check, the customer by code, quote, the form's steps
                              and the draft (the lookup: till_lookup.py)
    services/till_drafts.py   an open draft re-priced, checked or cancelled
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
from services.refund_results import RefundPreview, RefundResult
from services.refunds import RefundService
from services.till import Quote, SaleDraft, Till, TillStep, points_choices
from services.till_drafts import DraftService

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
    "TillStep",
    "points_choices",
]


class SaleService(DraftService, PurchaseService, RefundService, RatingService, DayReportService):
    """The till's use cases on one session (bot/middlewares.py builds one per update)."""
