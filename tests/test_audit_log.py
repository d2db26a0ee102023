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
    assert "Adam</b>: Answered a member's message" in text
    assert "Kasia</b>: Sale confirmed #1" in text
    assert "Adam</b>: Setting changed: 100 → 200" in text
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
        assert rows[0][:6] == ["entry", "created_at", "actor", "action", "target", "details"]
        assert ("actor_telegram_id" in rows[0]) is personal
        actions = {(r[2], r[3]) for r in rows[1:]}
        assert ("Adam", "chat_reply") in actions and ("owner", "future_thing") in actions
        assert ("Kasia", "sale") in actions
