"""The routes a merchant hands certificates out by, as its program's copy holds them
(services/program.py): read once per change of the program, so a purchase at a merchant that
hands nothing out pays no statement for them. The offers and partners consoles raise the
partner's program version on every change of a route, an offer or a partnership."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import HandOut
from db.repositories.hand_out import HandOutRepo


@dataclass(frozen=True, slots=True)
class Route:
    """An offer this merchant hands out, and how; the offer's terms as last read (the
    hand-out itself takes them fresh: db/repositories/hand_out.py)."""

    offer_id: int
    merchant_id: int  # the business that accepts the certificates
    merchant: str  # its name
    currency: str  # its currency: the value's
    timezone: str  # its time zone: a certificate runs to the end of its last local day there
    hand_out: HandOut
    min_purchase_minor: int  # automatic: the smallest purchase here (this merchant's currency)
    value_minor: int
    item: str | None
    min_check_minor: int
    valid_days: int
    total_limit: int | None
    per_customer_limit: int | None

    @property
    def auto(self) -> bool:
        return self.hand_out == HandOut.AUTO


async def load_routes(session: AsyncSession, partner_id: int) -> tuple[Route, ...]:
    """The routes `partner_id` hands out, in one statement."""
    rows = await HandOutRepo(session).routes_for_partner(partner_id)
    return tuple(
        Route(
            offer_id=r.offer_id,
            merchant_id=r.merchant_id,
            merchant=r.name,
            currency=r.currency,
            timezone=r.timezone,
            hand_out=HandOut(r.hand_out),
            min_purchase_minor=r.min_purchase_minor,
            value_minor=r.value_minor,
            item=r.item,
            min_check_minor=r.min_check_minor,
            valid_days=r.valid_days,
            total_limit=r.total_limit,
            per_customer_limit=r.per_customer_limit,
        )
        for r in rows
    )


def auto_due(routes: tuple[Route, ...], amount_minor: int) -> list[int]:
    """The offers a purchase of `amount_minor` here qualifies for automatically."""
    return [r.offer_id for r in routes if r.auto and amount_minor >= r.min_purchase_minor]
