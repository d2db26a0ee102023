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
from handlers.ui.callbacks import Id
from handlers.ui.render import date_time, day
from services.coalition.partner_views import (
    InvitePreview,
    PartnerCard,
    PartnerConsole,
    Partnered,
    PartnerLine,
    PartnersPage,
)
from services.numbers import MAX_ID

TEXT_LIMIT = 4096  # Telegram's, for a message


class PtAction(StrEnum):
    CONSOLE = "console"  # the admin's console again (after the members' view, a cancel)
    INVITE = "invite"
    REVOKE = "revoke"  # an open invite, by id
    END = "end"  # ask to confirm ending the partnership with merchant `id`
    END_OK = "end_ok"


class PtCb(CallbackData, prefix="pt"):
    """The admin's console of `merchant_id`: every act checks the role of the presser first,
    and is refused when they have switched to another business with /merchant since."""

    action: PtAction
    id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
    merchant_id: Id


class PtViewCb(CallbackData, prefix="ptv"):
    """The members' Partners page of `merchant_id`, or (`partner_id`) one partner's card on
    it: public information, checked only for the partnership being active."""

    merchant_id: Id
    partner_id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0


class PtInviteCb(CallbackData, prefix="ptk"):
    """Accept or decline the invite link `token` (16 letters and digits) for `merchant_id`,
    the business its preview named (the presser must be its admin)."""

    token: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{16}$")]
    merchant_id: Id
    accept: bool


class PtPageCb(CallbackData, prefix="ptp"):
    """Another page of `merchant_id`'s members' Partners page."""

    merchant_id: Id
    page: Annotated[int, Field(ge=0, le=MAX_ID)]


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
            line = _("{number}. a link valid until {time}")
            lines.append(line.format(number=invite.number, time=until))
    return "\n".join(lines)


def console_keyboard(console: PartnerConsole) -> InlineKeyboardMarkup:
    here = console.merchant_id
    rows = [[_button(_("➕ Invite a partner"), PtCb(action=PtAction.INVITE, merchant_id=here))]]
    for partner in console.partners:
        text = _("🔚 End partnership with {name}").format(name=partner.name)
        end = PtCb(action=PtAction.END, id=partner.merchant_id, merchant_id=here)
        rows.append([_button(text, end)])
    for invite in console.invites:
        text = _("🗑 Revoke link {number}").format(number=invite.number)
        revoke = PtCb(action=PtAction.REVOKE, id=invite.id, merchant_id=here)
        rows.append([_button(text, revoke)])
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
    accept = PtInviteCb(token=preview.token, merchant_id=preview.invitee_id, accept=True)
    decline = PtInviteCb(token=preview.token, merchant_id=preview.invitee_id, accept=False)
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("✅ Accept"), accept), _button(_("Decline"), decline)]]
    )


def accepted_text(done: Partnered) -> str:
    names = {"name": f"<b>{escape(done.partner)}</b>", "mine": f"<b>{escape(done.invitee)}</b>"}
    if done.again:
        return _("{mine} is partners with {name} already.").format(**names)
    return _(
        "🤝 {mine} and {name} are now partners. Your members see its business card under "
        "🤝 Partners, and its members see yours."
    ).format(**names)


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


def end_keyboard(partner: PartnerLine, merchant_id: int) -> InlineKeyboardMarkup:
    end = PtCb(action=PtAction.END_OK, id=partner.merchant_id, merchant_id=merchant_id)
    back = PtCb(action=PtAction.CONSOLE, merchant_id=merchant_id)
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("🔚 End partnership"), end), _button(_("↩️ Back"), back)]]
    )


def ended_text(partner: str | None) -> str:
    if partner is None:
        return _("This partnership has ended already.")
    return _(
        "The partnership with {name} has ended. Certificates already handed out stay valid."
    ).format(name=f"<b>{escape(partner)}</b>")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def page_text(page: PartnersPage) -> str:
    """A line for each partner (its full card is on its button); a page too long for a
    message with pathological names loses the lines' details, never the partners."""
    head = [_("🤝 <b>Partners of {name}</b>").format(name=escape(page.name))]
    if not page.partners:
        return "\n".join([*head, "", _("{name} has no partners yet.").format(name=page.name)])
    if page.pages > 1:
        head.append(_("Page {page} of {pages}").format(page=page.page + 1, pages=page.pages))
    for detailed in (True, False):
        lines = [*head, ""]
        for entry in page.partners:
            line = f"• <b>{escape(_clip(entry.name, 60))}</b>"
            if detailed and entry.summary:
                line += " · " + escape(_clip(" ".join(entry.summary.split()), 70))
            lines.append(line)
        lines += ["", _("Press a partner for its card.")]
        text = "\n".join(lines)
        if len(text) <= TEXT_LIMIT:
            break
    return text


def page_keyboard(page: PartnersPage, admin: bool) -> InlineKeyboardMarkup | None:
    here = page.merchant_id
    rows = [
        [_button(entry.name, PtViewCb(merchant_id=here, partner_id=entry.merchant_id))]
        for entry in page.partners
    ]
    turn = []
    if page.page > 0:
        turn.append(_button("◀️", PtPageCb(merchant_id=here, page=page.page - 1)))
    if page.page + 1 < page.pages:
        turn.append(_button("▶️", PtPageCb(merchant_id=here, page=page.page + 1)))
    if turn:
        rows.append(turn)
    if admin:
        rows.append([_button(_("↩️ Back"), PtCb(action=PtAction.CONSOLE, merchant_id=here))])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def partner_keyboard(entry: PartnerCard, link: str) -> InlineKeyboardMarkup:
    """The card's own buttons, then Join (Open, for a member there already) and back to the
    Partners page."""
    rows = list(card_keyboard(entry.card).inline_keyboard)
    if entry.member:
        text = _("✅ You are a member: open {name}").format(name=entry.card.name)
    else:
        text = _("Join {name}").format(name=entry.card.name)
    rows.append([InlineKeyboardButton(text=text, url=link)])
    rows.append([_button(_("↩️ Back"), PtViewCb(merchant_id=entry.of_merchant_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def partners_button(merchant_id: int) -> list[InlineKeyboardButton]:
    """The row under the About us card, when the merchant has partners."""
    return [_button(_("🤝 Partners"), PtViewCb(merchant_id=merchant_id))]
