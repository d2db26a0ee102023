"""A partner's certificate inside a sale (issue 16): the preview's 🎟 buttons put one in, its ✖️
takes it out; either makes the draft again under a new key, shown in place of the old preview.
Only the sale's merchant's staff may press them (the lookup checks the seller first)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from handlers.answers import Answer
from handlers.errors import answer_refusals
from handlers.sale_offer import preview_markup
from handlers.till_refusals import button_refusals
from handlers.ui.edit import edit_text
from handlers.ui.sale_certificate_render import (
    CertificateDrop,
    CertificateUse,
    certificate_refused,
)
from handlers.ui.sale_render import preview_text
from services.coalition.sale_certificates import SaleCertificateService
from services.dto import MemberContext
from services.errors import CertificateRefused
from services.rewards.redeem import RedeemService
from services.till import SaleDraft

router = Router(name=__name__)
answer_refusals(router, button_refusals)
STAFF = {"staff": True}


async def _show(
    query: CallbackQuery, draft: SaleDraft, ctx: MemberContext, redeem: RedeemService
) -> None:
    if isinstance(query.message, Message):
        markup = await preview_markup(draft, ctx, redeem)
        await edit_text(query.message, preview_text(draft), markup)


@router.callback_query(CertificateUse.filter(), flags=STAFF)
async def cb_use_certificate(
    query: CallbackQuery,
    callback_data: CertificateUse,
    ctx: MemberContext,
    sale_certificates: SaleCertificateService,
    redeem: RedeemService,
) -> None:
    """The same sale with the certificate paying its share first: a new draft."""
    draft = await sale_certificates.use(
        ctx.work_merchant_id, query.from_user.id, callback_data.key, callback_data.certificate_id
    )
    await _show(query, draft, ctx, redeem)


@router.callback_query(CertificateDrop.filter(), flags=STAFF)
async def cb_drop_certificate(
    query: CallbackQuery,
    callback_data: CertificateDrop,
    ctx: MemberContext,
    sale_certificates: SaleCertificateService,
    redeem: RedeemService,
) -> None:
    """The same sale without its certificate: a new draft."""
    draft = await sale_certificates.drop(
        ctx.work_merchant_id, query.from_user.id, callback_data.key
    )
    await _show(query, draft, ctx, redeem)


@router.errors(ExceptionTypeFilter(CertificateRefused))
async def on_certificate_refused(event: ErrorEvent, answer: Answer) -> None:
    assert isinstance(event.exception, CertificateRefused)
    answer.alert(certificate_refused(event.exception))
