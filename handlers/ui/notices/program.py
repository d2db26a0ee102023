"""Text of the notice about a program's new rules (services/notices/program.py)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.notices.program import RulesChanged


def rules_changed_text(body: RulesChanged) -> str:
    return _(
        "📋 The rules of the <b>{merchant}</b> loyalty program have changed. Send /card to read "
        "the new rules and accept them."
    ).format(merchant=escape(body.merchant))
