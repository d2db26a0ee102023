"""What an admin sees and does in /push: counted choices, a photo with its caption in one step,
at most six actions to any segment, past times refused, segments by their names; and one
visible payment code per chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import DeleteMessage, EditMessageCaption, SendPhoto
from aiogram.methods.base import TelegramMethod
from sqlalchemy import select, update

from db.models import Campaign, Customer, Membership, Outbox, PaymentCode
from handlers.ui.push_render import segment_name
from services.campaigns import CampaignService
from services.campaigns.content import DAY_CHOICES, parse_segment
from tests.telegram import Counted, Sent, TgUser, join

OWNER = 1


async def send_photo(
    user: TgUser, caption: str | None = None, entities: list[dict[str, Any]] | None = None
) -> Sent:
    """A photo as Telegram delivers it: sizes, smallest first; the caption's formatting as
    caption entities."""
    fields: dict[str, Any] = {
        "photo": [
            {"file_id": "PHOTO-S", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": "PHOTO-L", "file_unique_id": "l", "width": 800, "height": 800},
        ]
    }
    if caption is not None:
        fields.update(caption=caption, caption_entities=entities)
    return await user._feed(message=user._message(**fields))


async def three_fans(tg, db, clock) -> None:
    """100 (en), 101 and 102 (pl) opted in; 102 bought 10 days ago; 100 is at Gold; 103 did
    not opt in."""
    for i, lang in enumerate(["en", "pl", "pl"]):
        await join(tg(100 + i, language_code=lang), offers=True)
    await join(tg(103), offers=False)
    owner, fan = tg(OWNER), tg(102, language_code="pl")
    await fan.send("/code")
    membership = await db.scalar(
        select(Membership.id).join(Customer).where(Customer.telegram_id == 102)
    )
    code = await db.scalar(select(PaymentCode.code).where(PaymentCode.membership_id == membership))
    draft = await owner.send(f"/sale {code} 5")
    await owner.press(draft.button("Confirm"))
    async with db.factory() as s, s.begin():
        await s.execute(update(Membership).where(Membership.id == 1).values(level_rank=2))
    clock.advance(days=10)


async def to_segments(owner: TgUser) -> Sent:
    await owner.send("/push")
    extras = await owner.send("Soup of the day")
    return await owner.press(extras.button("Skip"))


async def test_every_choice_shows_how_many_it_reaches(tg, db, clock) -> None:
    await three_fans(tg, db, clock)
    owner = tg(OWNER)
    who = await to_segments(owner)
    assert who.button_or_none("Everyone who opted in (3)")
    assert who.button_or_none("Birthday this month (0)")
    levels = await owner.press(who.button("By level"))
    assert levels.button_or_none("Gold (1)")
    languages = await owner.press(who.button("By language"))
    assert languages.button_or_none("Polski (2)") and languages.button_or_none("English (1)")
    assert languages.button_or_none("Magyar (0)")
    inactive = await owner.press(who.button("Inactive for N days"))
    assert "Press a button or send a number" in inactive.text
    # 102's purchase was 10 days ago: inactive for 7 days, not for 30.
    assert inactive.button_or_none("7 days (3)") and inactive.button_or_none("30 days (2)")
    assert inactive.button_or_none("90 days (2)")
    joined = await owner.press(who.button("Joined in the last N days"))
    assert joined.button_or_none("7 days (0)") and joined.button_or_none("30 days (3)")
    # The counts are what the segment reaches: the preview says the same.
    preview = await owner.press(inactive.button("30 days"))
    assert "Inactive 30 days: 2 recipients." in preview.text
    typed = await owner.press(who.button("Inactive for N days"))
    assert typed.texts and "Inactive 5 days: 3 recipients." in (await owner.send("5")).text


async def test_a_segment_nobody_opted_into_says_why_and_offers_the_groups_again(
    tg, db, clock
) -> None:
    await three_fans(tg, db, clock)
    owner = tg(OWNER)
    who = await to_segments(owner)
    joined = await owner.press(who.button("Joined in the last N days"))
    nobody = await owner.press(joined.button("7 days"))
    assert nobody.texts == [
        "Nobody in “Joined in the last 7 days” has opted in to news — choose another group."
    ]
    assert nobody.button_or_none("Everyone who opted in (3)")  # the groups again
    assert not nobody.of(SendPhoto) and "how it will look" not in nobody.text
    # Nothing to send: no preview, so Send finds no push.
    assert "no longer open" in (await owner.press("push:send:")).text
    hungarian = await owner.press((await owner.press(who.button("By language"))).button("Magyar"))
    assert "Nobody in “Hungarian speakers”" in hungarian.text
    assert await db.count(Campaign) == 0
    assert not await db.all(select(Outbox.id).where(Outbox.campaign_id.is_not(None)))


async def test_a_photo_with_a_caption_is_one_step(tg, db) -> None:
    await join(tg(100), offers=True)
    owner = tg(OWNER)
    await owner.send("/push")
    # 1001 characters of caption: the same limit as text (Telegram's caption limit is 1024).
    assert "1001 characters" in (await send_photo(owner, "y" * 1001)).text
    bold = [{"type": "bold", "offset": 0, "length": 4}]
    link = await send_photo(owner, "Soup & bread today", bold)
    assert "link button" in link.text and "photo" not in link.text  # no photo step
    who = await owner.press(link.button("Skip"))
    preview = await owner.press(who.button("Everyone who opted in"))
    shown = preview.of(SendPhoto)[0]
    assert (shown.photo, shown.caption) == ("PHOTO-L", "<b>Soup</b> &amp; bread today")
    await owner.press(preview.button("Send now"))
    campaign = await db.scalar(select(Campaign))
    assert (campaign.photo, campaign.text) == ("PHOTO-L", "<b>Soup</b> &amp; bread today")


async def test_a_photo_without_a_caption_waits_for_the_text(tg, db) -> None:
    await join(tg(100), offers=True)
    owner = tg(OWNER)
    await owner.send("/push")
    assert "Now send the text" in (await send_photo(owner)).text
    link = await owner.send("Soup today")
    assert "Add a link button" in link.text  # the photo is there: no photo step
    who = await owner.press(link.button("Skip"))
    preview = await owner.press(who.button("Everyone who opted in"))
    assert preview.of(SendPhoto)[0].caption == "Soup today"


@pytest.mark.parametrize(
    ("choice", "value", "name"),
    [
        ("Everyone who opted in", None, "Everyone who opted in: 3 recipients."),
        ("Inactive for N days", "30 days", "Inactive 30 days: 2 recipients."),
        ("By level", "Gold", "Gold: 1 recipient."),
        ("By language", "Polski", "Polish speakers: 2 recipients."),
    ],
)
async def test_a_push_to_any_segment_takes_at_most_six_actions(
    tg, db, clock, choice: str, value: str | None, name: str
) -> None:
    await three_fans(tg, db, clock)
    admin = Counted(tg(OWNER))
    await admin.send("/push")
    extras = await admin.send("Soup of the day")
    who = await admin.press(extras.button("Skip"))
    preview = await admin.press(who.button(choice))
    if value is not None:
        preview = await admin.press(preview.button(value))
    assert name in preview.text
    queued = await admin.press(preview.button("Send now"))
    assert "queued" in queued.text
    assert admin.actions == (5 if value is None else 6)


async def test_a_time_already_past_is_refused_with_the_local_time(tg, db, clock) -> None:
    await join(tg(100), offers=True)
    owner = tg(OWNER)
    who = await to_segments(owner)
    preview = await owner.press(who.button("Everyone who opted in"))
    await owner.press(preview.button("Schedule"))
    now = "10 Mar 2026, 13:00"  # noon UTC in Warsaw, as an English reader there writes it
    for text in ["10.03 12:30", "05.03 10:00"]:
        refused = await owner.send(text)
        assert f"That time has already passed: it is {now} here now." in refused.text
    assert await db.count(Campaign) == 0
    # More than a month ago this year: next year's.
    queued = await owner.send("01.01 10:00")
    assert "queued for 1 member," in queued.text
    campaign = await db.scalar(select(Campaign))
    assert campaign.send_at.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2027, 1, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


async def test_push_status_names_every_segment(tg, db, clock) -> None:
    await three_fans(tg, db, clock)
    owner = tg(OWNER)
    for choice, value in [("Inactive for N days", "30 days"), ("By language", "Polski")]:
        who = await to_segments(owner)
        preview = await owner.press((await owner.press(who.button(choice))).button(value))
        await owner.press(preview.button("Send now"))
    status = (await owner.send("/push status")).text
    assert "Inactive 30 days: 2 sent" in status and "Polish speakers: 2 sent" in status
    assert "inactive:30" not in status and "lang:pl" not in status


@pytest.mark.parametrize(
    ("language", "key", "name"),
    [
        ("en", "inactive:1", "Inactive 1 day"),
        ("en", "joined:7", "Joined in the last 7 days"),
        ("pl", "inactive:1", "Nieaktywni od 1 dnia"),
        ("pl", "inactive:2", "Nieaktywni od 2 dni"),
        ("pl", "joined:5", "Dołączyli w ciągu ostatnich 5 dni"),
        ("ru", "inactive:2", "Неактивны 2 дня"),
        ("ru", "inactive:5", "Неактивны 5 дней"),
        ("hu", "lang:pl", "Lengyelül beszélők"),
        ("ru", "birthday", "День рождения в этом месяце"),
    ],
)
def test_segment_names_in_every_language(i18n, language: str, key: str, name: str) -> None:
    with i18n.context(), i18n.use_locale(language):
        assert segment_name(key) == name


async def test_a_new_code_replaces_the_old_codes_message(tg, monkeypatch) -> None:
    anna = tg(101)
    await join(anna, offers=True)
    replies: list[tuple[Any, Any]] = []
    respond = anna.session._respond

    def recording(method: Any) -> Any:
        result = respond(method)
        replies.append((method, result))
        return result

    monkeypatch.setattr(anna.session, "_respond", recording)
    await anna.send("/code")
    first = next(r.message_id for m, r in replies if isinstance(m, SendPhoto))
    second = await anna.send("/code")
    assert [(d.chat_id, d.message_id) for d in second.of(DeleteMessage)] == [(101, first)]
    assert len(second.of(SendPhoto)) == 1
    # Too old to delete (or gone already): the old one says it was replaced; no harm.
    latest = [r.message_id for m, r in replies if isinstance(m, SendPhoto)][-1]

    def refusing(method: TelegramMethod[Any]) -> Any:
        if isinstance(method, DeleteMessage | EditMessageCaption):
            # As the method was asked for: TelegramBadRequest is generic in its result type.
            asked: TelegramMethod[Any] = method
            raise TelegramBadRequest(method=asked, message="Bad Request: message can't be deleted")
        return recording(method)

    monkeypatch.setattr(anna.session, "_respond", refusing)
    third = await anna.send("/code")
    assert [d.message_id for d in third.of(DeleteMessage)] == [latest]
    edits = third.of(EditMessageCaption)
    assert [e.message_id for e in edits] == [latest]
    assert "This code was replaced" in (edits[0].caption or "")
    assert len(third.of(SendPhoto)) == 1  # the new code is there all the same


async def test_the_grouped_counts_agree_with_each_segments_audience(
    tg, db, clock, session_factory, settings
) -> None:
    await three_fans(tg, db, clock)
    async with session_factory() as session:
        campaigns = CampaignService(session, settings.owner_ids, clock)
        counts = await campaigns.audience_counts(1, OWNER)
        expected = {"all": counts.everyone, "birthday": counts.birthday}
        expected |= {f"level:{rank}": n for rank, n in counts.levels.items()}
        expected |= {f"lang:{code}": n for code, n in counts.languages.items()}
        for n in DAY_CHOICES:
            expected |= {f"inactive:{n}": counts.inactive[n], f"joined:{n}": counts.joined[n]}
        for key, count in expected.items():
            assert await campaigns.audience_size(1, OWNER, parse_segment(key)) == count, key
    assert (counts.everyone, counts.levels, counts.languages) == (
        3,
        {0: 2, 2: 1},
        {"en": 1, "pl": 2},
    )
