"""The business card and its news as members read them, and the words of its edit form; the
buttons are in handlers/ui/business_buttons.py."""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from html import escape, unescape
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_time, get_day_names
from pydantic import Field

from handlers.ui.render import date_locale, date_time
from services.business import CardField, CardRefused, CardView, NewsPage
from services.numbers import MAX_BIG_ID, MAX_ID, MAX_PAGE
from services.policy import hours

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=0, le=MAX_PAGE)]


class BizAction(StrEnum):
    WEEK = "week"
    MAP = "map"


class BizCb(CallbackData, prefix="biz"):
    """A member's button on the card (public information: any merchant's card may be asked)."""

    action: BizAction
    merchant_id: Id


class NewsCb(CallbackData, prefix="news"):
    merchant_id: Id
    page: Page = 0
    admin: bool = False  # the admin's view, with a delete button
    flip: bool = False  # from the pager: the page in place; from the card: a new message


class EditAction(StrEnum):
    FIELD = "f"  # edit `field`
    CLEAR = "x"  # remove `field`
    DAY = "h"  # hours for day `value` (0 = Monday; 7 = Monday to Friday)
    UNLINK = "u"  # remove the link whose key is `value`
    WRITE = "w"  # write a news post
    NO_PHOTO = "n"  # publish the post without a photo
    DELETE = "d"  # delete news post `value`
    KEEP = "k"  # keep push `value` as news
    DONE = "o"  # done with the hours or the links: the card again


class BizEdit(CallbackData, prefix="bze"):
    action: EditAction
    field: CardField = CardField.PHOTO
    value: Annotated[int, Field(ge=0, le=MAX_BIG_ID)] = 0


WEEKDAYS = 7  # DAY's value for "Monday to Friday"
CAPTION_LIMIT = 1024  # Telegram's, for a photo's caption
_TAG = re.compile(r"<[^>]+>")


def day_name(weekday: int, timezone: str, width: Literal["abbreviated", "wide"] = "wide") -> str:
    """Monday / понедельник / poniedziałek / hétfő (0 = Monday, as Babel counts); Mon / пн /
    pon. / H when `width` is "abbreviated"."""
    return str(get_day_names(width, locale=date_locale(timezone))[weekday])


