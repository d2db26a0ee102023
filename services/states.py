"""The states the database stores, for the layers above it: handlers may not import db/.

Each is a StrEnum defined beside its table (db/models/) and stored as its value."""

from __future__ import annotations

from db.models import (
    CampaignStatus,
    LedgerReason,
    OutboxStatus,
    PreorderStatus,
    PurchaseStatus,
    StaffRole,
)

__all__ = [
    "CampaignStatus",
    "LedgerReason",
    "OutboxStatus",
    "PreorderStatus",
    "PurchaseStatus",
    "StaffRole",
]
