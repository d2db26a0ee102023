"""Limits at the till: wrong codes pause whoever typed them and can lock code entry at a whole
merchant (wrong_codes.py); a day's purchases are flagged at each multiple of a threshold and
capped per customer (daily.py).

Race safety on PostgreSQL: a code lookup that misses locks the merchant's row (`SELECT ...
FOR UPDATE`) and counts again, so misses at one merchant take turns: the counts each sees
include every committed wrong code, and no two slip under a limit. A lookup that finds its
customer only reads the counts (it adds no wrong code; one that a miss is about to lock out
may still get through, as if it came first). A confirmation holds the buyer's row lock
(TillRepo.draft_family) before it reads the customer's purchases of the day for the cap and
the thresholds, and also the merchant's row when a per-cashier threshold is set. On SQLite
every writing transaction takes turns anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from services.limits.daily import DaySale, needs_day, refuse_over_cap, threshold_flags
from services.limits.wrong_codes import LimitService, TillGuard

__all__ = [
    "DaySale",
    "LimitService",
    "TillGuard",
    "needs_day",
    "refuse_over_cap",
    "threshold_flags",
]