def _clock(minutes: int, timezone: str) -> str:
    minutes %= hours.MINUTES_A_DAY
    return format_time(time(minutes // 60, minutes % 60), "short", locale=date_locale(timezone))


def day_hours(day: hours.Day, timezone: str) -> str:
    """08:00–20:00, 9:00–13:00 · 14:00–18:00, or closed."""
    if not day:
        return _("closed")
    return ", ".join(
        f"{_clock(i.start, timezone)}–{_clock(i.end, timezone)}"
        if i.end - i.start < hours.MINUTES_A_DAY
        else _("open all day")
        for i in day
    )


def _open_line(card: CardView) -> str:
    assert card.week is not None and card.local_now is not None
    now, tz = card.local_now, card.timezone
    today = _("🕒 Today: {hours}").format(hours=day_hours(card.week[now.weekday()], tz))
    if hours.is_open(card.week, now):
        return today + "\n" + _("🟢 Open now")
    opens = hours.next_opening(card.week, now)
    if opens is None:
        return today
    at = _clock(opens.hour * 60 + opens.minute, tz)
    if opens.date() == now.date():
        when = _("🔴 Closed now, opens at {time}").format(time=at)
    else:
        when = _("🔴 Closed now, opens {day} at {time}").format(
            day=day_name(opens.weekday(), tz), time=at
        )
    return today + "\n" + when


def card_text(card: CardView) -> str:
    lines = [f"<b>{escape(card.name)}</b>"]
    if card.description:
        lines += ["", escape(card.description)]
    details = []
    if card.address:
        details.append("🏠 " + escape(card.address))
    if card.week is not None:
        details.append(_open_line(card))
    if card.phone:
        details.append("📞 " + escape(card.phone))
    if details:
        lines += ["", *details]
    if len(lines) == 1 and not card.links and card.location is None:
        lines += ["", _("This place has not filled in its card yet.")]
    return "\n".join(lines)


def week_text(card: CardView) -> str:
    lines = [_("🕒 <b>Opening hours</b>")]
    if card.week is None:
        return lines[0] + "\n" + _("Not given yet.")
    today = card.local_now.weekday() if card.local_now else -1
    for weekday, day in enumerate(card.week):
        name = day_name(weekday, card.timezone)
        line = f"{name[:1].upper()}{name[1:]}: {day_hours(day, card.timezone)}"  # понедельник
        lines.append(f"<b>{line}</b>" if weekday == today else line)
    return "\n".join(lines)


def news_text(page: NewsPage, timezone: str) -> str:
    if page.post is None:
        return _("📰 No news yet. Check back soon!")
    position = ngettext("Post {n} of {count}", "Post {n} of {count}", page.total).format(
        n=page.index + 1, count=page.total
    )
    when = date_time(page.post.created_at, timezone)
    footers: tuple[str, ...] = (f"{when} · {position}", position)
    if page.post.photo:  # a caption: Telegram's limit counts what is read, without tags
        room = CAPTION_LIMIT - len(unescape(_TAG.sub("", page.post.text))) - 2
        footers = tuple(f for f in footers if len(f) <= room)
    return "\n\n".join([page.post.text, *(f"<i>{f}</i>" for f in footers[:1])])


def admin_card_text(card: CardView) -> str:
    return (
        card_text(card)
        + "\n\n"
        + _("✏️ This is the card members see with /about. Change it with the buttons below.")
    )


def field_prompt(field: CardField) -> str:
    prompts = {
        CardField.PHOTO: _("📷 Send a photo of the place."),
        CardField.DESCRIPTION: _("📝 Send the description, up to 1000 characters."),
        CardField.ADDRESS: _("🏠 Send the address, as members should read it."),
        CardField.LOCATION: _(
            "📍 Share the location from the attachment menu (📎 → Location): the map button "
            "sends members there."
        ),
        CardField.PHONE: _(
            "📞 Send the phone number with the country code, like +48 600 100 200."
        ),
        CardField.LINKS: _(
            "🔗 Send a name and an https link, like: Instagram https://instagram.com/ourcafe "
            "(up to 5 links)."
        ),
        CardField.HOURS: _(
            "🕒 Choose a day, then send its hours. Press Done when the week is right."
        ),
    }
    return prompts[field] + "\n" + _("/cancel to stop.")


def hours_prompt(weekday: int, timezone: str) -> str:
    days = _("Monday to Friday") if weekday == WEEKDAYS else day_name(weekday, timezone)
    return _("🕒 Hours for {days}: send them like 8-20, or 9-13, 14-18, or closed.").format(
        days=days
    )


def saved() -> str:
    return _("✅ Saved.")


def pick_day_first() -> str:
    return _("🕒 Pick a day with the buttons first, then send its hours.")


def link_saved(links: int, limit: int) -> str:
    """After a link: another may follow, up to the limit."""
    if links < limit:
        more = _("Send another link the same way, or press Done.")
    else:
        more = ngettext(
            "The card holds {limit} link, the most it can.",
            "The card holds {limit} links, the most it can.",
            limit,
        ).format(limit=limit)
    return saved() + "\n" + more


def admins_only() -> str:
    return _("Only the admins of this place can change its card.")


def refusal(error: CardRefused) -> str:
    if error.reason == "too_long":
        return ngettext(
            "That is {length} characters; the limit is {limit} character.",
            "That is {length} characters; the limit is {limit} characters.",
            error.limit,
        ).format(length=error.length, limit=error.limit)
    texts = {
        "hours_format": _(
            "I couldn't read those hours. Send them like 8-20, 9-13, 14-18 or closed."
        ),
        "hours_order": _("An opening and a closing time are the same. Send them like 8-20."),
        "hours_overlap": _("Those intervals overlap. Send them like 9-13, 14-18."),
        "phone": _("That doesn't look like a phone number. Send it like +48 600 100 200."),
        "link_format": _(
            "Send a name, a space and the link, like: Instagram https://instagram.com/ourcafe"
        ),
        "link_url": _("The link must be a full address starting with https://"),
        "links_full": _("The card has 5 links already: remove one first."),
        "empty": _("Please send some text."),
        "no_push": _("This push is not one of this place's."),
        "not_sent": _("Only a push that has gone out can be kept as news."),
        "no_link": _("That link was removed already."),
    }
    return texts.get(error.reason, _("Please try again."))


def news_prompt() -> str:
    return _("✍️ Send the text of the post, up to 1000 characters. /cancel to stop.")


def news_photo_prompt() -> str:
    return _("📷 Add a photo to the post, or publish it without one.")


def news_posted() -> str:
    return _("📰 Posted. Members see it under News on the card.")


def kept_as_news(kept: bool) -> str:
    return _("📰 Kept as a news post.") if kept else _("This push is a news post already.")
