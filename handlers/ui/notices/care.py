"""Texts of the notices customer care sends a member (services/notices/care.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.ui.render import points
from services.notices import GoodwillPoints, PointsAdjusted


def points_adjusted_text(n: PointsAdjusted) -> str:
    if n.delta > 0:
        head = _("➕ {merchant} added {points} to your balance.")
    else:
        head = _("➖ {merchant} took {points} from your balance.")
    return "\n".join(
        [
            head.format(merchant=escape(n.merchant), points=points(abs(n.delta))),
            _("Reason: {reason}").format(reason=escape(n.reason)),
            _("Balance: <b>{points}</b>").format(points=points(n.balance)),
        ]
    )


def goodwill_text(n: GoodwillPoints) -> str:
    return "\n".join(
        [
            _(
                "🎁 We're sorry your visit to {merchant} wasn't great. Here are {points} from us."
            ).format(merchant=escape(n.merchant), points=points(n.points)),
            _("Balance: <b>{points}</b>").format(points=points(n.balance)),
        ]
    )
