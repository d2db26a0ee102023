"""Who may answer: the Reply buttons (a message's, a low rating's), /inbox and /audit check the
role first. A customer, a cashier, a revoked cashier and the admin of another merchant are
refused (the other admin sees their own place only) and learn nothing; nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditLog, ChatMessage, Staff
from services.merchants import MerchantService
from tests.factories import make_staff
from tests.telegram import hire, join
from tests.test_chat import team_and_sale, write

ADMIN, KASIA, IVAN, OLGA, ANNA, BOB = 20, 50, 60, 70, 101, 102
ROLES = {"customer": BOB, "cashier": KASIA, "revoked cashier": IVAN, "other admin": OLGA}
REFUSED = (
    "Only the admins of this place can answer messages.",
    "Reports are for the owners and admins of this place.",
)
OWN_PLACE = (
    "No unanswered messages",
    "📜 Audit log",
    "Whose acts?",
)  # the other admin's own, empty place
SECRETS = ("Anna", "oat milk", "Adam", "Kasia", "12.50", "Sale confirmed")


async def counts(db) -> tuple[int, int]:
    return await db.count(ChatMessage), await db.count(AuditLog)


@pytest.mark.parametrize("role", list(ROLES))
async def test_reply_inbox_and_audit_check_the_role_first(
    tg, db, session_factory, clock, role
) -> None:
    owner, _admin, _kasia, anna = await team_and_sale(tg, db)
    await hire(owner, tg(IVAN, first_name="Ivan"))
    await join(tg(BOB, first_name="Bob"))
    await anna.press("rate:1:1")  # a low rating
    await anna.send("/skip")  # no comment
    sent = await write(anna, "Do you have oat milk?")
    reply = sent.button("Reply")
    ivan_id = await db.scalar(select(Staff.id).where(Staff.telegram_id == IVAN))
    await owner.press(f"srev:{ivan_id}")
    async with session_factory() as session:
        other = await MerchantService(session, clock).ensure_default(
            slug="other", name="Other Bistro", currency="PLN", timezone="UTC", language="en"
        )
        await make_staff(session, clock, other, OLGA, role="admin", name="Olga")
    user = tg(ROLES[role])
    for act in (reply, "rrep:1", "/inbox", "/audit", "aud:list:0::0:0", "aud:people:0::0:0"):
        before = await counts(db)
        said = await (user.send(act) if act.startswith("/") else user.press(act))
        texts = said.texts + said.toasts
        allowed = REFUSED + (OWN_PLACE if role == "other admin" else ())
        assert any(a in t for t in texts for a in allowed), (role, act, texts)
        assert not any(s in t for t in texts for s in SECRETS), (role, act, texts)
        assert await counts(db) == before, (role, act)
        # No form was started: their next text is not taken as an answer.
        assert not (await user.send("an answer?")).to(ANNA)


async def test_a_low_rating_is_answered_in_the_merchants_name(tg, db) -> None:
    owner, admin, _kasia, anna = await team_and_sale(tg, db)
    await anna.press("rate:1:1")
    await anna.send("Cold coffee")  # the rating's comment
    prompt = await admin.press("rrep:1")
    assert "Write your answer to Anna" in prompt.text and "Cold coffee" in prompt.text
    done = await admin.send("Sorry! Next one is on us.")
    assert done.to(ANNA) == ["💬 Test Café: Sorry! Next one is on us."]
    row = await db.scalar(select(ChatMessage))
    assert row.purchase_id == 1 and row.author == "staff" and row.staff_telegram_id == ADMIN
    audit = await db.all(select(AuditLog).where(AuditLog.action == "rating_reply"))
    assert [(a.actor_telegram_id, a.target) for a in audit] == [(ADMIN, "1")]
    # The owner, pressing it after, is told who answered and may add a reply.
    again = await owner.press("rrep:1")
    assert "Adam has already answered this rating" in again.text
    assert (await owner.send("Welcome back anytime")).to(ANNA)
