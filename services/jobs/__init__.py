"""What the scheduler runs. Jobs only write rows (the sender sends) and are idempotent: run
twice for the same day, they enqueue once; run late, they catch up.

One room a job: birthday_gifts.py, weekly_digest.py, points_expiry.py, cart_reminders.py,
nps_survey.py (with the answers to it), housekeeping.py (the lease, old update records).
"""

from __future__ import annotations

from services.jobs.base import CART_REMINDERS
from services.jobs.birthday_gifts import BirthdayGifts
from services.jobs.cart_reminders import CartReminders
from services.jobs.certificate_expiry import CertificateExpiry
from services.jobs.housekeeping import Housekeeping
from services.jobs.nps_survey import NpsSurveys
from services.jobs.points_expiry import PointsExpiry, months_before
from services.jobs.voucher_lapse import VoucherLapses
from services.jobs.weekly_digest import WeeklyDigests


class JobService(
    BirthdayGifts,
    WeeklyDigests,
    PointsExpiry,
    CartReminders,
    NpsSurveys,
    Housekeeping,
    VoucherLapses,
    CertificateExpiry,
):
    """Every job of the scheduler (bot/scheduler.py runs them by name), and the NPS answers."""


__all__ = ["CART_REMINDERS", "JobService", "months_before"]
