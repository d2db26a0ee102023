"""/business and every edit button check the presser's role first: a customer, a cashier, a
revoked admin and the admin of another merchant press and type them all, with the real keys of
the main merchant's link, post and push. Each is refused (the other merchant's admin is answered
as about their own place), nothing of the card is said, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditLog, BusinessCard, NewsPost, Staff
from handlers.ui.business_render import BizEdit, EditAction, NewsCb
from services.business import CardField
from services.business.values import link_key
from tests.factories import staff_cast
from tests.roles import assert_acts_refused
from tests.telegram import TgUser, hire, join
from tests.test_business_card import fill_card
from tests.test_business_news import write
from tests.test_handlers_sale import OWNER

BOB, KASIA, IVAN, OLGA = 102, 50, 60, 70
ROLES = {"customer": BOB, "cashier": KASIA, "revoked admin": IVAN, "other merchant's admin": OLGA}
REFUSED = "Only the admins of this place can change its card."
NOT_HERE = (
    "This post was deleted already.",
    "This push is not one of this place's.",
    "That link was removed already.",
)
SECRETS = ("Nowy Świat", "Coffee", "600", "Instagram", "Hidden post", "Two for one", "Test Café")


def edit(action: EditAction, field: CardField = CardField.PHOTO, value: int = 0) -> str:
    return BizEdit(action=action, field=field, value=value).pack()


LINK = link_key("https://instagram.com/ourcafe")
ACTS: list[tuple[str, str, bool]] = [  # kind, data, acts on one thing of the main merchant
    ("send", "/business", False),
    *[("press", edit(EditAction.FIELD, f), False) for f in CardField],
    *[("press", edit(EditAction.CLEAR, f), False) for f in CardField],
    ("press", edit(EditAction.DAY, value=0), False),
    ("press", edit(EditAction.DAY, value=7), False),
    ("press", edit(EditAction.UNLINK, CardField.LINKS, LINK), True),
    ("press", edit(EditAction.WRITE), False),
    ("press", edit(EditAction.NO_PHOTO), False),
    ("press", edit(EditAction.DONE), False),
    ("press", edit(EditAction.DELETE, value=1), True),
    ("press", edit(EditAction.KEEP, value=1), True),
    ("press", NewsCb(merchant_id=1, admin=True).pack(), False),
]


async def state_of(db) -> tuple[object, ...]:
    cards = [
        (c.merchant_id, c.photo, c.description, c.phone, c.links, c.opening_hours, c.latitude)
        for c in await db.all(select(BusinessCard))
    ]
    posts = [(p.id, p.text, p.deleted_at) for p in await db.all(select(NewsPost))]
    return cards, posts, await db.count(AuditLog)


async def scene(tg, db, session_factory, clock) -> dict[str, TgUser]:
    owner = tg(OWNER)
    await fill_card(owner)
    await write(owner, "Hidden post")
    bob = tg(BOB, first_name="Bob")
    await join(bob, offers=True)
    await owner.send("/push")
    await owner.send("Two for one!")
    who = await owner.send("Menu | https://cafe.example/menu")
    preview = await owner.press(who.button("Everyone who opted in (1)"))
    await owner.press(preview.button("Send now"))  # push #1
    await staff_cast(owner, tg, db, session_factory, clock)
    return {role: tg(user_id) for role, user_id in ROLES.items()}


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_card_act_checks_the_role_first(
    tg, db, session_factory, clock, caplog, role
) -> None:
    users = await scene(tg, db, session_factory, clock)
    user = users[role]
    other = role == "other merchant's admin"
    answers = (REFUSED, *NOT_HERE) if other else (REFUSED,)
    await assert_acts_refused(
        user, ACTS, answers, SECRETS, lambda: state_of(db), caplog, other=other
    )


async def test_the_other_merchants_admin_edits_only_their_own_card(
    tg, db, session_factory, clock
) -> None:
    users = await scene(tg, db, session_factory, clock)
    olga = users["other merchant's admin"]
    own = await olga.send("/business")
    assert "Other Bistro" in own.text and "Test Café" not in own.text
    await olga.press(edit(EditAction.FIELD, CardField.PHONE))
    await olga.send("+36 30 123 4567")
    cards = {c.merchant_id: c.phone for c in await db.all(select(BusinessCard))}
    assert cards == {1: "+48600100200", 2: "+36301234567"}


async def test_an_admin_revoked_mid_edit_is_stopped_at_the_next_step(tg, db) -> None:
    owner, adam = tg(OWNER), tg(80, first_name="Adam")
    await hire(owner, adam, role="admin")
    await adam.press(edit(EditAction.FIELD, CardField.DESCRIPTION))
    adam_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 80)
    await owner.press(f"srev:{adam_id}")
    stopped = await adam.send("x" * 1001)  # refused for who he is, not for the length
    assert stopped.text == REFUSED
    assert await db.count(BusinessCard) == 0
    after = await adam.send("A fine place")  # the form is over: not taken as a description
    assert "Saved" not in after.text and await db.count(BusinessCard) == 0
