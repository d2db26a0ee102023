"""Texts and buttons of partnerships (issue 16): the admin's /partners console, the invite link
and its preview, the end confirmation, and the members' Partners page with each partner's card."""

from __future__ import annotations

from enum import StrEnum
from html import escape
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from handlers.ui.business_buttons import card_keyboard
from handlers.ui.business_render import day_hours
from handlers.ui.callbacks import Id
from handlers.ui.render import date_time, day
from services.coalition.partners import (
    InvitePreview,
    PartnerCard,
    PartnerConsole,
    PartnerLine,
    PartnerRefused,
    PartnersPage,
)
from services.numbers import MAX_ID
from services.policy import hours


class PtAction(StrEnum):
    CONSOLE = "console"  # the admin's console again (after the members' view, a cancel)
    INVITE = "invite"
    REVOKE = "revoke"  # an open invite, by id
    END = "end"  # ask to confirm ending the partnership with merchant `id`
    END_OK = "end_ok"


class PtCb(CallbackData, prefix="pt"):
    """The admin's console: every act checks the role of the presser first."""

    action: PtAction
    id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


class PtViewCb(CallbackData, prefix="ptv"):
    """The members' Partners page of `merchant_id`, or (`partner_id`) one partner's card on
    it: public information, checked only for the partnership being active."""

    merchant_id: Id
    partner_id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


class PtInviteCb(CallbackData, prefix="ptk"):
    """Accept or decline the invite link `token` (16 letters and digits)."""

    token: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{16}$")]
    accept: bool


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def console_text(console: PartnerConsole) -> str:
    lines = [_("🤝 <b>Partners of {name}</b>").format(name=escape(console.name)), ""]
    if not console.partners:
        lines.append(
            _(
                "No partners yet. Invite a business of this bot: your members will see each "
                "other's business cards, and each of you may offer certificates the other "
                "hands out."
            )
        )
    for partner in console.partners:
        since = day(partner.since.astimezone(ZoneInfo(console.timezone)).date(), console.timezone)
        lines.append(
            _("• {name}, since {date}").format(name=f"<b>{escape(partner.name)}</b>", date=since)
        )
    if console.invites:
        lines += ["", _("Invite links still open:")]
        for invite in console.invites:
            until = date_time(invite.expires_at, console.timezone)
            lines.append(_("• a link valid until {time}").format(time=until))
    return "\n".join(lines)


def console_keyboard(console: PartnerConsole) -> InlineKeyboardMarkup:
    rows = [[_button(_("➕ Invite a partner"), PtCb(action=PtAction.INVITE))]]
    for partner in console.partners:
        text = _("🔚 End partnership with {name}").format(name=partner.name)
        rows.append([_button(text, PtCb(action=PtAction.END, id=partner.merchant_id))])
    for number, invite in enumerate(console.invites, 1):
        text = _("🗑 Revoke link {number}").format(number=number)
        rows.append([_button(text, PtCb(action=PtAction.REVOKE, id=invite.id))])
    members = PtViewCb(merchant_id=console.merchant_id)
    rows.append([_button(_("👀 As members see it"), members)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def invite_text(link: str, name: str) -> str:
    return _(
        "Send this link to the admin of the business you want to partner with. When they "
        "open it and accept, {name} and their business become partners: your members see "
        "each other's business cards, and each of you may offer certificates the other hands "
        "out. The link works once, within 7 days:\n{link}"
    ).format(name=f"<b>{escape(name)}</b>", link=link)


def invite_keyboard(link: str, name: str) -> InlineKeyboardMarkup:
    text = _("{name} invites your business to partner in this loyalty bot.").format(name=name)
    url = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📤 Share"), url=url)]]
    )


def preview_text(preview: InvitePreview) -> str:
    return _(
        "🤝 {inviter} invites {invitee} to partner: your members will see each other's "
        "business cards; each of you may offer certificates the other hands out."
    ).format(
        inviter=f"<b>{escape(preview.inviter)}</b>", invitee=f"<b>{escape(preview.invitee)}</b>"
    )


def preview_keyboard(preview: InvitePreview) -> InlineKeyboardMarkup:
    accept = PtInviteCb(token=preview.token, accept=True)
    decline = PtInviteCb(token=preview.token, accept=False)
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("✅ Accept"), accept), _button(_("Decline"), decline)]]
    )


