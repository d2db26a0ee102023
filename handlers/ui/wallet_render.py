"""How a member's wallet reads (issue 16): the list of their certificates across businesses,
a page at a time, one certificate with its code (the caption of its QR) or the business to
join first, the gift link, and a gift link's certificate as the friend who opens it sees it.

Message texts are HTML (names escaped); button texts are plain."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.ui.certificate_words import certificate_worth
from handlers.ui.keyboards import invite_keyboard
from handlers.ui.render import N_, money, whole_number
from handlers.ui.voucher_render import valid_until
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.coalition.wallet import CertificateCard, Held, HeldCertificate, Wallet
from services.policy.certificates import shown_code

STATES = {
    Held.OPEN: N_("ready to use"),
    Held.USED: N_("used"),
    Held.EXPIRED: N_("expired"),
    Held.CANCELLED: N_("no longer valid"),
    Held.GIVEN: N_("given to a friend"),
}


def _worth(c: HeldCertificate) -> str:
    return certificate_worth(c.value_minor, c.item, c.currency)


def _until(c: HeldCertificate) -> str:
    return valid_until(c.expires_at, c.timezone)


def _min_check(c: HeldCertificate) -> str:
    return _("for a check of {amount} or more").format(amount=money(c.min_check_minor, c.currency))


def _min_check_line(c: HeldCertificate) -> str:
    check = _min_check(c)
    return check[:1].upper() + check[1:]


def _open_line(c: HeldCertificate) -> list[str]:
    lines = [f"• <b>{escape(c.merchant)}</b> — {_worth(c)}"]
    if c.min_check_minor:
        lines.append("   " + _min_check(c))
    lines.append(
        "   "
        + _("valid until {day}, from {partner}").format(day=_until(c), partner=escape(c.partner))
    )
    if not c.joined:
        lines.append("   " + _("join {merchant} to use it").format(merchant=escape(c.merchant)))
    return lines


def how_to_get() -> str:
    return _(
        "Certificates come from the partners of the places you are a member of: after a "
        "purchase there, or from their cashier. They show up here."
    )


def wallet_text(wallet: Wallet) -> str:
    lines = [_("👛 <b>Your wallet</b>"), ""]
    if not wallet.open:
        lines += [_("No certificates to use right now."), "", how_to_get()]
    else:
        count = wallet.open_count
        lines.append(
            ngettext("{count} valid certificate:", "{count} valid certificates:", count).format(
                count=whole_number(count)
            )
        )
        if wallet.pages > 1:
            lines.append(
                _("Page {page} of {pages}").format(
                    page=whole_number(wallet.page + 1), pages=whole_number(wallet.pages)
                )
            )
        for c in wallet.open:
            lines += _open_line(c)
    if wallet.closed:
        lines += ["", _("Earlier ones:")]
        lines += [
            f"• {escape(c.merchant)} — {_worth(c)}: {_(STATES[c.state])}" for c in wallet.closed
        ]
    return "\n".join(lines)


def _button(
    text: str, action: WalletAction, certificate_id: int = 0, page: int = 0
) -> InlineKeyboardButton:
    data = WalletCb(action=action, certificate_id=certificate_id, page=page)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _label(c: HeldCertificate) -> str:
    return certificate_worth(c.value_minor, c.item, c.currency, html=False)


def wallet_keyboard(wallet: Wallet) -> InlineKeyboardMarkup | None:
    rows = [
        [_button(f"🎟 {c.merchant} · {_label(c)}", WalletAction.SHOW, c.id, wallet.page)]
        for c in wallet.open
    ]
    turn = []
    if wallet.page > 0:
        turn.append(_button("◀️", WalletAction.PAGE, page=wallet.page - 1))
    if wallet.page < wallet.pages - 1:
        turn.append(_button("▶️", WalletAction.PAGE, page=wallet.page + 1))
    if turn:
        rows.append(turn)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def certificate_text(card: CertificateCard) -> str:
    c = card.held
    lines = [
        _("🎟 <b>Certificate: {worth}</b>").format(worth=_worth(c)),
        _("Where: {merchant}").format(merchant=escape(c.merchant)),
    ]
    if card.address:
        lines.append(f"📍 {escape(card.address)}")
    if c.min_check_minor:
        lines.append(_min_check_line(c))
    lines.append(_("Valid until {day}").format(day=_until(c)))
    lines.append(_("Handed out by {partner}").format(partner=escape(c.partner)))
    if c.state is not Held.OPEN:
        lines.append(_("Status: {status}").format(status=_(STATES[c.state])))
        return "\n".join(lines)
    if card.code is None:
        lines += [
            "",
            _(
                "To use it, join {merchant} first: read its rules and accept them, and the "
                "code shows here."
            ).format(merchant=escape(c.merchant)),
        ]
        return "\n".join(lines)
    lines.append(_("Code: <code>{code}</code>").format(code=shown_code(card.code)))
    if c.gifted:
        lines.append(_("It was a gift to you, so it cannot be given again."))
    lines += [
        "",
        _("Show this code or the QR to the cashier at {merchant}.").format(
            merchant=escape(c.merchant)
        ),
    ]
    return "\n".join(lines)


def certificate_keyboard(card: CertificateCard, page: int = 0) -> InlineKeyboardMarkup:
    """Its buttons; `page`: the wallet's page Back returns to."""
    c = card.held
    rows = []
    if c.state is Held.OPEN and card.code is None:
        join = _("✅ Join {merchant}").format(merchant=c.merchant)
        rows.append([_button(join, WalletAction.JOIN, c.id, page)])
    if c.state is Held.OPEN and not c.gifted:
        rows.append([_button(_("🎁 Give to a friend"), WalletAction.GIFT, c.id, page)])
    rows.append([_button(_("↩️ Back"), WalletAction.LIST, page=page)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def gift_link_text(card: CertificateCard, link: str) -> str:
    return (
        _(
            "🎁 Send this link to a friend. The first to open it gets your certificate for "
            "{merchant} ({worth}); a certificate can be given only once. Until then it stays "
            "yours."
        ).format(merchant=escape(card.held.merchant), worth=_worth(card.held))
        + f"\n\n{link}"
    )


def gift_link_keyboard(card: CertificateCard, link: str, page: int = 0) -> InlineKeyboardMarkup:
    share = _("🎁 A gift certificate for {merchant}, from me").format(merchant=card.held.merchant)
    rows = invite_keyboard(link, share).inline_keyboard
    back = _button(_("↩️ Back"), WalletAction.SHOW, card.held.id, page)
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [back]])


