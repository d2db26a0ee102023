"""A partner's certificate inside a sale (issue 16): its buttons on the preview (`cs…`), the
check's lines with its share, what the confirmation, the receipt and a refund say of it, and
its refusals."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from handlers.ui.certificate_words import certificate_worth
from handlers.ui.render import money
from services.coalition.sale_certificates import ShareTooSmall
from services.coalition.sale_share import CertificateBack, CertificateFate, RefundOverCertificate
from services.errors import CertificateRefused
from services.notices import Receipt, RefundReceipt
from services.notices.sales import HandedBack
from services.numbers import MAX_BIG_ID
from services.purchases import SaleResult
from services.till import SaleDraft

DraftKey = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class CertificateUse(CallbackData, prefix="csu"):
    """🎟 on a preview: the draft made again with this certificate paying part of it."""

    key: DraftKey
    certificate_id: Annotated[int, Field(ge=1, le=MAX_BIG_ID)]


class CertificateDrop(CallbackData, prefix="csd"):
    """✖️ on a preview: the draft made again without its certificate."""

    key: DraftKey


def check_lines(draft: SaleDraft) -> list[str]:
    """The check, and the certificate's part of it when the draft uses one."""
    cur = draft.till.currency
    lines = [_("Check: {amount}").format(amount=money(draft.check_minor, cur))]
    used = draft.certificate
    if used is not None and used.item:
        lines.append(
            _("🎟 Certificate: {item} (handed over with the sale)").format(item=escape(used.item))
        )
    elif used is not None:
        lines.append(_("🎟 Certificate: −{amount}").format(amount=money(used.share_minor, cur)))
    return lines


def certificate_rows(draft: SaleDraft) -> list[list[InlineKeyboardButton]]:
    """A 🎟 button per certificate the buyer could use, or ✖️ to drop the one in use."""
    key = draft.key
    if draft.certificate is not None:
        drop = CertificateDrop(key=key).pack()
        text = _("✖️ Without the certificate")
        return [[InlineKeyboardButton(text=text, callback_data=drop)]]
    cur = draft.till.currency
    return [
        [
            InlineKeyboardButton(
                text=_("🎟 Use certificate: {what}").format(what=money(c.value_minor, cur))
                if not c.item
                else f"🎟 {c.item}",
                callback_data=CertificateUse(key=key, certificate_id=c.id).pack(),
            )
        ]
        for c in draft.certificates
    ]


def confirmed_lines(result: SaleResult) -> list[str]:
    """To the cashier: what the certificate paid, or the item to hand over."""
    if result.certificate_item:
        return [
            _("🎟 Hand over with the sale: {item}.").format(item=escape(result.certificate_item))
        ]
    if result.certificate_minor:
        return [
            _("🎟 A certificate paid {amount} of the check.").format(
                amount=money(result.certificate_minor, result.currency)
            )
        ]
    return []


def receipt_certificate_lines(r: Receipt) -> list[str]:
    """To the buyer: what their certificate paid (`amount` is the rest of the check)."""
    if r.certificate_item:
        return [_("🎟 Certificate used: {item}").format(item=escape(r.certificate_item))]
    if r.certificate_minor:
        return [
            _("🎟 Certificate used: −{amount}").format(
                amount=money(r.certificate_minor, r.currency)
            )
        ]
    return []


def handed_out_lines(handed: Sequence[HandedBack], to_member: bool = False) -> str:
    """What a full refund did with the certificates the sale handed out at a partner."""
    lines = []
    for h in handed:
        what = {
            "merchant": escape(h.merchant),
            "what": certificate_worth(h.value, h.item, h.currency),
        }
        if h.withdrawn and to_member:
            text = _(
                "🎟 The certificate for {merchant} ({what}) this purchase gave you is withdrawn."
            )
        elif h.withdrawn:
            text = _("🎟 The certificate for {merchant} ({what}) this sale gave is withdrawn.")
        elif to_member:
            text = _(
                "🎟 The certificate for {merchant} ({what}) this purchase gave you was used "
                "or given away already, so it stays."
            )
        else:
            text = _(
                "🎟 The certificate for {merchant} ({what}) this sale gave was used or "
                "given away already: it stays."
            )
        lines.append("\n" + text.format(**what))
    return "".join(lines)


def refund_certificate_line(
    back: CertificateBack | None, currency: str, handed: Sequence[HandedBack] = ()
) -> str:
    """To the cashier: what the refund does with the certificate that paid part of the sale,
    and with those the sale handed out."""
    if back is None:
        return handed_out_lines(handed)
    what = certificate_worth(back.value_minor, back.item, currency)
    if back.fate == CertificateFate.RETURNED:
        text = _("🎟 The certificate {what} goes back to the customer's wallet.")
    elif back.fate == CertificateFate.EXPIRED:
        text = _("🎟 The certificate {what} has expired, so it stays used.")
    elif back.fate == CertificateFate.LEFT:
        text = _("🎟 The certificate {what} is not given back: its holder erased their data.")
    else:
        text = _("🎟 The certificate {what} stays used: only a full refund returns it.")
    return "\n" + text.format(what=what) + handed_out_lines(handed)


def refund_receipt_certificate_line(r: RefundReceipt) -> str:
    """To the buyer: whether their certificate came back."""
    if r.certificate_fate is None:
        return handed_out_lines(r.handed_out, to_member=True)
    what = certificate_worth(r.certificate_minor, r.certificate_item, r.currency)
    if r.certificate_fate == CertificateFate.RETURNED:
        text = _("🎟 Your certificate {what} is back in your wallet (/wallet).")
    elif r.certificate_fate == CertificateFate.EXPIRED:
        text = _("🎟 Your certificate {what} had expired, so it is not returned.")
    elif r.certificate_fate == CertificateFate.LEFT:
        text = _(
            "🎟 Your certificate {what} is not returned: it went with your data when you erased it."
        )
    else:
        text = _("🎟 Your certificate {what} stays used.")
    return "\n" + text.format(what=what) + handed_out_lines(r.handed_out, to_member=True)


def over_certificate(error: RefundOverCertificate) -> str:
    """A refund of more than the money paid on a sale a certificate paid part of."""
    return _(
        "A certificate paid {share} of this check, so at most {left} can be refunded in money."
    ).format(
        share=money(error.certificate_minor, error.currency),
        left=money(error.left_minor, error.currency),
    )


def certificate_refused(error: CertificateRefused) -> str:
    """A 🎟 button's refusal."""
    if isinstance(error, ShareTooSmall):
        return _(
            "This certificate needs a check of at least {amount}. Use it on a bigger check."
        ).format(amount=money(error.min_check_minor, error.currency))
    return {
        "covers_check": _(
            "The certificate is worth the whole check or more: hand it over on its own "
            "with /redeem."
        ),
        "redeemed": _("This certificate has already been used."),
        "expired": _("This certificate has expired."),
        "cancelled": _("This certificate is no longer valid."),
    }.get(error.reason, _("This certificate is not one of this customer's."))
