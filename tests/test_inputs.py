"""No input crashes a handler: odd digits, huge numbers and forged buttons get a clear answer.

Each case goes through the production dispatcher in a lived-in program (a cashier, a member with
a confirmed sale, a catalog item), and must be answered with a message or a toast that says what
is wrong, log no ERROR, and change nothing in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update

from db.models import (
    AuditLog,
    Campaign,
    CatalogItem,
    Customer,
    LedgerEntry,
    Membership,
    NpsAnswer,
    Outbox,
    Purchase,
    Refund,
    Staff,
    StaffInvite,
)
from tests.telegram import TgUser, hire, join
from tests.test_handlers_sale import OWNER

KASIA, ANNA = 50, 101
HUGE = "99999999999999999999"  # 20 digits: over BigInteger
JUST_OVER = "9223372036854775808"  # 2**63, one over BigInteger: still 19 digits


async def snapshot(db) -> tuple[object, ...]:
    """Everything an input could change by mistake."""
    counts = [
        await db.count(model)
        for model in (
            Purchase,
            Refund,
            LedgerEntry,
            Staff,
            StaffInvite,
            Campaign,
            Outbox,
            CatalogItem,
            NpsAnswer,
            AuditLog,
        )
    ]
    return (
        counts,
        sorted(
            (p.id, p.status, p.refunded_minor, p.rating) for p in await db.all(select(Purchase))
        ),
        sorted((s.id, s.role, s.revoked_at) for s in await db.all(select(Staff))),
        sorted((i.id, i.archived) for i in await db.all(select(CatalogItem))),
        sorted((m.id, m.balance_minor) for m in await db.all(select(Membership))),
        sorted(
            (c.id, c.phone, c.birthday_day, c.birthday_month)
            for c in await db.all(select(Customer))
        ),
    )


@dataclass
class Scene:
    owner: TgUser
    kasia: TgUser
    anna: TgUser


async def lived_in(tg, db) -> Scene:
    owner, kasia, anna = tg(OWNER), tg(KASIA, first_name="Kasia"), tg(ANNA)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    sale = await kasia.send(f"/sale {await db.pay_code(ANNA)} 12.50")
    await kasia.press(sale.button("Confirm"))  # sale #1, and points on Anna's card
    await owner.send("/additem Coffee | Latte | 3.50")
    return Scene(owner, kasia, anna)


async def in_push_days(scene: Scene, db) -> None:
    await scene.owner.send("/push")
    extras = await scene.owner.send("Two for one!")  # photo or link: skipped
    who = await scene.owner.press(extras.button("Skip"))
    asked = await scene.owner.press(who.button("Inactive"))
    assert "How many days" in asked.text


async def in_push_schedule(scene: Scene, db) -> None:
    # Someone to send to: a group nobody in it opted in to has no preview.
    async with db.factory() as s, s.begin():
        await s.execute(update(Membership).values(marketing_opt_in=True))
    await scene.owner.send("/push")
    extras = await scene.owner.send("Two for one!")  # photo or link: skipped
    who = await scene.owner.press(extras.button("Skip"))
    preview = await scene.owner.press(who.button("Everyone"))
    asked = await scene.owner.press(preview.button("Schedule"))
    assert "When?" in asked.text


async def in_stats_dates(scene: Scene, db) -> None:
    asked = await scene.owner.press("st:0")
    assert "first and the last day" in asked.text


async def in_sale_preview(scene: Scene, db) -> None:
    await scene.anna.send("/code")
    await scene.kasia.send("/sale")
    await scene.kasia.send(await db.pay_code(ANNA))
    preview = await scene.kasia.send("12.50")
    assert preview.button_or_none("Spend 37 points") is not None


async def open_draft(db) -> str:
    key = await db.scalar(select(Purchase.idempotency_key).where(Purchase.status == "draft"))
    assert key is not None
    return str(key)


async def with_code(scene: Scene, db) -> None:
    await scene.anna.send("/code")


async def nothing(scene: Scene, db) -> None:
    return None


@dataclass(frozen=True)
class Case:
    who: str  # owner, kasia or anna
    kind: str  # send or press
    data: str
    expected: str  # part of the answer
    before: Callable[[Scene, Any], Awaitable[None]] = nothing

    def __str__(self) -> str:
        return f"{self.who}-{self.kind}-{self.data}"


STALE = "This button is no longer active."
DAYS = "Send the number of days in digits"
TIME = "Send the time like 24.12 18:30"
CASES = [
    # /refund and /delitem: superscript digits, 20-digit and one-over-BigInteger numbers.
    Case("owner", "send", "/refund ²", "Use: /refund"),
    Case("owner", "send", "/refund -1", "Use: /refund"),
    Case("owner", "send", "/refund 1e9", "Use: /refund"),
    Case("owner", "send", f"/refund {HUGE}", f"There is no sale #{HUGE} here."),
    Case("owner", "send", f"/refund #{JUST_OVER}", f"There is no sale #{JUST_OVER} here."),
    Case("owner", "send", "/refund 1 ²", "as a number"),
    Case("owner", "send", f"/refund 1 {HUGE}", "more than is left to refund"),
    Case("kasia", "send", "/refund ²", "Use: /refund"),
    Case("owner", "send", f"/delitem {HUGE}", "There is no such item"),
    Case("owner", "send", "/delitem ²", "There is no such item"),
    Case("owner", "send", "/delitem #-1", "There is no such item"),
    Case("owner", "send", "/additem Coffee | Mocha | ²", "Use: /additem"),
    Case("owner", "send", f"/additem Coffee | Mocha | {HUGE}", "Use: /additem"),
    # Reports: a day count that is not one is a range of dates that is not one either.
    Case("owner", "send", "/stats ²", "Send two dates"),
    Case("owner", "send", f"/stats {HUGE}", "Send two dates"),
    Case("owner", "send", f"/stats 01.01.{HUGE} 02.01.2026", "Send two dates"),
    Case("owner", "send", f"{HUGE}.01 02.01", "Send two dates", in_stats_dates),
    Case("owner", "send", "01.01.2026 ²2.01.2026", "Send two dates", in_stats_dates),
    Case("owner", "send", f"/kpi revenue {HUGE}", "Which report?"),
    Case("owner", "send", "/kpi revenue ²", "Which report?"),
    Case("owner", "send", "/ratings ²", "Ratings"),
    Case("owner", "send", f"/campaigns {HUGE}", "Campaigns"),
    # The push's "how many days" answer.
    Case("owner", "send", "²", DAYS, in_push_days),
    Case("owner", "send", "1e9", DAYS, in_push_days),
    Case("owner", "send", HUGE, DAYS, in_push_days),
    Case("owner", "send", "0", DAYS, in_push_days),
    Case("owner", "send", "3651", DAYS, in_push_days),
    Case("owner", "send", "-30", DAYS, in_push_days),
    # The push's time.
    Case("owner", "send", "²4.12 18:30", TIME, in_push_schedule),
    Case("owner", "send", "99.99 99:99", TIME, in_push_schedule),
    Case("owner", "send", "31.02 18:30", TIME, in_push_schedule),
    Case("owner", "send", "24.12 24:00", TIME, in_push_schedule),
    Case("owner", "send", f"24.12 18:30{HUGE}", TIME, in_push_schedule),
    # The till: a one-line sale, typed points.
    Case("kasia", "send", "/sale ١٢٣٤٥٦ 5", "Use: /sale"),
    Case("kasia", "send", "/sale {code} 5 spend ²", "Send a whole number of points", with_code),
    Case("kasia", "send", "/sale {code} 5 spend -1", "whole number of points", with_code),
    Case("kasia", "send", f"/sale {{code}} 5 spend {HUGE}", "whole number of points", with_code),
    Case("kasia", "send", "/sale {code} ² spend 1", "as a number", with_code),
    # Forged or stale buttons: a polite toast.
    Case("anna", "press", f"rate:{HUGE}:5", STALE),
    Case("anna", "press", f"rate:{JUST_OVER}:5", STALE),
    Case("anna", "press", "rate:-1:5", STALE),
    Case("anna", "press", "rate:1:99", STALE),
    Case("anna", "press", "rate:²:5", STALE),
    Case("anna", "press", "hist:-1", STALE),
    Case("anna", "press", f"hist:{HUGE}", STALE),
    Case("anna", "press", "nps:abc-20260101:5", STALE),
    Case("anna", "press", f"nps:{HUGE}-20260101:5", STALE),
    Case("anna", "press", "nps:9999999999999999999-20260101:5", "This survey is not available."),
    Case("anna", "press", "nps:1-20260101:11", STALE),
    Case("anna", "press", "cat:add:abc", STALE),
    Case("anna", "press", f"cat:add:{HUGE}", STALE),
    Case("anna", "press", f"cat:remove:{HUGE}", STALE),
    Case("anna", "press", f"cat:category:{HUGE}", STALE),
    Case("anna", "press", "cat:category:-1", STALE),
    Case("anna", "press", "bdok:99:99:99999:1", STALE),
    Case("anna", "press", f"erase:1:{HUGE}:1", STALE),
    Case("anna", "press", f"ok:{HUGE}:1::", STALE),
    Case("anna", "press", f"mk:{HUGE}:1:join", STALE),
    Case("owner", "press", "push:stop:abc", STALE),
    Case("owner", "press", f"push:stop:{HUGE}", STALE),
    Case("owner", "press", "push:stop:-1", STALE),
    Case("owner", "press", f"srev:{HUGE}", STALE),
    Case("owner", "press", "srev:abc", STALE),
    Case("owner", "press", f"st:{HUGE}", STALE),
    Case("owner", "press", "st:-1", STALE),
    Case("owner", "press", f"kpi:revenue:{HUGE}", STALE),
    Case("owner", "press", "kpi:revenue:0", STALE),
    Case("kasia", "press", "sale:<bad key>:1", STALE),
    Case("kasia", "press", "sale:" + "Z" * 32 + ":0", STALE),
    Case("kasia", "press", f"sale:{HUGE}:1", STALE),
    Case("kasia", "press", f"pts:{HUGE}", STALE),
    Case("kasia", "press", "pts:-5", STALE),
    Case("kasia", "press", "rcpt:<bad key>", STALE),
    Case("kasia", "press", "rcpt:" + "0" * 32, "This sale is no longer open."),
    Case("kasia", "press", "pts:" + "0" * 32 + ":5", "This sale is no longer open."),
    Case("kasia", "press", f"pts:{{key}}:{HUGE}", STALE, in_sale_preview),
    Case("kasia", "press", f"pts:{{key}}:{JUST_OVER}", STALE, in_sale_preview),
    Case("kasia", "press", "pts:{key}:-5", STALE, in_sale_preview),
    Case("kasia", "press", "pts:{key}:9223372036854775807", "more points than", in_sale_preview),
    Case("kasia", "press", "pts:{key}:38", "more points than", in_sale_preview),
]


GROUPS: dict[str, list[Case]] = {}
for _case in CASES:
    GROUPS.setdefault(_case.before.__name__, []).append(_case)


@pytest.mark.parametrize("group", sorted(GROUPS))
async def test_odd_input_gets_a_clear_answer_and_changes_nothing(tg, db, caplog, group) -> None:
    """One program per group of inputs (building it is the slow part); each input on its own
    is answered clearly, logs no error and changes nothing. A refused answer in a form keeps
    the form waiting, so the inputs of a form's group are all answers to the same question."""
    scene = await lived_in(tg, db)
    await GROUPS[group][0].before(scene, db)
    for case in GROUPS[group]:
        user: TgUser = getattr(scene, case.who)
        data = case.data
        if "{code}" in data:
            data = data.replace("{code}", await db.pay_code(ANNA))
        if "{key}" in data:
            data = data.replace("{key}", await open_draft(db))
        before = await snapshot(db)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            sent = await (user.send(data) if case.kind == "send" else user.press(data))
        said = sent.texts + sent.toasts
        assert any(case.expected in text for text in said), (case, said)
        assert not any("something went wrong" in text for text in said), (case, said)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], (case, errors)
        assert await snapshot(db) == before, case


async def test_the_sale_still_runs_after_odd_points(tg, db) -> None:
    """A refused points button keeps the preview open: the next good one goes on."""
    scene = await lived_in(tg, db)
    await in_sale_preview(scene, db)
    key = await open_draft(db)
    assert "more points than" in (await scene.kasia.press(f"pts:{key}:38")).toasts[0]
    preview = await scene.kasia.press(f"pts:{key}:37")
    assert "Check: €12.50" in preview.text and "Points to spend: 37 points" in preview.text


async def test_a_good_day_count_after_a_bad_one_shows_the_preview(tg, db) -> None:
    scene = await lived_in(tg, db)
    await in_push_days(scene, db)
    assert DAYS in (await scene.owner.send("²")).text
    preview = await scene.owner.send(" 30 ")
    assert "Recipients:" in preview.text or "opted in" in preview.text