def gift_offer_text(c: HeldCertificate) -> str:
    # The date ends its line: a Babel date may end in a full stop of its own (ru, hu).
    lines = [
        _("🎁 A gift for you: a certificate for {merchant}, {worth}").format(
            merchant=escape(c.merchant), worth=_worth(c)
        )
    ]
    if c.min_check_minor:
        lines.append(_min_check_line(c))
    lines += [
        _("Valid until {day}").format(day=_until(c)),
        "",
        _("To take it, join the program of {merchant}: its rules are below.").format(
            merchant=escape(c.merchant)
        ),
    ]
    return "\n".join(lines)


def gift_gone_text(reason: str) -> str:
    """The gift went while its friend read the rules (`reason`, as `refusal`'s): they were
    not joined."""
    match reason:
        case "taken":
            gone = _("Someone else took this gift first: a gift link works once.")
        case "stale":
            gone = _("This page of the gift is out of date: open the gift link again.")
        case _:
            gone = refusal(reason)
    return gone + "\n\n" + _("You have not joined the program.")


def refusal(reason: str) -> str:
    match reason:
        case "gifted":
            return _("This certificate was given once already: it can be given only once.")
        case "taken":
            return _(
                "This gift has already been taken: a gift link works once. If it was you, "
                "the certificate is in /wallet."
            )
        case "own":
            return _(
                "This is your own gift link: send it to a friend. The certificate stays yours "
                "until they open it."
            )
        case "gift_gone":
            return _(
                "This gift is no longer valid: the certificate was used, has expired or was "
                "withdrawn."
            )
        case "redeemed":
            return _("This certificate has already been used.")
        case "expired":
            return _("This certificate has expired.")
        case "cancelled":
            return _("This certificate is no longer valid.")
        case _:
            return _("There is no such certificate of yours. Your certificates are in /wallet.")
