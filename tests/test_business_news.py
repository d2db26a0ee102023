"""News on the business card: the owner writes and deletes posts, a push is kept as news once,
and a member scrolls them newest first, edited in place."""

from __future__ import annotations

from aiogram.methods import DeleteMessage, EditMessageText, SendMessage, SendPhoto
from sqlalchemy import select

from db.models import AuditLog, NewsPost
from handlers.ui.business_render import BizEdit, EditAction, NewsCb
from tests.telegram import TgUser, join
from tests.test_business_card import PHOTO, send_other
from tests.test_handlers_sale import OWNER

WRITE = BizEdit(action=EditAction.WRITE).pack()


async def write(owner: TgUser, text: str, photo: bool = False) -> None:
    await owner.press(WRITE)
    asked = await owner.send(text)
    if photo:
        assert "Posted" in (await send_other(owner, PHOTO)).text
    else:
        assert "Posted" in (await owner.press(asked.button("without a photo"))).text


async def news_audit(db) -> list[tuple[str, str | None, str | None]]:
    rows = await db.all(select(AuditLog).order_by(AuditLog.id))
    return [(r.action, r.target, r.details) for r in rows if r.action.startswith("news")]


async def test_no_news_yet(tg) -> None:
    anna = tg(101)
    await join(anna)
    card = await anna.send("/about")
    empty = await anna.press(card.button("📰 News"))
    assert "No news yet" in empty.text
    assert empty.of(SendMessage)[0].reply_markup is None


async def test_a_member_scrolls_the_news_newest_first(tg, db, clock) -> None:
    owner, anna = tg(OWNER), tg(101)
    await write(owner, "First post")
    clock.advance(minutes=1)
    await write(owner, "Second post, with a photo", photo=True)
    clock.advance(minutes=1)
    await write(owner, "Third post")
    assert [(p.text, p.photo) for p in await db.all(select(NewsPost).order_by(NewsPost.id))] == [
        ("First post", None),
        ("Second post, with a photo", "cafe-photo"),
        ("Third post", None),
    ]
    await join(anna)
    first = await anna.press((await anna.send("/about")).button("📰 News"))
    assert "Third post" in first.text and "Post 1 of 3" in first.text
    assert "10 Mar 2026, 13:02" in first.text  # in Warsaw
    assert first.button_or_none("◀️") is None
    second = await anna.press(first.button("▶️"))
    # A photo post after a text one: the message is replaced, not edited.
    assert second.of(DeleteMessage)
    photo = second.of(SendPhoto)[0]
    assert photo.photo == "cafe-photo" and "Post 2 of 3" in photo.caption
    third = await anna.press(second.button("▶️"))
    assert "First post" in third.text and "Post 3 of 3" in third.text
    assert third.button_or_none("▶️") is None
    back = await anna.press(third.button("◀️"))
    assert "Second post" in back.text
    # Past the end (an old button after a deletion): the last post.
    last = await anna.press(NewsCb(merchant_id=1, page=9, flip=True).pack(), message_id=7)
    assert "First post" in last.of(EditMessageText)[0].text


async def test_the_page_number_in_polish(tg) -> None:
    owner, ola = tg(OWNER), tg(102, language_code="pl")
    for text in ("A", "B"):
        await write(owner, text)
    await join(ola)
    page = await ola.press(NewsCb(merchant_id=1).pack())
    assert "Wpis 1 z 2" in page.text


