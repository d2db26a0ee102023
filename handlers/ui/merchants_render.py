"""What /merchant and /merchants show: the merchants a person may work in, the new
merchant's form and what creating it hands over."""

from __future__ import annotations

from html import escape


def workplace_line(name: str, *, html: bool = True) -> str:
    """The line on top of a staff message naming the merchant it is about."""
    return "🏪 " + (f"<b>{escape(name)}</b>" if html else name)
