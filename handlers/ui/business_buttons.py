"""The buttons of the business card: a member's, the admin's edit buttons, the news pager."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.ui.business_render import (
    WEEKDAYS,
    BizAction,
    BizCb,
    BizEdit,
    EditAction,
    NewsCb,
    day_name,
)
from services.business import CardField, CardView, NewsPage
from services.business.values import MAX_LINKS, link_key

Rows = list[list[InlineKeyboardButton]]


def _edit(
    text: str, action: EditAction, field: CardField = CardField.PHOTO, value: int = 0
) -> InlineKeyboardButton:
    data = BizEdit(action=action, field=field, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _member_rows(card: CardView) -> Rows:
    first = []
    if card.week is not None:
        data = BizCb(action=BizAction.WEEK, merchant_id=card.merchant_id).pack()
        first.append(InlineKeyboardButton(text=_("🕒 Week"), callback_data=data))
    if card.location is not None:
        data = BizCb(action=BizAction.MAP, merchant_id=card.merchant_id).pack()
        first.append(InlineKeyboardButton(text=_("📍 Map"), callback_data=data))
    news = NewsCb(merchant_id=card.merchant_id).pack()
    first.append(InlineKeyboardButton(text=_("📰 News"), callback_data=news))
    rows = [first]
    rows += [[InlineKeyboardButton(text=link.label, url=link.url)] for link in card.links]
    return rows


def card_keyboard(card: CardView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=_member_rows(card))


def admin_keyboard(card: CardView) -> InlineKeyboardMarkup:
    f = EditAction.FIELD
    rows = [
        *_member_rows(card),
        [
            _edit(_("📷 Photo"), f, CardField.PHOTO),
            _edit(_("📝 Description"), f, CardField.DESCRIPTION),
        ],
        [
            _edit(_("🏠 Address"), f, CardField.ADDRESS),
            _edit(_("📍 Location"), f, CardField.LOCATION),
        ],
        [_edit(_("🕒 Hours"), f, CardField.HOURS), _edit(_("📞 Phone"), f, CardField.PHONE)],
        [_edit(_("🔗 Links"), f, CardField.LINKS), _edit(_("✍️ Write a post"), EditAction.WRITE)],
        [
            InlineKeyboardButton(
                text=_("🗂 Manage posts"),
                callback_data=NewsCb(merchant_id=card.merchant_id, admin=True).pack(),
            )
        ],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def field_keyboard(card: CardView, field: CardField) -> InlineKeyboardMarkup | None:
    """A remove button when the field holds something; the links one by one; the days; Done
    for the steps that take more than one value."""
    rows: Rows = []
    if field == CardField.HOURS:
        days = [
            _edit(day_name(d, card.timezone, "abbreviated"), EditAction.DAY, value=d)
            for d in range(7)
        ]
        rows = [days[:4], days[4:], [_edit(_("Mon–Fri"), EditAction.DAY, value=WEEKDAYS)]]
    if field == CardField.LINKS:
        rows = [
            [_edit("🗑 " + link.label, EditAction.UNLINK, value=link_key(link.url))]
            for link in card.links
        ]
    has = {
        CardField.PHOTO: card.photo,
        CardField.DESCRIPTION: card.description,
        CardField.ADDRESS: card.address,
        CardField.LOCATION: card.location,
        CardField.HOURS: card.week,
        CardField.PHONE: card.phone,
    }.get(field)
    if has is not None:
        rows.append([_edit(_("🗑 Remove"), EditAction.CLEAR, field)])
    if field in (CardField.HOURS, CardField.LINKS):  # steps that go on until Done
        rows.append([_done()])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _done() -> InlineKeyboardButton:
    return _edit(_("✅ Done"), EditAction.DONE)


def more_links_keyboard(card: CardView) -> InlineKeyboardMarkup:
    """After a link is saved: another, or done."""
    more = _edit(_("➕ Add another link"), EditAction.FIELD, CardField.LINKS)
    row = [more, _done()] if len(card.links) < MAX_LINKS else [_done()]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def news_keyboard(page: NewsPage, merchant_id: int, admin: bool) -> InlineKeyboardMarkup | None:
    row = []
    if page.index > 0:
        data = NewsCb(merchant_id=merchant_id, page=page.index - 1, admin=admin, flip=True).pack()
        row.append(InlineKeyboardButton(text="◀️", callback_data=data))
    if page.index < page.total - 1:
        data = NewsCb(merchant_id=merchant_id, page=page.index + 1, admin=admin, flip=True).pack()
        row.append(InlineKeyboardButton(text="▶️", callback_data=data))
    rows = [row] if row else []
    if admin and page.post is not None:
        rows.append([_edit(_("🗑 Delete this post"), EditAction.DELETE, value=page.post.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def news_photo_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_edit(_("Publish without a photo"), EditAction.NO_PHOTO)]]
    )


def keep_keyboard(campaign_id: int) -> InlineKeyboardMarkup:
    """Under a queued push: keep it as a news post on the card."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[_edit(_("📰 Keep as news"), EditAction.KEEP, value=campaign_id)]]
    )