async def test_the_owner_deletes_a_post_once(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await write(owner, "Closed on Monday")
    await write(owner, "New cakes!")
    managed = await owner.send("/business")
    posts = await owner.press(managed.button("Manage posts"))
    assert "New cakes!" in posts.text
    delete = posts.button("Delete this post")
    deleted = await owner.press(delete)
    assert deleted.toasts == ["🗑 Deleted."]
    assert "Closed on Monday" in deleted.text and "Post 1 of 1" in deleted.text
    again = await owner.press(delete)
    assert again.toasts == ["This post was deleted already."]
    rows = {p.text: p.deleted_at for p in await db.all(select(NewsPost))}
    assert rows["New cakes!"] is not None and rows["Closed on Monday"] is None
    post_id = next(p.id for p in await db.all(select(NewsPost)) if p.text == "New cakes!")
    assert await news_audit(db) == [
        ("news_post", "1", None),
        ("news_post", "2", None),
        ("news_delete", str(post_id), None),
    ]
    await join(anna)
    page = await anna.press(NewsCb(merchant_id=1).pack())
    assert "New cakes!" not in page.text and "Post 1 of 1" in page.text


async def test_a_post_too_long_is_refused_with_the_count(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(WRITE)
    refused = await owner.send("y" * 1001)
    assert "That is 1001 characters; the limit is 1000 characters." in refused.text
    asked = await owner.send("Short and sweet")  # the step waits
    assert "Add a photo" in asked.text
    await owner.press(asked.button("without a photo"))
    assert [p.text for p in await db.all(select(NewsPost))] == ["Short and sweet"]


async def test_a_photo_with_a_caption_is_a_whole_post(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(WRITE)
    posted = await send_other(owner, {**PHOTO, "caption": "Pumpkin latte is back"})
    assert "Posted" in posted.text
    post = await db.scalar(select(NewsPost))
    assert (post.text, post.photo) == ("Pumpkin latte is back", "cafe-photo")


async def test_a_push_is_kept_as_news_once(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna, offers=True)
    await owner.send("/push")
    bold = [{"type": "bold", "offset": 0, "length": 11}]
    await owner.send("Two for one on Friday!", entities=bold)
    who = await owner.send("Menu | https://cafe.example/menu")
    preview = await owner.press(who.button("Everyone who opted in (1)"))
    queued = await owner.press(preview.button("Send now"))
    keep = queued.button("Keep as news")
    assert (await owner.press(keep)).toasts == ["📰 Kept as a news post."]
    assert (await owner.press(keep)).toasts == ["This push is a news post already."]
    posts = await db.all(select(NewsPost))
    assert [(p.text, p.campaign_id) for p in posts] == [("<b>Two for one</b> on Friday!", 1)]
    assert await news_audit(db) == [("news_post", str(posts[0].id), "campaign:1")]
    page = await anna.press(NewsCb(merchant_id=1).pack())
    assert "<b>Two for one</b> on Friday!" in page.text


async def test_a_scheduled_push_is_kept_only_once_it_went_out(tg, db, clock) -> None:
    owner, fan = tg(OWNER), tg(100)
    await join(fan, offers=True)
    await owner.send("/push")
    extras = await owner.send("Soup of the day")
    who = await owner.press(extras.button("Skip"))
    preview = await owner.press(who.button("Everyone who opted in"))
    await owner.press(preview.button("Schedule"))
    queued = await owner.send("24.12 18:30")
    assert queued.button_or_none("Keep as news") is None
    keep = BizEdit(action=EditAction.KEEP, value=1).pack()
    early = await owner.press(keep)  # a forged button before it went out
    assert early.toasts == ["Only a push that has gone out can be kept as news."]
    assert await db.count(NewsPost) == 0
    clock.advance(days=300)
    assert (await owner.press(keep)).toasts == ["📰 Kept as a news post."]
    assert [p.text for p in await db.all(select(NewsPost))] == ["Soup of the day"]


async def test_a_long_photo_post_fits_a_caption(tg, db) -> None:
    """Telegram refuses a caption over 1024 characters: the date goes first, then the page."""
    owner, anna = tg(OWNER), tg(101)
    await owner.press(WRITE)
    await send_other(owner, {**PHOTO, "caption": "z" * 1000})
    await join(anna)
    caption = (await anna.press(NewsCb(merchant_id=1).pack())).of(SendPhoto)[0].caption
    assert caption == "z" * 1000 + "\n\n<i>Post 1 of 1</i>"


async def test_the_same_update_twice_posts_once(tg, db) -> None:
    owner = tg(OWNER)
    await owner.press(WRITE)
    asked = await owner.send("Fresh bread at 7")
    await owner.press(asked.button("without a photo"))
    again = await owner.replay()  # Telegram delivered the press again
    assert "Posted" not in again.text
    assert await db.count(NewsPost) == 1
    assert len(await news_audit(db)) == 1
