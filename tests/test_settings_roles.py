"""Who may use /settings and its buttons: owners and the merchant's admins. A customer, someone
who never joined, a cashier, a revoked cashier or admin, and the admin of another merchant are
refused (the last one sees only their own merchant) and learn nothing of the program; nothing
changes. Also the "worse for members" table and the saving service's own guards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditLog, Level, Merchant, Staff
from services.dto import LevelInfo
from services.merchants import MerchantService
from services.policy.program_changes import SettingKey, worse_levels, worse_setting
from services.program_settings import ProgramSettingsService
from tests.factories import make_staff
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER
from tests.test_inputs import snapshot
from tests.test_settings import ADAM, change, merchant

BOB, STRANGER, KASIA, IVAN, OLGA, REVOKED_ADMIN = 102, 103, 50, 60, 70, 81
REFUSAL = "Only the owners and admins of this place can change its program."
# What the main merchant's settings would show.
SECRETS = ("Test Café", "Bronze", "€", "%", "Welcome bonus", "→")
ACTS = [
    ("send", "/settings"),
    ("press", "set:welcome_bonus_minor"),
    ("press", "set:receipt_required"),
    ("press", "set:point_value_minor"),
    ("press", "setl:-1:"),
    ("press", "setl:0:"),
    ("press", "setl:0:cashback_bp"),
    ("press", "setl:4:remove_level"),
    ("press", "setl:5:add_level"),
    ("press", "setp:save:{preview}"),
    ("press", "setp:tell:{preview}"),
    ("press", "setp:quiet:{preview}"),
    ("press", "setp:cancel:{preview}"),
]


async def scene(tg, db, session_factory, clock) -> dict[str, object]:
    owner, kasia, ivan = tg(OWNER), tg(KASIA, first_name="Kasia"), tg(IVAN, first_name="Ivan")
    adam, gone = tg(ADAM, first_name="Adam"), tg(REVOKED_ADMIN, first_name="Gone")
    await hire(owner, kasia)
    await hire(owner, ivan)
    await hire(owner, adam, role="admin")
    await hire(owner, gone, role="admin")
    await join(tg(BOB, first_name="Bob"))
    # The revoked admin had a preview open when they lost access.
    await change(gone, "welcome_bonus_minor", None)
    staff = {s.telegram_id: s.id for s in await db.all(select(Staff))}
    await owner.press(f"srev:{staff[IVAN]}")
    await owner.press(f"srev:{staff[REVOKED_ADMIN]}")
    async with session_factory() as session:
        other = await MerchantService(session, clock).ensure_default(
            slug="other", name="Other Bistro", currency="PLN", timezone="UTC", language="en"
        )
        await make_staff(session, clock, other, OLGA, role="admin", name="Olga")
    return {"preview": "0123456789ab"}  # a preview the revoked admin could not have had


async def state(db, role: str) -> tuple[object, ...]:
    """The main merchant's program (and, but for the other merchant's admin, who may change
    their own, everything an act could change)."""
    m = await merchant(db)
    levels = await db.all(select(Level.cashback_bp).where(Level.merchant_id == m.id))
    program = (m.program_version, m.rules_version, levels)
    return program if role == "other merchant's admin" else (program, await snapshot(db))


ROLES = {
    "customer": BOB,
    "non-member": STRANGER,
    "cashier": KASIA,
    "revoked cashier": IVAN,
    "revoked admin": REVOKED_ADMIN,
    "other merchant's admin": OLGA,
}


@pytest.mark.parametrize("role", list(ROLES))
async def test_settings_refuse_everyone_but_owners_and_admins(
    tg, db, session_factory, clock, role
) -> None:
    values = await scene(tg, db, session_factory, clock)
    user = tg(ROLES[role])
    acts = list(ACTS)
    if role == "revoked admin":
        acts.insert(0, ("send", "7"))  # the value their open prompt asked for
    for kind, data in acts:
        data = data.format(**values)
        before = await state(db, role)
        sent = await (user.send(data) if kind == "send" else user.press(data))
        said = sent.texts + sent.toasts
        if role == "other merchant's admin":
            assert not any(s in t for t in said for s in ("Test Café", "€")), (data, said)
        else:
            assert REFUSAL in said, (role, data, said)
            assert not any(s in t for t in said for s in SECRETS), (role, data, said)
        assert await state(db, role) == before, data
    main = (await merchant(db)).id
    changes = await db.all(select(AuditLog).where(AuditLog.action.like("%_change")))
    assert [a for a in changes if a.merchant_id == main] == []


async def test_the_other_merchants_admin_edits_only_their_own(
    tg, db, session_factory, clock
) -> None:
    await scene(tg, db, session_factory, clock)
    olga = tg(OLGA)
    screen = await olga.send("/settings")
    assert "Settings of <b>Other Bistro</b>" in screen.text
    await olga.press("set:welcome_bonus_minor")
    saved = await olga.press((await olga.send("5")).button("Save"))
    assert "Saved for <b>Other Bistro</b>" in saved.text
    rows = {m.slug: m.welcome_bonus_minor for m in await db.all(select(Merchant))}
    assert rows == {"main": 0, "other": 500}


def lv(rank: int, spend: int = 0, refs: int = 0, cashback: int = 300, redeem: int = 2000):
    return LevelInfo(rank, f"L{rank}", spend, refs, cashback, redeem)


@pytest.mark.parametrize(
    ("key", "before", "after", "worse"),
    [
        (SettingKey.LEVEL_CASHBACK, 500, 400, True),
        (SettingKey.LEVEL_CASHBACK, 400, 500, False),
        (SettingKey.LEVEL_REDEEM, 3000, 2000, True),
        (SettingKey.LEVEL_SPEND, 10000, 20000, True),
        (SettingKey.LEVEL_SPEND, 20000, 10000, False),
        (SettingKey.LEVEL_REFERRALS, 2, 3, True),
        (SettingKey.LEVEL_NAME, "Gold", "Silver", False),
        (SettingKey.EXPIRY, None, 12, True),
        (SettingKey.EXPIRY, 12, 6, True),
        (SettingKey.EXPIRY, 6, 12, False),
        (SettingKey.EXPIRY, 12, None, False),
        (SettingKey.WELCOME_BONUS, 500, 0, True),
        (SettingKey.REFERRAL_BONUS, 500, 400, True),
        (SettingKey.REFERRAL_2, 100, 50, True),
        (SettingKey.BIRTHDAY_BONUS, 500, 1000, False),
        (SettingKey.BIRTHDAY_DAYS, 14, 7, True),
        (SettingKey.MAX_SALE, 100000, 5000, False),
        (SettingKey.DAILY_CAP, None, 5000, False),
        (SettingKey.RECEIPT, False, True, False),
        (SettingKey.CODE_TTL, 600, 60, False),
    ],
)
def test_worse_for_members(key, before, after, worse) -> None:
    assert worse_setting(key, before, after) is worse


def test_worse_levels() -> None:
    base = [lv(0), lv(1, 100, 2, 500, 3000)]
    assert worse_levels(base, base[:1]) is True  # a level removed
    assert worse_levels(base, [lv(0), lv(1, 100, 2, 400, 3000)]) is True
    assert worse_levels(base, [lv(0), lv(1, 100, 2, 600, 3000)]) is False
    assert worse_levels(base, [lv(0), lv(1, 100, 1, 500, 3000)]) is False


async def test_the_same_change_saved_twice_is_written_once(session, clock) -> None:
    from tests.factories import make_merchant

    m = await make_merchant(session, clock)
    service = ProgramSettingsService(session, (OWNER,), clock)
    change_, _ = await service.preview(m.id, OWNER, SettingKey.WELCOME_BONUS, None, "4")
    first = await service.save(OWNER, change_, tell=False)
    again = await service.save(OWNER, change_, tell=False)
    assert (first.again, again.again) == (False, True)
    async with session.begin():
        rows = (await session.scalars(select(AuditLog))).all()
    assert len(rows) == 1
