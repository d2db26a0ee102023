"""The customer's open vouchers on a sale's preview (issue 15): "🎁 <reward>" buttons under the
sale's own, which handlers/redeem.py takes. Looked up right after the draft, in one read, when
the sale's lookup counted open vouchers and the caller has the redeem service at hand (every
step of handlers/sale.py does)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message

from handlers.ui.redeem_render import gift_buttons
from handlers.ui.sale_render import preview_keyboard, preview_text
from services.dto import MemberContext
from services.rewards.redeem import RedeemService
from services.sales import SaleDraft


async def preview_markup(
    draft: SaleDraft, ctx: MemberContext | None = None, redeem: RedeemService | None = None
) -> InlineKeyboardMarkup:
    """The preview's buttons, with the customer's open vouchers when they can be looked up:
    read only when the sale's lookup counted some (most customers hold none)."""
    if ctx is None or redeem is None or not draft.till.open_vouchers:
        return preview_keyboard(draft)
    gifts = await redeem.for_sale(ctx.work_merchant_id, ctx.telegram_id, draft.key)
    return preview_keyboard(draft, gift_buttons(gifts))


async def send_preview(
    message: Message,
    draft: SaleDraft,
    ctx: MemberContext | None = None,
    redeem: RedeemService | None = None,
) -> None:
    await message.answer(
        preview_text(draft), reply_markup=await preview_markup(draft, ctx, redeem)
    )
