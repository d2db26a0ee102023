"""The coalition's CSV export query (issue 16): every certificate a business accepts or
handed out as a partner, with both businesses' names, the holder's membership here (if they
are a member), their Telegram id (for the owners' file only), and who redeemed it."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from db.models import Certificate, Customer, Membership, Merchant, Staff
from db.reports.base import AnySelect


def certificates_query(merchant_id: int) -> AnySelect:
    """The certificates for `merchant_id` or handed out by it, oldest first."""
    c = Certificate
    accepting, partner = aliased(Merchant), aliased(Merchant)
    return (
        select(
            c.id,
            c.offer_id,
            accepting.name.label("accepted_by"),
            partner.name.label("handed_out_by"),
            accepting.currency,
            c.value_minor,
            c.item,
            c.min_check_minor,
            c.status,
            c.issued_at,
            c.expires_at,
            c.gifted_at,
            c.redeemed_at,
            c.closed_at,
            c.purchase_id,
            Membership.id.label("member"),
            Customer.telegram_id.label("holder_telegram_id"),
            Staff.name.label("staff"),
            c.redeemed_by,
        )
        .select_from(c)
        .join(accepting, accepting.id == c.merchant_id)
        .join(partner, partner.id == c.partner_merchant_id)
        .outerjoin(Customer, Customer.id == c.customer_id)
        .outerjoin(
            Membership,
            and_(Membership.customer_id == c.customer_id, Membership.merchant_id == merchant_id),
        )
        .outerjoin(
            Staff, and_(Staff.merchant_id == c.merchant_id, Staff.telegram_id == c.redeemed_by)
        )
        .where(or_(c.merchant_id == merchant_id, c.partner_merchant_id == merchant_id))
        .order_by(c.id)
    )
