"""Every way out of a form works for everyone; every form answers what it can't take with its
own prompt; staff see their own help, never the customer rules unless they ask to join; who
invited whom, and who joined the team, is told once."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import SendMessage
from aiogram.types import ReplyKeyboardMarkup, ReplyKeyboardRemove
from sqlalchemy import select

from db.models import Campaign, Membership, Outbox, Purchase
from handlers.ui.callbacks import EraseCb, JoinProgram, ProfileAction, ProfileCb, PushStep
from tests.telegram import Sent, TgUser, hire, join
from tests.test_handlers_sale import OWNER

RULES = "Program rules"
STICKER = {
    "sticker": {
        "file_id": "st",
        "file_unique_id": "st",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
}
PHOTO = {"photo": [{"file_id": "ph", "file_unique_id": "ph", "width": 90, "height": 90}]}
LOCATION = {"location": {"latitude": 52.23, "longitude": 21.01}}
VOICE = {"voice": {"file_id": "vo", "file_unique_id": "vo", "duration": 2}}
OFF_TOPIC: list[dict[str, Any]] = [STICKER, PHOTO, LOCATION, VOICE]


async def send_other(user: TgUser, fields: dict[str, Any]) -> Sent:
    """A message that is not text: a sticker, a photo, a location, a voice note."""
    return await user._feed(message=user._message(**fields))


def keyboard_of(sent: Sent) -> Any:
    return sent.of(SendMessage)[0].reply_markup


# --- /cancel, for everyone ------------------------------------------------------------------


async def test_an_owner_who_is_not_a_member_cancels_a_push_midway(tg, db) -> None:
    owner = tg(OWNER)
    assert "Send the text" in (await owner.send("/push")).text
    cancelled = await owner.send("/cancel")
    assert cancelled.text == "OK, cancelled."
    assert isinstance(keyboard_of(cancelled), ReplyKeyboardRemove)  # no member menu
    after = await owner.send("Two for one on Friday!")
    assert "Add a photo" not in after.text and RULES not in after.text
    assert "/push" in after.text  # what they can do, not the customer rules
    assert await db.count(Campaign) == 0


async def test_an_owner_who_is_not_a_member_cancels_a_sale_midway(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    await anna.send("/code")
    await owner.send("/sale")
    asked = await owner.send(await db.pay_code(101))
    assert "check amount" in asked.text
    cancelled = await owner.send("/cancel")
    assert cancelled.text == "OK, cancelled." and RULES not in cancelled.text
    after = await owner.send("10")
    assert "To pay" not in after.text and "receipt" not in after.text
    assert RULES not in after.text and "/sale" in after.text
    assert await db.count(Purchase) == 0


async def test_the_cancel_button_is_never_taken_for_a_forms_input(tg, db) -> None:
    owner = tg(OWNER)
    await owner.send("/push")
    cancelled = await owner.send("✖️ Cancel")
    assert cancelled.text == "OK, cancelled."
    assert "Add a photo" not in (await owner.send("Hello")).text


async def test_a_member_gets_the_menu_back_on_cancel(anna) -> None:
    await anna.press(ProfileCb(action=ProfileAction.BIRTHDAY).pack())
    cancelled = await anna.send("/cancel")
    assert cancelled.text == "OK, cancelled."
    assert isinstance(keyboard_of(cancelled), ReplyKeyboardMarkup)
    assert "couldn't read that date" not in (await anna.send("24.05")).text


# --- what a form can't take ------------------------------------------------------------------


@pytest.mark.parametrize("other", OFF_TOPIC, ids=["sticker", "photo", "location", "voice"])
async def test_the_sale_form_asks_again_at_each_step(tg, db, other) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    await db.credit(101, 500)
    await anna.send("/code")
    await owner.send("/sale")
    code_step = await send_other(owner, other)
    assert "6-digit code" in code_step.text and RULES not in code_step.text
    await owner.send(await db.pay_code(101))
    amount_step = await send_other(owner, other)
    assert "Send the amount as a number" in amount_step.text
    preview = await owner.send("10")  # the preview comes at once: points are its buttons
    await owner.press(preview.button("Add receipt"))
    receipt_step = await send_other(owner, other)
    assert "receipt number" in receipt_step.text
    preview = await owner.send("R-1")  # the form went on where it was
    assert "To pay: <b>€10</b>" in preview.text


async def test_a_cashier_who_is_not_a_member_gets_the_sale_prompt_not_the_rules(tg) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    await kasia.send("/sale")
    for other in OFF_TOPIC:
        sent = await send_other(kasia, other)
        assert "6-digit code" in sent.text and RULES not in sent.text


@pytest.mark.parametrize("other", [STICKER, LOCATION], ids=["sticker", "location"])
async def test_the_push_form_asks_again_at_each_step(tg, db, other) -> None:
    owner = tg(OWNER)
    fan = tg(100)
    joined = await fan.press((await fan.send("/start")).button("✅"))
    await fan.press(joined.button("🔔"))
    await owner.send("/push")
    assert "Send the text of the push" in (await send_other(owner, other)).text
    await owner.send("Two for one!")
    photo_step = await send_other(owner, other)
    assert "Add a photo or a link button?" in photo_step.text and photo_step.button("Skip")
    button_step = await send_other(owner, PHOTO)  # the photo it asked for
    assert "link button" in button_step.text
    again = await send_other(owner, other)
    assert "link button" in again.text and again.button("Skip")
    await owner.send("Menu | https://cafe.example")
    await owner.press(PushStep(action="days", value="joined").pack())
    assert "number of days in digits" in (await send_other(owner, other)).text
    preview = await owner.send("30")
    assert "This is how it will look" in preview.text
    await owner.press(preview.button("Schedule"))
    assert "24.12 18:30" in (await send_other(owner, other)).text
    assert await db.count(Campaign) == 0


async def test_a_revoked_admin_mid_push_learns_nothing_from_a_sticker(tg) -> None:
    owner, ola = tg(OWNER), tg(60)
    await hire(owner, ola, role="admin")
    await ola.send("/push")
    await owner.send("/staff")
    listing = await owner.send("/staff")
    await owner.press(listing.button("Revoke"))
    sent = await send_other(ola, STICKER)
    assert "Only the admins" in sent.text and RULES not in sent.text


async def test_the_stats_dates_form_asks_again(tg) -> None:
    owner = tg(OWNER)
    await owner.press("st:0")
    for other in (STICKER, PHOTO):
        sent = await send_other(owner, other)
        assert "first and the last day" in sent.text and RULES not in sent.text


async def test_rating_and_nps_comments_ask_for_text(tg, db, dp, bot) -> None:
    from handlers.feedback import SurveyForm

    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    await anna.send("/code")
    preview = await owner.send(f"/sale {await db.pay_code(101)} 7.50")
    done = await owner.press(preview.button("Confirm"))
    receipt = next(m for m in done.of(SendMessage) if m.chat_id == 101)
    await anna.press(receipt.reply_markup.inline_keyboard[0][4].callback_data)
    sticker = await send_other(anna, STICKER)
    assert sticker.text == "Write your comment as text, or /skip."
    await anna.send("Lovely")
    purchase = await db.scalar(select(Purchase))
    assert purchase.rating_comment == "Lovely"
    # The NPS comment step, as its button leaves it.
    state = dp.fsm.get_context(bot, chat_id=101, user_id=101)
    await state.set_state(SurveyForm.comment)
    assert (await send_other(anna, PHOTO)).text == "Write your comment as text, or /skip."
    assert "Thank you for your feedback" in (await anna.send("/skip")).text


async def test_profile_birthday_and_phone_ask_again(anna) -> None:
    await anna.press(ProfileCb(action=ProfileAction.BIRTHDAY).pack())
    for other in (STICKER, LOCATION):
        sent = await send_other(anna, other)
        assert "Send it as DD.MM or DD.MM.YYYY" in sent.text
    assert "as your birthday?" in (await anna.send("24.05")).text  # the form went on
    await anna.press(ProfileCb(action=ProfileAction.PHONE).pack())
    assert "share your phone" in (await send_other(anna, STICKER)).text


# --- a paused cashier ---------------------------------------------------------------------


async def test_a_paused_cashier_typing_codes_hears_until_when_each_time(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    await kasia.send("/sale")
    replies = [await kasia.send(f"99999{i}") for i in range(5)]
    assert "paused until" in replies[-1].text
    for code in ("123456", "654321", "111111"):
        sent = await kasia.send(code)
        assert "paused until" in sent.text, code
        assert RULES not in sent.text and "No customer has this code" not in sent.text
    assert RULES not in (await send_other(kasia, STICKER)).text


async def test_a_cashier_typing_a_code_with_no_form_open_starts_the_sale(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await join(anna)
    await anna.send("/code")
    till = await kasia.send(await db.pay_code(101))
    assert "Anna" in till.text and "check amount" in till.text
    # A customer typing six digits is not a cashier: the usual answer.
    assert "didn't get that" in (await anna.send("123456")).text


# --- /help for each role ------------------------------------------------------------------


async def test_help_shows_each_person_the_commands_of_their_role(tg) -> None:
    owner, kasia, ola, anna = tg(OWNER), tg(50), tg(60), tg(101)
    await hire(owner, kasia)
    await hire(owner, ola, role="admin")
    await join(anna)

    customer = await anna.send("/help")
    assert "How it works" in customer.text and "/sale" not in customer.text

    cashier = await kasia.send("/help")
    assert "/sale" in cashier.text and "/refund" in cashier.text
    assert "/push" not in cashier.text and "How it works" not in cashier.text
    assert RULES not in cashier.text and cashier.button("Join the program")

    admin = await ola.send("/help")
    for command in ("/sale", "/staff", "/push", "/stats", "/kpi", "/export", "/birthday"):
        assert command in admin.text, command

    boss = await owner.send("/help")
    assert RULES not in boss.text and "/campaigns" in boss.text and "/poster" in boss.text
    assert "How it works" not in boss.text
    # Anything a member-only command would say: the staff help again, not the rules.
    assert RULES not in (await owner.send("/card")).text
    assert RULES not in (await owner.press("nav:code")).text
    # Only when they ask to join do they see the rules.
    rules = await owner.press(boss.button("Join the program"))
    assert RULES in rules.text

    await join(kasia)
    both = await kasia.send("/help")
    assert "/sale" in both.text and "How it works" in both.text


async def test_the_join_button_for_a_member_says_so(anna) -> None:
    assert "already a member" in (await anna.press(JoinProgram().pack())).toasts[0]


# --- who invited you, and who joined ------------------------------------------------------


async def friend_notices(db) -> list[Outbox]:
    return list(await db.all(select(Outbox).where(Outbox.kind == "friend_joined")))


async def test_joining_through_a_friends_link_says_who_and_tells_them_once(tg, db) -> None:
    anna, bob = tg(101, first_name="Zoë&Co Smith"), tg(202, first_name="Bob")
    await join(anna)
    link = (await anna.send("/invite")).texts[0].split()[-1]
    rules = await bob.send("/start " + link.split("start=")[1])
    assert rules.texts[0].startswith("🤝 Zoë&amp;Co invited you!")
    assert "Smith" not in rules.text and RULES in rules.text
    # Whatever Bob sends before accepting, the rules still say who invited him.
    assert "Zoë&amp;Co invited you" in (await bob.send("hello")).text
    joined = await bob.press(rules.button("Accept"))
    told = [m for m in joined.of(SendMessage) if m.chat_id == 101]
    assert told and "Your friend Bob joined the program" in told[0].text
    bobs = await db.scalar(select(Membership).where(Membership.referrer_id.is_not(None)))
    notes = await friend_notices(db)
    assert [n.dedupe_key for n in notes] == [f"friend_joined:{bobs.id}"]

    # Bob leaves and comes back through the same friend's link: nobody is told again.
    await bob.press(EraseCb(merchant_id=1, membership_id=bobs.id, confirm=True).pack())
    assert (await friend_notices(db))[0].payload == "{}"  # his name went with him
    again = await bob.send("/start " + link.split("start=")[1])
    rejoined = await bob.press(again.button("Accept"))
    assert not [m for m in rejoined.of(SendMessage) if m.chat_id == 101]
    assert len(await friend_notices(db)) == 1
    assert await db.count(Membership) == 3  # Anna, Bob's erased card, Bob's new one


async def test_the_owner_hears_once_when_an_invited_cashier_joins(tg, db) -> None:
    owner, ola, kasia = tg(OWNER), tg(60, first_name="Ola"), tg(50, first_name="Kasia")
    await hire(owner, ola, role="admin")
    await owner.send("/staff")
    invite = await owner.press("sinv:staff")
    payload = invite.text.split()[-1].split("start=")[1]
    welcome = await kasia.send("/start " + payload)
    told = {m.chat_id: m.text for m in welcome.of(SendMessage) if m.chat_id != 50}
    assert set(told) == {OWNER, 60}
    assert "Kasia accepted the invitation and joined the team as a cashier" in told[OWNER]
    again = await kasia.send("/start " + payload)  # a second tap on the same link
    assert "Welcome to the team" in again.text
    assert not [m for m in again.of(SendMessage) if m.chat_id != 50]
    rows = await db.all(select(Outbox).where(Outbox.kind == "staff_joined"))
    assert sorted(r.chat_id for r in rows) == [OWNER, OWNER, 60]  # Ola's own join, Kasia's