def accepted_text(partner: str, again: bool) -> str:
    if again:
        return _("You are partners with {name} already.").format(name=f"<b>{escape(partner)}</b>")
    return _(
        "🤝 You are now partners with {name}. Your members see its business card under "
        "🤝 Partners, and its members see yours."
    ).format(name=f"<b>{escape(partner)}</b>")


def declined_text(partner: str) -> str:
    return _("You declined the invitation of {name}. The link no longer works.").format(
        name=f"<b>{escape(partner)}</b>"
    )


def end_question(partner: PartnerLine) -> str:
    return _(
        "End the partnership with {name}? Neither of you will hand out the other's "
        "certificates any more, and your members will no longer see each other's cards. "
        "Certificates already handed out stay valid until they expire."
    ).format(name=f"<b>{escape(partner.name)}</b>")


def end_keyboard(partner: PartnerLine) -> InlineKeyboardMarkup:
    end = PtCb(action=PtAction.END_OK, id=partner.merchant_id)
    back = PtCb(action=PtAction.CONSOLE)
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("🔚 End partnership"), end), _button(_("↩️ Back"), back)]]
    )


def ended_text(partner: str | None) -> str:
    if partner is None:
        return _("This partnership has ended already.")
    return _(
        "The partnership with {name} has ended. Certificates already handed out stay valid."
    ).format(name=f"<b>{escape(partner)}</b>")


def _essentials(entry: PartnerCard) -> list[str]:
    card = entry.card
    lines = [f"<b>{escape(card.name)}</b>"]
    if card.description:
        short = card.description if len(card.description) <= 160 else card.description[:159]
        lines.append(escape(short) + ("…" if short != card.description else ""))
    if card.address:
        lines.append("🏠 " + escape(card.address))
    if card.week is not None and card.local_now is not None:
        today = day_hours(card.week[card.local_now.weekday()], card.timezone)
        state = (
            _("🟢 Open now") if hours.is_open(card.week, card.local_now) else _("🔴 Closed now")
        )
        lines.append(_("🕒 Today: {hours}").format(hours=today) + " · " + state)
    if card.phone:
        lines.append("📞 " + escape(card.phone))
    return lines


def page_text(page: PartnersPage) -> str:
    lines = [_("🤝 <b>Partners of {name}</b>").format(name=escape(page.name))]
    if not page.partners:
        lines += ["", _("{name} has no partners yet.").format(name=escape(page.name))]
    for entry in page.partners:
        lines += ["", *_essentials(entry)]
    return "\n".join(lines)


def page_keyboard(page: PartnersPage, admin: bool) -> InlineKeyboardMarkup | None:
    rows = [
        [_button(card.name, PtViewCb(merchant_id=page.merchant_id, partner_id=card.merchant_id))]
        for card in (entry.card for entry in page.partners)
    ]
    if admin:
        rows.append([_button(_("↩️ Back"), PtCb(action=PtAction.CONSOLE))])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def partner_keyboard(entry: PartnerCard, join_link: str) -> InlineKeyboardMarkup:
    """The card's own buttons, then Join and back to the Partners page."""
    rows = list(card_keyboard(entry.card).inline_keyboard)
    join = _("Join {name}").format(name=entry.card.name)
    rows.append([InlineKeyboardButton(text=join, url=join_link)])
    rows.append([_button(_("↩️ Back"), PtViewCb(merchant_id=entry.of_merchant_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def partners_button(merchant_id: int) -> list[InlineKeyboardButton]:
    """The row under the About us card, when the merchant has partners."""
    return [_button(_("🤝 Partners"), PtViewCb(merchant_id=merchant_id))]


def refusal(error: PartnerRefused) -> str:
    texts = {
        "not_admin": _(
            "Only an admin of a business in this bot can accept a partnership. "
            "Please ask your business's admin to open the link."
        ),
        "unknown": _("This invite link is not valid. Ask for a new one."),
        "expired": _("This invite link has expired. Ask for a new one."),
        "used": _("This invite link has been used already. Ask for a new one."),
        "own": _(
            "This is your own business's invite link: send it to the admin of another business."
        ),
        "already": _("Your businesses are partners already."),
        "not_partners": _("These businesses are no longer partners."),
        "gone": _("This button is no longer active."),
    }
    return texts.get(error.reason, texts["unknown"])


def admins_only() -> str:
    return _("Only the admins of this place can manage its partners.")
