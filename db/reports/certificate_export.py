"""The coalition's CSV export query (issue 16): every certificate a business accepts or
handed out as a partner, with both businesses' names, the holder's membership here (if they
are a member) and their Telegram id (then only, and for the owners' file only). Each
business reads its own side: the accepting one the sale the certificate paid part of and its
redeeming cashier; the partner the purchase there that earned it and its own cashier who
handed it out — never the other business's purchases or staff."""

from __future__ import annotations

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import aliased

from db.models import Certificate, Customer, Membership, Merchant, Staff
from db.reports.base import AnySelect


def certificates_query(merchant_id: int) -> AnySelect:
    """The certificates for `merchant_id` or handed out by it, oldest first."""
    c = Certificate
    accepting, partner = aliased(Merchant), aliased(Merchant)
    redeemer, issuer = aliased(Staff), aliased(Staff)
    ours, handed_by_us = c.merchant_id == merchant_id, c.partner_merchant_id == merchant_id
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
            case((ours, c.purchase_id)).label("purchase_id"),
            case((handed_by_us, c.source_purchase_id)).label("source_purchase_id"),
            Membership.id.label("member"),
            case((Membership.id.is_not(None), Customer.telegram_id)).label("holder_telegram_id"),
            redeemer.name.label("staff"),
            case((ours, c.redeemed_by)).label("redeemed_by"),
            issuer.name.label("issuer"),
            case((handed_by_us, c.issued_by)).label("issued_by"),
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
            redeemer,
            and_(ours, redeemer.merchant_id == merchant_id, redeemer.telegram_id == c.redeemed_by),
        )
        .outerjoin(
            issuer,
            and_(
                handed_by_us, issuer.merchant_id == merchant_id, issuer.telegram_id == c.issued_by
            ),
        )
        .where(or_(c.merchant_id == merchant_id, c.partner_merchant_id == merchant_id))
        .order_by(c.id)
    )
