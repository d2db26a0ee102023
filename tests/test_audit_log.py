"""/audit through the dispatcher: newest first, filtered by person, kind and day, times in
the merchant's zone, human labels (unknown kinds too), and the audit CSV in /export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from aiogram.methods import SendDocument

from db.models import AuditLog
from tests.test_chat import team_and_sale, write
from tests.test_handlers_sale import OWNER

ADMIN = 20


async def scene(tg, db, session_factory):
    owner, admin, _kasia, anna = await team_and_sale(tg, db)
    sent = await write(anna, "Hello")
    await admin.press(sent.button("Reply"))
    await admin.send("Hi!")
    async with session_factory() as s, s.begin():
        s.add_all(
            [
                AuditLog(  # another helper's kind, with a change to show
                    merchant_id=1,
                    actor_telegram_id=ADMIN,
                    action="settings_change",
                    target="max_sale_minor",
                    details='{"before": 100, "after": 200}',
                    created_at=datetime(2026, 3, 9, 22, 30, tzinfo=UTC),  # 23:30 in Warsaw
                ),
                AuditLog(  # a kind this release does not know
                    merchant_id=1,
                    actor_telegram_id=OWNER,
                    action="future_thing",
                    target="x",
                    details="internal",
                    created_at=datetime(2026, 3, 8, 9, tzinfo=UTC),
                ),
            ]
        )
    return owner, admin


async def test_audit_pages_newest_first_with_human_labels(tg, db, session_factory) -> None:
    owner, _admin = await scene(tg, db, session_factory)
    page = await owner.send("/audit")
    text = page.text
    assert "📜 Audit log" in text
    assert "Adam</b>: Answered a member's message — member #1" in text
    assert "Kasia</b>: Sale confirmed #1" in text
    assert "Adam</b>: Setting changed — Largest check: €1 → €2" in text
    assert "9 Mar 2026, 23:30" in text  # the merchant's zone
    assert "owner</b>: Other action" in text
    for internal in ("future_thing", "max_sale_minor", "internal", "chat_reply"):
        assert internal not in text
    # Newest first.
    assert text.index("Answered a member's message") < text.index("Setting changed")
    assert text.index("Setting changed") < text.index("Other action")


async def test_audit_filters_by_person_kind_and_day(tg, db, session_factory) -> None:
    owner, admin = await scene(tg, db, session_factory)
    page = await admin.send("/audit")  # admins read it too
    people = await admin.press(page.button("Person"))
    assert "Whose acts?" in people.text
    only_kasia = await admin.press(people.button("Kasia"))
    assert "Sale confirmed" in only_kasia.text and "Adam</b>" not in only_kasia.text
    kinds = await admin.press(only_kasia.button("Kind"))
    assert kinds.button("Answered a member")
    everyone = await admin.press(kinds.button("Every kind"))
    replies = await admin.press(
        (
            await admin.press((await admin.press(everyone.button("All entries"))).button("Kind"))
        ).button("Answered a member")
    )
    assert "Answered a member's message" in replies.text and "Sale confirmed" not in replies.text
    days = await admin.press(replies.button("Day"))
    yesterday = await admin.press(days.button("Yesterday"))
    assert "Nothing here." in yesterday.text  # no reply yesterday
    typed = await admin.send("/audit 09.03.2026")
    assert "Setting changed" in typed.text and "Sale confirmed" not in typed.text
    today = await owner.send("/audit 10.03.2026")
    assert "Sale confirmed" in today.text and "Setting changed" not in today.text
    bad = await owner.send("/audit 32.13.2026")
    assert "Please type the date as 31.12.2026" in bad.text


async def test_the_export_has_the_audit_log(tg, db, session_factory) -> None:
    owner, admin = await scene(tg, db, session_factory)
    for reader, personal in ((owner, True), (admin, False)):
        sent = await reader.send("/export")
        docs = sent.of(SendDocument)
        assert any(d.caption.startswith("Audit log:") for d in docs)
        _name, content = [u for u in reader.session.uploads if "-audit-" in u[0]][-1]
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0][:6] == ["Entry", "Time", "Who", "Act", "About", "action"]
        assert ("actor_telegram_id" in rows[0]) is personal
        acts = {(r[2], r[3], r[4], r[5]) for r in rows[1:]}
        assert ("Adam", "Answered a member's message", "member #1", "chat_reply") in acts
        assert ("owner", "Other action", "", "future_thing") in acts
        assert ("Kasia", "Sale confirmed", "sale #1", "sale") in acts
        assert ("Adam", "Setting changed", "Largest check: €1 → €2", "settings_change") in acts
        for internal in ("internal", "max_sale_minor", '"before"'):
            assert all(internal not in cell for r in rows[1:] for cell in r[:5])


def _row(action: str, target: str | None, details: str | None, hour: int) -> AuditLog:
    return AuditLog(
        merchant_id=1,
        actor_telegram_id=ADMIN,
        action=action,
        target=target,
        details=details,
        created_at=datetime(2026, 3, 10, hour, tzinfo=UTC),
    )


async def test_audit_says_who_and_what_each_act_was_about(tg, db, session_factory) -> None:
    owner, _admin = await scene(tg, db, session_factory)
    async with session_factory() as s, s.begin():
        s.add_all(
            [
                _row("points_adjust", "1", "+50 Rozlana kawa", 1),
                _row("member_block", "1", None, 2),
                _row("goodwill_points", "1", "100", 3),
                _row("levels_change", "level:0", '{"rank":0,"cashback_bp":[300,50]}', 4),
                _row("business_card_edit", "phone", None, 5),
                _row("staff_invite", "staff", None, 6),
                _row("rating_reply", "1", None, 7),
                _row("stale_code", None, "expired", 8),
            ]
        )
    first = await owner.send("/audit")
    text = first.text + (await owner.press(first.button("▶"))).text
    for said in (
        "Adam</b>: Points adjusted — member #1, +50 points, “Rozlana kawa”",
        "Adam</b>: Member blocked — member #1",
        "Adam</b>: Goodwill points given — sale #1, 100 points",
        "Adam</b>: Levels changed — Bronze · Cashback: 3% → 0.5%",
        "Adam</b>: Business card edited — Phone",
        "Adam</b>: Staff invited — as a cashier",
        "Adam</b>: Answered a low rating — sale #1",
        "Adam</b>: Expired or used payment code typed — expired",
    ):
        assert said in text, text.split("\n")
    for internal in ("level:0", "cashback_bp", "phone", "staff</", "{"):
        assert internal not in text, internal


async def test_the_audit_csv_is_in_the_readers_language(tg, db, session_factory) -> None:
    await scene(tg, db, session_factory)
    async with session_factory() as s, s.begin():
        s.add(_row("points_adjust", "1", "-20 =SUM(A1)", 1))
    reader = tg(OWNER, language_code="pl")  # the owner is no member: Telegram's language
    await reader.send("/export")
    _name, content = [u for u in reader.session.uploads if "-audit-" in u[0]][-1]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["action", "actor_telegram_id"]
    assert rows[0][:5] == ["Wpis", "Czas", "Kto", "Czynność", "Dotyczy"]
    adjust = next(r for r in rows[1:] if r[5] == "points_adjust")
    assert adjust[2] == "Adam" and adjust[4] == "uczestnik nr 1, −20 punktów, “=SUM(A1)”"
    assert "points_adjust" not in adjust[3] and "=SUM" in adjust[4]
