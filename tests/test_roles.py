"""Every staff and admin command and button checks the sender's role before anything else.

A customer, someone who never joined, a cashier (for what is the admins'), a revoked cashier and
the admin of another merchant press and type every staff and admin thing of the main merchant,
with the real ids and keys of its sale, draft, item and staff. Each is refused (or, for the other
merchant's admin, answered as from their own merchant), and no reply says anything of the thing
acted on: no amounts, names or states. Nothing changes in the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from db.models import Purchase, Staff
from services.merchants import MerchantService
from tests.factories import make_staff
from tests.telegram import TgUser, hire, join
from tests.test_handlers_sale import OWNER
from tests.test_inputs import ANNA, KASIA, snapshot

BOB, STRANGER, IVAN, OLGA = 102, 103, 60, 70
ROLES = {
    "customer": BOB,
    "non-member": STRANGER,
    "cashier": KASIA,
    "revoked cashier": IVAN,
    "other merchant's admin": OLGA,
}
REFUSALS = (
    "for the staff of this place",
    "Only the admins of this place",
    "Reports are for the owners and admins",
    "This button is no longer active.",
)
# Said to the other merchant's admin about the main merchant's things: the same as for an id
# that does not exist anywhere.
NOT_HERE = (
    "This sale is no longer open.",
    "There is no sale #1 here.",
    "There is no such item.",
    "This push has already finished.",
    "Already revoked.",
)
# What the main merchant's sale, draft, item and staff would show.
SECRETS = ("12.50", "7.77", "€", "Latte", "Kasia", "Ivan", "Anna", "onfirmed", "ancelled")


@dataclass(frozen=True)
class Act:
    kind: str  # send or press
    data: str  # {confirmed}, {draft}, {code}, {kasia} are filled in from the scene
    admin: bool  # admins only (a cashier is refused too)
    object: bool  # acts on one thing of the main merchant (the other admin is tried too)


ACTS = [
    # The till.
    Act("send", "/sale", False, False),
    Act("send", "/sale {code} 5", False, False),
    Act("send", "/sales", False, False),
    Act("press", "{confirmed}", False, True),  # a forged Confirm of a confirmed sale
    Act("press", "{draft}", False, True),
    Act("press", "{cancel}", False, True),
    Act("send", "/refund 1", False, True),
    Act("send", "/refund 1 5", False, True),
    Act("send", "/refund ²", False, False),
    Act("press", "{points}", False, True),  # a points button of the open draft's preview
    Act("press", "{receipt}", False, True),
    Act("press", "{refund}", False, True),  # Confirm of a refund preview of sale #1
    Act("press", "{refund_cancel}", False, True),
    # Staff.
    Act("send", "/staff", True, False),
    Act("press", "sinv:staff", True, False),
    Act("press", "sinv:admin", True, False),
    Act("press", "srev:{kasia}", True, True),
    # Pushes: every step and button.
    Act("send", "/push", True, False),
    Act("send", "/push status", True, False),
    Act("press", "push:levels:", True, False),
    Act("press", "push:languages:", True, False),
    Act("press", "push:days:inactive", True, False),
    Act("press", "push:days:joined", True, False),
    Act("press", "push:segment:all", True, False),
    Act("press", "push:segment:level-1", True, False),
    Act("press", "push:schedule:", True, False),
    Act("press", "push:send:", True, False),
    Act("press", "push:cancel:", True, False),
    Act("press", "push:skip_photo:", True, False),
    Act("press", "push:skip_button:", True, False),
    Act("press", "push:stop:1", True, True),
    # Reports.
    Act("send", "/stats", True, False),
    Act("send", "/stats 01.01.2026 02.01.2026", True, False),
    Act("press", "st:30", True, False),
    Act("press", "st:0", True, False),
    Act("send", "/kpi revenue", True, False),
    Act("press", "kpi:revenue:30", True, False),
    Act("send", "/ratings", True, False),
    Act("send", "/campaigns", True, False),
    Act("send", "/export", True, False),
    # The catalog.
    Act("send", "/additem Coffee | Mocha | 4.00", True, False),
    Act("send", "/delitem 1", True, True),
    Act("send", "/delitem ²", True, False),
]


@dataclass
class Scene:
    values: dict[str, str]
    users: dict[str, TgUser]


async def program(tg, db, session_factory, clock) -> Scene:
    owner, kasia, ivan = tg(OWNER), tg(KASIA, first_name="Kasia"), tg(IVAN, first_name="Ivan")
    anna, bob = tg(ANNA, first_name="Anna"), tg(BOB, first_name="Bob")
    await hire(owner, kasia)
    await hire(owner, ivan)
    await join(anna)
    await join(bob)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(ANNA)} 12.50")
    confirmed = preview.button("Confirm")
    await kasia.press(confirmed)  # sale #1
    await anna.send("/code")
    draft = await owner.send(f"/sale {await db.pay_code(ANNA)} 7.77")
    refund = await kasia.send("/refund 1")  # a preview: nothing is written
    await owner.send("/additem Coffee | Latte | 3.50")  # item #1
    staff_ids = {s.telegram_id: s.id for s in await db.all(select(Staff))}
    await owner.press(f"srev:{staff_ids[IVAN]}")
    async with session_factory() as session:
        other = await MerchantService(session, clock).ensure_default(
            slug="other", name="Other Bistro", currency="PLN", timezone="UTC", language="en"
        )
        await make_staff(session, clock, other, OLGA, role="admin", name="Olga")
    return Scene(
        values={
            "{confirmed}": confirmed,
            "{draft}": draft.button("Confirm"),
            "{cancel}": draft.button("Cancel"),
            "{points}": draft.button("Spend 37 points"),
            "{receipt}": draft.button("Add receipt no."),
            "{refund}": refund.button("Refund"),
            "{refund_cancel}": refund.button("Cancel"),
            "{code}": await db.pay_code(ANNA),
            "{kasia}": str(staff_ids[KASIA]),
        },
        users={role: tg(user_id) for role, user_id in ROLES.items()},
    )


def acts_for(role: str) -> list[Act]:
    if role == "cashier":
        return [a for a in ACTS if a.admin]
    if role == "other merchant's admin":
        return [a for a in ACTS if a.object]
    return ACTS


@pytest.mark.parametrize("role", list(ROLES))
async def test_staff_and_admin_acts_check_the_role_first(
    tg, db, session_factory, clock, caplog, role
) -> None:
    scene = await program(tg, db, session_factory, clock)
    user = scene.users[role]
    for act in acts_for(role):
        data = act.data
        for name, value in scene.values.items():
            data = data.replace(name, value)
        before = await snapshot(db)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            sent = await (user.send(data) if act.kind == "send" else user.press(data))
        said = sent.texts + sent.toasts
        answers = NOT_HERE + REFUSALS if role == "other merchant's admin" else REFUSALS
        assert any(a in text for text in said for a in answers), (role, act, said)
        assert not any(s in text for text in said for s in SECRETS), (role, act, said)
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], (role, act)
        assert await snapshot(db) == before, (role, act)
    # The draft is still there for the cashier who made it.
    statuses = sorted((p.id, p.status) for p in await db.all(select(Purchase)))
    assert statuses == [(1, "confirmed"), (2, "draft")]


async def test_a_revoked_cashier_is_not_welcomed_back_by_their_old_link(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(KASIA, first_name="Kasia")
    await owner.send("/staff")
    invite = await owner.press("sinv:staff")
    payload = invite.text.split()[-1].split("start=")[1]
    assert "Welcome to the team" in (await kasia.send("/start " + payload)).text
    again = await kasia.send("/start " + payload)  # a second tap is fine while hired
    assert "Welcome to the team" in again.text
    staff_id = (await db.scalar(select(Staff))).id
    await owner.press(f"srev:{staff_id}")
    refused = await kasia.send("/start " + payload)
    assert "access to this place was withdrawn" in refused.text
    assert "Welcome" not in refused.text and "/sale" not in refused.text
    assert (await db.scalar(select(Staff))).revoked_at is not None
    assert "for the staff" in (await kasia.send("/sale")).text
    # A new invitation hires them again.
    fresh = await owner.press("sinv:staff")
    rehired = await kasia.send("/start " + fresh.text.split()[-1].split("start=")[1])
    assert "Welcome to the team" in rehired.text


async def test_an_admin_revoked_mid_push_is_stopped_at_the_next_step(tg, db) -> None:
    owner, adam = tg(OWNER), tg(80, first_name="Adam")
    await hire(owner, adam, role="admin")
    await adam.send("/push")
    photo = await adam.send("Two for one!")
    adam_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 80)
    await owner.press(f"srev:{adam_id}")
    stopped = await adam.press(photo.button("Skip"))
    assert stopped.toasts == ["Only the admins of this place can send pushes."]
    assert "link button" not in stopped.text
    # The form is over: the next message is not taken for a link (he never joined: the rules).
    after = await adam.send("Menu | https://cafe.example")
    assert "Program rules" in after.text


async def test_a_cashier_can_still_cancel_their_draft(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(KASIA), tg(ANNA)
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    preview = await kasia.send(f"/sale {await db.pay_code(ANNA)} 7.77")
    cancelled = await kasia.press(preview.button("Cancel"))
    assert cancelled.toasts == ["Cancelled."]
    assert (await db.scalar(select(Purchase))).status == "cancelled"
