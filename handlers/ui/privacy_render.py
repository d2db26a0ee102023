"""A member's data file: the service's dict with readable labels in the member's language."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.ui.render import (
    LANGUAGE_NAMES,
    LEDGER_REASONS,
    N_,
    birthday_text,
    money,
    points,
    translated_level,
)
from services.dto import Birthday

# Reasons /history does not name yet; LEDGER_REASONS wins where both do.
_REASONS = {
    "cashback_reversed": N_("Cashback taken back"),
    "referral_reversed": N_("Friend's purchase refunded"),
    "clawback": N_("Taken back after a refund"),
    "forfeit": N_("Given up on leaving the program"),
    **LEDGER_REASONS,
}
# Purchases, pre-orders and messages: their values do not overlap in meaning.
_STATUSES = {
    "draft": N_("Not confirmed"),
    "confirmed": N_("Confirmed"),
    "open": N_("Waiting for pickup"),
    "completed": N_("Collected"),
    "pending": N_("Waiting to be sent"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "failed": N_("Not delivered"),
    "blocked": N_("Not delivered: the bot was blocked"),
    "cancelled": N_("Cancelled"),
}
_KINDS = {
    "receipt": N_("Receipt for a purchase"),
    "referral_reward": N_("Reward for a friend's purchase"),
    "refund": N_("Refund"),
    "referral_reversed": N_("A friend's purchase refunded: reward taken back"),
    "birthday": N_("Birthday gift"),
    "push": N_("News and offers"),
    "cart_reminder": N_("Cart reminder"),
    "nps": N_("Question: would you recommend us?"),
    "expired": N_("Points expired"),
    "expiry_warning": N_("Points about to expire"),
    "low_rating": N_("Staff alert: a low rating"),
    "daily_flag": N_("Staff alert: many purchases in a day"),
    "new_order": N_("Staff alert: a new pre-order"),
    "staff_paused": N_("Staff alert: a cashier paused"),
    "push_done": N_("Staff report: a push was sent"),
    "digest": N_("Staff report: the weekly digest"),
}
_ROLES = {"staff": N_("cashier"), "admin": N_("admin")}
_CERTIFICATES = {
    "open": N_("Not used yet"),
    "redeemed": N_("Used"),
    "expired": N_("Expired unused"),
    "cancelled": N_("Cancelled"),
}


def _label(table: dict[str, str], code: object, other: str) -> str:
    found = table.get(str(code))
    return _(found) if found else other


def _labels(key: str, value: Any, row: dict[str, Any]) -> dict[str, str]:
    """The readable companions of one field, by its key."""
    if value is None:
        return {}
    if key == "reason":
        return {"reason_label": _label(_REASONS, value, _("Other"))}
    if key == "status":
        return {"status_label": _label(_STATUSES, value, _("Other"))}
    if key == "certificate_status":
        return {"certificate_status_label": _label(_CERTIFICATES, value, _("Other"))}
    if key == "kind":
        return {"kind_label": _label(_KINDS, value, _("Message"))}
    if key == "role":
        return {"role_label": _label(_ROLES, value, _("Other"))}
    if key == "language" or key == "telegram_language":
        return {f"{key}_label": LANGUAGE_NAMES.get(str(value), str(value))}
    if key == "level_name":
        return {"level_label": translated_level(str(value))}
    if key in ("balance_points", "points_spent", "points_earned"):
        return {f"{key}_label": points(int(value))}
    if key in ("news_opt_in", "reachable") and isinstance(value, bool):
        return {f"{key}_label": _("yes") if value else _("no")}
    if key == "birthday" and isinstance(value, dict):
        day = Birthday(int(value["day"]), int(value["month"]), value.get("year"))
        return {"birthday_label": birthday_text(day)}
    if key.endswith("_minor") and "currency" in row:
        return {f"{key[: -len('_minor')]}_label": money(int(value), str(row["currency"]))}
    return {}


def labelled(data: Any) -> Any:
    """A copy of `data` with a `*_label` after each field a person reads better in words."""
    if isinstance(data, list):
        return [labelled(item) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = labelled(value)
        out.update(_labels(key, value, data))
    return out


def my_data_file(data: dict[str, Any], language: str) -> bytes:
    """The JSON file, UTF-8, with the language its labels are in."""
    body = labelled(data)
    head = {key: body.pop(key) for key in ("format", "version") if key in body}
    body = {**head, "labels_language": language, **body}
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def my_data_caption(data: dict[str, Any]) -> str:
    programs = ", ".join(escape(m["merchant"]["name"]) for m in data["memberships"])
    return _(
        "📦 Everything the loyalty program holds about you: {programs}.\n"
        "A JSON file: any text editor opens it. Descriptions inside are in your language."
    ).format(programs=programs)
