"""The audit log as owners and admins read it from the chat (a page at a time, newest first,
by person, kind and day) and as a CSV beside the other exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class AuditWords:
    """How the audit CSV reads in its reader's language, given by the handler: the columns'
    titles (entry, time, who, act, about) and each act's (who, act, about) in words."""

    header: tuple[str, ...]
    describe: Callable[[AuditEntry, str, dict[int, str]], tuple[str, str, str]]


class BadDay(DomainError):
    """A typed day that is no date, or one in the future."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An act and what it was about, parsed from its stored target and details (the kinds
    this release knows; nothing else of them is shown)."""

    created_at: datetime
    actor: str | None  # a staff member's name, OWNER, or None for someone not on the staff
    action: str
    number: int | None = None  # the sale or order acted on
    amount: int | None = None  # minor units
    member: int | None = None  # the member's number
    points: int | None = None  # points given or adjusted (signed)
    note: str | None = None  # an adjustment's reason, as typed
    setting: str | None = None  # a setting's key, a level's field or a business card field
    level: int | None = None  # the rank of the level changed
    values: tuple[Value, Value] | None = None  # a setting's value before and after
    role: str | None = None  # the role invited or joined as
    code: str | None = None  # why a code was refused: unknown, used, expired
    flag: str | None = None  # the daily threshold crossed


Value = str | int | float | bool | None
SALE_ACTS = frozenset({"goodwill_points", "rating_reply"})
MEMBER_ACTS = frozenset({"points_adjust", "member_block", "member_unblock", "birthday_correct"})


def entry_of(
    created_at: datetime,
    actor: str | None,
    action: str,
    target: str | None,
    details: str | None,
    members: dict[int, int] | None = None,
) -> AuditEntry:
    """What an audit row was about; `members`: the member of each chat message answered."""
    about: dict[str, object] = {}
    if action in NUMBERED or action in SALE_ACTS:
        about["number"] = _int(target)
    if action in AMOUNTS:
        about["amount"] = _int(details)
    if action in MEMBER_ACTS:
        about["member"] = _int(target)
    if action == "points_adjust" and details:
        delta, _space, reason = details.partition(" ")
        about["points"], about["note"] = _int(delta.lstrip("+")), reason.strip() or None
    elif action == "goodwill_points":
        about["points"] = _int(details)
    elif action == "chat_reply" and members is not None:
        about["member"] = members.get(_int(target) or 0)
    elif action == "settings_change":
        about["setting"], about["values"] = target, _change(details)
    elif action == "levels_change":
        about.update(_level_change(target, details))
    elif action == "business_card_edit":
        about["setting"] = target
    elif action in ("promotion_add", "promotion_end"):
        about["note"] = details  # the promotion's name
    elif action in ("reward_add", "reward_edit", "reward_archive"):
        about["note"] = details  # the reward's name
        if action == "reward_edit":
            about["setting"] = target  # the field edited
    elif action in OFFER_ACTS:
        about.update(_offer(target if action == "offer_edit" else None, details))
    elif action in ("staff_invite", "staff_join"):
        about["role"] = target
    elif action in ("wrong_code", "stale_code"):
        about["code"] = details
    elif action == "daily_flag":
        about["flag"] = details
        if details and not details.startswith("staff_"):
            about["member"] = _int(target)
    return AuditEntry(created_at, actor, action, **about)  # type: ignore[arg-type]


OFFER_ACTS = frozenset({"offer_add", "offer_edit", "offer_archive"})


def _offer(field: str | None, details: str | None) -> dict[str, object]:
    """A certificate offer's act: its value (amount) or item (note), and the field edited."""
    try:
        parsed = json.loads(details or "")
    except ValueError:
        parsed = None
    about: dict[str, object] = {"setting": field} if field else {}
    if isinstance(parsed, dict) and isinstance(parsed.get("item"), str):
        about["note"] = parsed["item"]
    elif isinstance(parsed, dict) and isinstance(parsed.get("value"), int):
        about["amount"] = parsed["value"]
    return about


def _level_change(target: str | None, details: str | None) -> dict[str, object]:
    """{"rank": N, key: [before, after]} of a level's field changed (target "level:N")."""
    rank = _int((target or "").removeprefix("level:"))
    try:
        parsed = json.loads(details or "")
    except ValueError:
        return {"level": rank}
    if not isinstance(parsed, dict):
        return {"level": rank}
    for key, pair in parsed.items():
        plain = isinstance(pair, list) and len(pair) == 2 and all(_plain(v) for v in pair)
        if key != "rank" and plain:
            return {"level": rank, "setting": key, "values": (pair[0], pair[1])}
    return {"level": rank}


def _plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


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
    levels: dict[int, str] = field(default_factory=dict)  # the levels' names by rank


def actor_name(names: dict[int, str], owner_ids: frozenset[int], telegram_id: int) -> str | None:
    """A staff member's name, OWNER for an owner, None for someone not on the staff."""
    return OWNER if telegram_id in owner_ids else names.get(telegram_id)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def _change(details: str | None) -> tuple[Value, Value] | None:
    """{"before": ..., "after": ...} of a settings change; None for anything else."""
    try:
        parsed = json.loads(details or "")
    except ValueError:
        return None
    if not isinstance(parsed, dict) or "before" not in parsed or "after" not in parsed:
        return None
    before, after = parsed["before"], parsed["after"]
    if not all(_plain(v) for v in (before, after)):
        return None
    return before, after


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
            answered = [_int(r.target) for r in rows if r.action == "chat_reply"]
            members = await self.log.message_members([i for i in answered if i is not None])
            entries = tuple(
                entry_of(
                    row.created_at,
                    self._name(names, row.actor_telegram_id),
                    row.action,
                    row.target,
                    row.details,
                    members,
                )
                for row in rows
            )
            levels = {lv.rank: lv.name for lv in await self.merchants.levels(merchant_id)}
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
                levels,
            )
