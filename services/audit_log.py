"""The audit log as owners and admins read it from the chat (a page at a time, newest first,
by person, kind and day) and as a CSV beside the other exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from db.repositories.audit_log import AuditLogRepo
from services.base import Service
from services.errors import DomainError, NotStaff, ReportRefused
from services.reports.periods import parse_range
from services.staff import require_admin

PAGE = 10
# Acts whose target is a sale or an order number, and those whose details are an amount.
NUMBERED = frozenset({"sale", "sale_cancel", "refund", "order_ready", "order_cancel"})
AMOUNTS = frozenset({"sale_draft", "refund"})
OWNER = ""  # the actor's name for an owner: the renderer says "owner"


class BadDay(DomainError):
    """A typed day that is no date, or one in the future."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    created_at: datetime
    actor: str | None  # a staff member's name, OWNER, or None for someone not on the staff
    action: str
    number: int | None  # the sale or order acted on
    amount: int | None  # minor units
    change: tuple[str, str] | None  # a setting's value before and after


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    day: date | None  # the day shown, None for every day
    page: int
    pages: int
    total: int
    timezone: str
    currency: str
    today: date
    people: tuple[tuple[int, str], ...]  # (Telegram id, name) of everyone in the log
    kinds: tuple[str, ...]  # the kinds of acts in the log


def actor_name(names: dict[int, str], owner_ids: frozenset[int], telegram_id: int) -> str | None:
    """A staff member's name, OWNER for an owner, None for someone not on the staff."""
    return OWNER if telegram_id in owner_ids else names.get(telegram_id)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def _change(details: str | None) -> tuple[str, str] | None:
    """{"before": ..., "after": ...} of a settings change, as text; None for anything else."""
    try:
        parsed = json.loads(details or "")
    except ValueError:
        return None
    if not isinstance(parsed, dict) or "before" not in parsed or "after" not in parsed:
        return None
    before, after = parsed["before"], parsed["after"]
    if not all(isinstance(v, str | int | float | bool) or v is None for v in (before, after)):
        return None
    return ("—" if before is None else str(before), "—" if after is None else str(after))


class AuditLogService(Service):
    @cached_property
    def log(self) -> AuditLogRepo:
        return AuditLogRepo(self.session)

    def _name(self, names: dict[int, str], telegram_id: int) -> str | None:
        return actor_name(names, self.owner_ids, telegram_id)

    async def page(
        self,
        merchant_id: int,
        actor: int,
        person: int | None = None,
        kind: str | None = None,
        day: date | None = None,
        page: int = 0,
        typed_day: str | None = None,
    ) -> AuditPage:
        """One page of the merchant's log, newest first; owners and its admins only."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise NotStaff()
            zone = ZoneInfo(merchant.timezone)
            today = self.clock().astimezone(zone).date()
            if typed_day is not None:
                try:
                    day = parse_range(f"{typed_day} {typed_day}", today)[0]
                except ReportRefused:
                    raise BadDay() from None
            since = until = None
            if day is not None:
                since = datetime.combine(day, time(), zone)
                until = datetime.combine(day + timedelta(days=1), time(), zone)
            rows, total = await self.log.page(
                merchant_id, person, kind, since, until, max(page, 0) * PAGE, PAGE
            )
            names = await self.log.staff_names(merchant_id)
            people = []
            for telegram_id in await self.log.actors(merchant_id):
                name = self._name(names, telegram_id)
                if name is not None:
                    people.append((telegram_id, name))
            entries = tuple(
                AuditEntry(
                    row.created_at,
                    self._name(names, row.actor_telegram_id),
                    row.action,
                    _int(row.target) if row.action in NUMBERED else None,
                    _int(row.details) if row.action in AMOUNTS else None,
                    _change(row.details) if row.action == "settings_change" else None,
                )
                for row in rows
            )
            return AuditPage(
                entries,
                day,
                page,
                max(1, -(-total // PAGE)),
                total,
                merchant.timezone,
                merchant.currency,
                today,
                tuple(sorted(people, key=lambda p: (p[1] != OWNER, p[1].lower()))),
                tuple(await self.log.actions(merchant_id)),
            )
