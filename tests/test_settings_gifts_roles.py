"""Who may press the rewards' settings buttons of /settings (issue 15): owners and the
merchant's admins only. A customer, a cashier, a revoked admin and the admin of another
merchant are refused before anything about the main merchant is read or said; nothing
changes, no reward is made."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditLog, Reward
from tests.test_settings import merchant
from tests.test_settings_gifts import add_reward
from tests.test_settings_roles import REFUSAL, ROLES, SECRETS, scene, state

ACTS = [
    ("press", "set:cashback_on"),
    ("press", "set:stamps_needed"),
    ("press", "set:stamp_reward_id"),
    ("press", "set:stamp_min_amount_minor"),
    ("press", "set:stamp_step_minor"),
    ("press", "set:stamp_daily_once"),
    ("press", "set:welcome_reward_id"),
    ("press", "set:friend_gift_minor"),
    ("press", "set:friend_reward_id"),
    ("press", "setl:{reward}:stamp_reward_id"),
    ("press", "setl:{reward}:welcome_reward_id"),
    ("press", "setl:0:friend_reward_id"),
    ("send", "A free cake"),  # a gift's name, had a prompt been open
]


@pytest.mark.parametrize(
    "role", ["customer", "cashier", "revoked admin", "other merchant's admin", "non-member"]
)
async def test_the_rewards_settings_refuse_everyone_but_owners_and_admins(
    tg, db, session_factory, clock, role
) -> None:
    values = await scene(tg, db, session_factory, clock)
    values["reward"] = await add_reward(db, "Cookie")
    rewards = await db.count(Reward)
    user = tg(ROLES[role])
    for kind, data in ACTS:
        data = data.format(**values)
        before = await state(db, role)
        sent = await (user.send(data) if kind == "send" else user.press(data))
        said = sent.texts + sent.toasts
        assert not any("Cookie" in t for t in said), (role, data, said)
        if role == "other merchant's admin":
            assert not any(s in t for t in said for s in ("Test Café", "€")), (data, said)
        elif kind == "press":
            assert REFUSAL in said, (role, data, said)
            assert not any(s in t for t in said for s in SECRETS), (role, data, said)
        assert await state(db, role) == before, data
    assert await db.count(Reward) == rewards
    main = (await merchant(db)).id
    changes = await db.all(select(AuditLog).where(AuditLog.action == "settings_change"))
    assert [a for a in changes if a.merchant_id == main] == []
