"""CSV exports of a merchant's members, purchases, ledger and audit log, and of its reward
vouchers and promotions (services/export_rewards.py), streamed from the database.

Amounts are in the currency's major units (12.50), points as whole numbers, times in the
merchant's timezone. Personal data (Telegram id, name, phone, birthday, language) goes only
to owners; admins get the same rows keyed by member number. Text that a spreadsheet would run
as a formula (a comment starting with "=") is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from db.engine import reading
from db.reports import ExportRepo
from db.repositories.audit_log import AuditLogRepo
from services.audit_log import AuditWords, actor_name, entry_of
from services.base import Service
from services.errors import ReportRefused
from services.export_coalition import certificate_columns
from services.export_rewards import EXPORTS_IF_ANY, reward_columns
from services.privacy import major
from services.reports import ReportService

EXPORTS = ("members", "purchases", "ledger", "audit", *EXPORTS_IF_ANY)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


class ExportService(Service):
    @cached_property
    def reports(self) -> ReportService:
        return ReportService(self.session, self.owner_ids, self.clock)

    async def export(
        self,
        merchant_id: int,
        actor: int,
        kind: str,
        out: TextIO,
        words: AuditWords | None = None,
    ) -> int:
        """Write one CSV to `out`; returns the rows written (the header not counted). The
        audit log's acts are told in `words` (the reader's language) when given."""
        if kind not in EXPORTS:
            raise ReportRefused("kpi")
        merchant = await self.reports.merchant(merchant_id, actor)
        personal = self.reports.is_owner(actor)
        tz = ZoneInfo(merchant.timezone)
        cur = merchant.currency

        def when(value: datetime | None) -> str:
            return value.astimezone(tz).isoformat(timespec="seconds") if value else ""

        def amount(value: int) -> str:
            return major(value, cur)

        repo = ExportRepo(self.session)
        header: list[str]
        row_of: Callable[[Any], list[object]]
        if kind == "members":
            header = [
                "member",
                "joined_at",
                "source",
                "referred_by",
                "level",
                "points",
                f"lifetime_spend_{cur}",
                "purchases",
                "effective_referrals",
                "news_opt_in",
                "erased_at",
            ]
            if personal:
                header += ["telegram_id", "first_name", "phone", "birthday", "language", "blocked"]

            def row_of(r: Any) -> list[object]:
                row: list[object] = [
                    r.id,
                    when(r.joined_at),
                    safe_text(r.source),
                    r.referrer_id or "",
                    r.level_rank + 1,
                    r.balance_minor,
                    amount(r.lifetime_spend_minor),
                    r.purchases_count,
                    r.effective_referrals,
                    int(r.marketing_opt_in),
                    when(r.deleted_at),
                ]
                if personal:
                    erased = r.deleted_at is not None
                    birthday = ""
                    if r.birthday_month:
                        year = f"{r.birthday_year:04d}-" if r.birthday_year else "--"
                        birthday = f"{year}{r.birthday_month:02d}-{r.birthday_day:02d}"
                    row += [
                        "" if erased else r.telegram_id,
                        safe_text(r.first_name),
                        safe_text(r.phone),
                        birthday,
                        r.language or "",
                        int(r.bot_blocked),
                    ]
                return row

            query = repo.members_query(merchant_id)
        elif kind == "certificates":
            header, row_of, query = certificate_columns(merchant_id, personal, when, safe_text)
        elif kind in EXPORTS_IF_ANY:
            header, row_of, query = reward_columns(
                kind, repo, merchant_id, personal, when, amount, cur, safe_text
            )
        elif kind == "audit":
            header, row_of, query = await self._audit(merchant_id, personal, when, words, cur)
        elif kind == "purchases":
            header = [
                "purchase",
                "member",
                "confirmed_at",
                f"amount_{cur}",
                f"refunded_{cur}",
                "points_spent",
                "cashback_points",
                "receipt_no",
                "staff",
                "rating",
                "comment",
            ]

            def row_of(r: Any) -> list[object]:
                return [
                    r.id,
                    r.membership_id,
                    when(r.confirmed_at),
                    amount(r.amount_minor),
                    amount(r.refunded_minor),
                    r.points_spent,
                    r.cashback_minor,
                    safe_text(r.receipt_no),
                    safe_text(r.name),
                    r.rating or "",
                    safe_text(r.rating_comment),
                ]

            query = repo.purchases_query(merchant_id)
        else:
            header = [
                "entry",
                "member",
                "created_at",
                "points",
                "balance_after",
                "reason",
                "purchase",
            ]

            def row_of(r: Any) -> list[object]:
                return [
                    r.id,
                    r.membership_id,
                    when(r.created_at),
                    r.delta_minor,
                    r.balance_after_minor,
                    r.reason,
                    r.purchase_id or "",
                ]

            query = repo.ledger_query(merchant_id)
        writer = csv.writer(out)
        writer.writerow(header)
        rows = 0
        async with reading(self.session):
            async for chunk in repo.stream(query):
                writer.writerows(row_of(r) for r in chunk)
                rows += len(chunk)
        return rows

    async def _audit(
        self,
        merchant_id: int,
        personal: bool,
        when: Callable[[datetime | None], str],
        words: AuditWords | None,
        currency: str,
    ) -> tuple[list[str], Callable[[Any], list[object]], Any]:
        """The audit log's columns and rows: who by name, the act and what it was about in
        the reader's words (`words`, from the handler), and the act's machine name; Telegram
        ids only in the owners' export."""
        if words is None:
            raise ValueError("the audit log is exported in its reader's words")
        log = AuditLogRepo(self.session)
        async with reading(self.session):
            names = await log.staff_names(merchant_id)
            levels = {lv.rank: lv.name for lv in await self.merchants.levels(merchant_id)}
        header = [*words.header, "action"]
        if personal:
            header.append("actor_telegram_id")

        def row_of(r: Any) -> list[object]:
            name = actor_name(names, self.owner_ids, r.actor_telegram_id)
            members = {int(r.target): r.member} if r.member is not None else None
            entry = entry_of(r.created_at, name, r.action, r.target, r.details, members)
            who, act, about = words.describe(entry, currency, levels)
            row: list[object] = [
                r.id,
                when(r.created_at),
                safe_text(who),
                act,
                safe_text(about),
                r.action,
            ]
            if personal:
                row.append(r.actor_telegram_id)
            return row

        return header, row_of, log.export_query(merchant_id)
