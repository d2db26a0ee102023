"""Texts for the limits at the till: pauses, the merchant-wide lock and the daily cap (the
alerts about them go through the outbox: handlers/ui/notices/staff.py)."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.callbacks import CodesResume
from handlers.ui.render import money, time_of_day
from services.errors import DailyCapReached, SaleRefused


def _clock(when: datetime, timezone: str) -> str:
    return time_of_day(when, timezone)


def codes_locked_text(until: datetime, timezone: str) -> str:
    return _(
        "🔒 Code entry is locked here for safety: too many wrong codes in the last hour. "
        "The owners have been told. It reopens at {time}, or sooner if an owner or admin "
        "resumes it."
    ).format(time=_clock(until, timezone))


def cap_text(error: DailyCapReached) -> str:
    return _(
        "This sale would take the customer over the daily limit of {cap}. Left for today: {left}."
    ).format(
        cap=money(error.cap_minor, error.currency), left=money(error.left_minor, error.currency)
    )


def refusal_text(error: SaleRefused, fallback: str) -> str:
    """The daily cap's message with its amounts; any other refusal's `fallback`."""
    return cap_text(error) if isinstance(error, DailyCapReached) else fallback


def resume_keyboard(merchant_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("▶️ Resume code entry"),
                    callback_data=CodesResume(merchant_id=merchant_id).pack(),
                )
            ]
        ]
    )
