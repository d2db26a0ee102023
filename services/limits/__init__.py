"""Limits at the till: wrong codes pause whoever typed them and can lock code entry at a whole
merchant (wrong_codes.py); a day's purchases are flagged at each multiple of a threshold and
capped per customer (daily.py).

Race safety on PostgreSQL: a code lookup first locks the merchant's row (`SELECT ... FOR
UPDATE`), so lookups at one merchant take turns: the counts a lookup sees include every
committed wrong code, and no two lookups both slip under a limit. A confirmation holds the
buyer's row lock (SaleService._lock_family) before it checks the daily cap and the customer's
thresholds, and also the merchant's row when a per-cashier threshold is set. On SQLite every
writing transaction takes turns anyway (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from services.limits.daily import check_daily_cap, threshold_flags
from services.limits.wrong_codes import LimitService, TillGuard

__all__ = ["LimitService", "TillGuard", "check_daily_cap", "threshold_flags"]
