"""Paid broadcasts: an owner's large push, sent at up to 1000 messages a second for Stars. The
preview offers it to owners only; its cost is shown (Babel numbers, plural forms) before a
second press sends it; the campaign's rows carry the flag and go with allow_paid_broadcast;
anyone else is refused before anything is read; each one is audited."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.pace import RateLimiter
from db.models import AuditLog, Campaign, Outbox
from handlers.push.form import step
from handlers.push.paid import cost_text
from services.campaigns import paid
from services.campaigns.paid import PaidQuote
from tests.telegram import hire, join

OWNER = 1
FANS = (100, 101, 102)


@pytest.fixture
async def fans(tg) -> None:
    for fan in FANS:
        await join(tg(fan), offers=True)


@pytest.fixture
def large_from_two(monkeypatch) -> None:
    """Three recipients make a large push here (1000 in production)."""
    monkeypatch.setattr(paid, "PAID_FROM", 2)


async def preview(user):
    await user.send("/push")
    extras = await user.send("Two for one today")
    who = await user.press(extras.button("Skip"))
    return await user.press(who.button("Everyone who opted in"))


async def test_an_owner_sees_the_cost_confirms_and_the_push_goes_as_a_paid_broadcast(
    tg, db, fans, large_from_two
) -> None:
    owner = tg(OWNER)
    shown = await preview(owner)
    assert "Everyone who opted in: 3 recipients." in shown.texts[1]
    cost = await owner.press(shown.button("paid broadcast"))
    assert "charges 0.1 ⭐ for each message over its free limit" in cost.text
    assert "3 recipients × 0.1 ⭐: at most 0.3 ⭐." in cost.text
    assert await db.count(Campaign) == 0  # nothing is queued before the second press
    sent = await owner.press(cost.button("Pay and send now"))
    assert "Push #1 queued for 3 members" in sent.text
    assert "It goes as a paid broadcast." in sent.text
    pushes = [m for m in sent.of(SendMessage) if m.chat_id in FANS]
    assert sorted(m.chat_id for m in pushes) == list(FANS)
    assert all(m.allow_paid_broadcast is True for m in pushes)
    # Only the push's rows are paid: the summary to its author goes the free way.
    summary = [m for m in sent.of(SendMessage) if m.chat_id == OWNER and "is done" in m.text]
    assert summary and summary[0].allow_paid_broadcast is None
    rows = await db.all(select(Outbox).where(Outbox.campaign_id == 1))
    assert [(r.status, r.paid_broadcast) for r in rows] == [("sent", True)] * 3
    assert await db.all(select(Outbox.paid_broadcast).where(Outbox.campaign_id.is_(None))) == [
        False
    ]
    audit = await db.all(select(AuditLog).where(AuditLog.action == "paid_broadcast"))
    assert [(a.actor_telegram_id, a.target, a.details) for a in audit] == [(OWNER, "1", "3")]


async def test_a_push_below_the_threshold_is_not_offered_as_paid(tg, fans) -> None:
    shown = await preview(tg(OWNER))
    assert shown.button_or_none("Send now")
    assert shown.button_or_none("paid broadcast") is None


async def test_an_admin_is_not_offered_it_and_is_refused_before_anything_is_read(
    tg, db, fans, large_from_two
) -> None:
    owner, admin = tg(OWNER), tg(300, first_name="Adam")
    await hire(owner, admin, "admin")
    refusal = "Only the owner can send a push as a paid broadcast."
    # No draft at all: still the role's refusal, not "no longer open" (the form is not read).
    assert (await admin.press(step("paid"))).texts == [refusal]
    shown = await preview(admin)
    assert shown.button_or_none("Send now") and shown.button_or_none("paid broadcast") is None
    assert (await admin.press(step("paid"))).texts == [refusal]
    assert (await admin.press(step("paid_send"))).texts == [refusal]
    assert await db.count(Campaign) == 0
    assert await db.all(select(AuditLog.id).where(AuditLog.action == "paid_broadcast")) == []
    sent = await admin.press(shown.button("Send now"))  # the free way is still theirs
    assert "Push #1 queued for 3 members" in sent.text
    assert (
        await db.all(select(Outbox.paid_broadcast).where(Outbox.campaign_id == 1)) == [False] * 3
    )


async def test_a_customer_pressing_a_forged_paid_button_is_refused_as_not_an_admin(
    tg, fans
) -> None:
    pressed = await tg(FANS[0]).press(step("paid_send"))
    assert pressed.toasts == ["Only the admins of this place can send pushes."]


@pytest.mark.parametrize(
    ("language", "recipients", "expected"),
    [
        ("en", 1, "1 recipient × 0.1 ⭐: at most 0.1 ⭐."),
        ("en", 1234, "1,234 recipients × 0.1 ⭐: at most 123.4 ⭐."),
        ("ru", 1234, "1\u00a0234 получателя × 0,1 ⭐: не больше 123,4 ⭐."),
        ("ru", 1000, "1\u00a0000 получателей × 0,1 ⭐: не больше 100,0 ⭐."),
        ("pl", 1234, "1\u00a0234 odbiorcy × 0,1 ⭐: najwyżej 123,4 ⭐."),
        ("pl", 25_000, "25\u00a0000 odbiorców × 0,1 ⭐: najwyżej 2\u00a0500,0 ⭐."),
        ("hu", 1234, "1\u00a0234 címzett × 0,1 ⭐: legfeljebb 123,4 ⭐."),
    ],
)
def test_the_cost_reads_in_each_language(i18n, language, recipients, expected) -> None:
    with i18n.context(), i18n.use_locale(language):
        assert expected in cost_text(PaidQuote(recipients))


async def test_paid_messages_keep_to_their_own_pace_and_to_one_a_second_per_chat() -> None:
    limiter = RateLimiter(rate=25, per_chat_interval=1.0)
    slept: list[float] = []
    now = [100.0]

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    limiter.monotonic = lambda: now[0]
    limiter.sleep = sleep
    for chat in range(4):
        await limiter.wait(chat, paid=True)
    assert slept == [0.001, 0.002, 0.003]  # 1000 a second
    slept.clear()
    for chat in range(10, 13):
        await limiter.wait(chat)
    assert slept == [0.04, 0.08]  # the free lane: 25 a second, not slowed by the paid one
    slept.clear()
    await limiter.wait(0, paid=True)  # chat 0 again: a second after its last message
    assert slept == [1.0]
