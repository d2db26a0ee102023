"""/promos and every promotion button check the presser's role first: a customer, a cashier, a
revoked admin and the admin of another merchant send and press them all, with the real keys of
the main merchant's promotion. Each is refused (the other merchant's admin is told the
promotion is not one of their place's), nothing of the promotion is said, and nothing changes:
no promotion, no audit row, the program's version as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditLog, Merchant, Promotion, Staff
from tests.roles import assert_acts_refused
from tests.telegram import TgUser, hire
from tests.test_business_roles import ROLES
from tests.test_business_roles import scene as staff_scene
from tests.test_promos import OWNER, WORKDAY_LUNCH, make_promo

REFUSED = "Only the owners and admins of this place can manage promotions."
NOT_HERE = "This promotion is not one of this place's."
SECRETS = ("Happy hours", "×2", "12:00", "Silver", "Dec")

ACTS: list[tuple[str, str, bool]] = [  # kind, data, acts on the main merchant's promotion
    ("send", "/promos", False),
    ("press", "prm:list:0", False),
    ("press", "prm:new:0", False),
    ("press", "prm:show:1", True),
    ("press", "prm:end:1", True),
    ("press", "prm:endok:1", True),
    ("press", "prm:ann:1", True),
    *[
        ("press", f"prmd:{action}", False)
        for action in ("x:200", "st:1", "day:3", "dd:0", "ad:0", "aw:0", "lv:0", "save:0", "no:0")
    ],
]


async def state_of(db) -> tuple[object, ...]:
    promos = [(p.id, p.merchant_id, p.name, p.ended_at) for p in await db.all(select(Promotion))]
    versions = [(m.id, m.program_version) for m in await db.all(select(Merchant))]
    return promos, versions, await db.count(AuditLog)


async def scene(tg, db, session_factory, clock) -> dict[str, TgUser]:
    """The people of /business's role tests (tests/test_business_roles.py), and promotion #1."""
    users = await staff_scene(tg, db, session_factory, clock)
    owner = tg(OWNER)
    await make_promo(owner, *WORKDAY_LUNCH)
    await owner.press("prmd:save:0")
    return users


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_promo_act_checks_the_role_first(
    tg, db, session_factory, clock, caplog, role
) -> None:
    users = await scene(tg, db, session_factory, clock)
    user = users[role]
    other = role == "other merchant's admin"
    answers = (NOT_HERE,) if other else (REFUSED,)
    await assert_acts_refused(
        user, ACTS, answers, SECRETS, lambda: state_of(db), caplog, other=other
    )


async def test_the_other_merchants_admin_sees_and_makes_only_their_own(
    tg, db, session_factory, clock
) -> None:
    users = await scene(tg, db, session_factory, clock)
    olga = users["other merchant's admin"]
    own = await olga.send("/promos")
    assert "No promotions yet" in own.text and "Happy hours" not in own.text
    await make_promo(olga, "prmd:x:150", "prmd:dd:0", "prmd:ad:0", "prmd:aw:0", "prmd:lv:0")
    await olga.press("prmd:save:0")
    rows = {(p.merchant_id, p.multiplier_pct) for p in await db.all(select(Promotion))}
    assert rows == {(1, 200), (2, 150)}


async def test_an_admin_revoked_mid_form_is_stopped_at_the_next_step(tg, db) -> None:
    owner, adam = tg(OWNER), tg(80, first_name="Adam")
    await hire(owner, adam, role="admin")
    await make_promo(adam, "prmd:x:200", "prmd:dd:0", "prmd:ad:0", "prmd:aw:0")
    adam_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 80)
    await owner.press(f"srev:{adam_id}")
    stopped = await adam.press("prmd:lv:0")
    assert stopped.toasts == [REFUSED]
    after = await adam.press("prmd:save:0")
    assert after.toasts == [REFUSED]
    assert await db.count(Promotion) == 0
    adds = await db.all(select(AuditLog).where(AuditLog.action == "promotion_add"))
    assert adds == []
