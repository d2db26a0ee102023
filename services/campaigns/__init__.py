"""Promo pushes: what an admin composes (content.py), queueing, progress and cancelling
(sending.py), and what the sender asks about them (delivery.py)."""

from __future__ import annotations

from services.campaigns.sending import CampaignService

__all__ = ["CampaignService"]
