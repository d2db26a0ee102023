"""What a partner's certificate is worth, in words (issue 16): its named item, else its value
in the money of the business that accepts it. One wording for the sale's, the hand-out's and
the till's renderers."""

from __future__ import annotations

from html import escape

from handlers.ui.render import money


def certificate_worth(value_minor: int, item: str | None, currency: str, html: bool = True) -> str:
    """The named item (escaped for a message; `html=False` for a button's label), else the
    value in `currency` in the reader's locale."""
    if item:
        return escape(item) if html else item
    return money(value_minor, currency)
