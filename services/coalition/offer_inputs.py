"""What an admin types into the certificate-offer form (/offers), checked, and the rules an offer
must meet to be saved. Pure functions: bad input raises OfferInput with a reason the handlers
word; an offer that cannot be saved raises OfferRefused.

Money is typed as at the till (services/policy/inputs.parse_amount: `12,50`, `1 000`) in the
currency it is paid in: the offer's value and minimum check in the issuing business's, an
automatic route's threshold in the partner's (the purchase that earns it happens there)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from db.models import HandOut
from services.errors import InvalidAmount, Refused
from services.numbers import InvalidNumber, parse_int
from services.policy.currency import currency_exponent, whole_units_only
from services.policy.inputs import parse_amount, ungrouped

__all__ = [  # HandOut too: handlers may not import db/
    "HandOut",
    "OfferInput",
    "OfferRefused",
    "OfferTerms",
    "Route",
]

MAX_ITEM = 60
MAX_DAYS = 365
MAX_CAP = 1_000_000


class OfferInput(Refused):
    """Reasons: item_empty, item_long, days, cap, and for amounts amount_format,
    amount_decimals, amount_whole, amount_zero, amount_large (parse_amount's reasons; over
    `limit`, the one-sale limit); an amount's refusal names its `currency`."""

    def __init__(self, reason: str, currency: str = "", limit: int = 0) -> None:
        super().__init__(reason)
        self.currency = currency
        self.limit = limit


class OfferRefused(Refused):
    """Reasons: gone (not this merchant's offer), archived, min_check (a money certificate's
    minimum check not above its value), no_route, not_partner (a route to a business that is
    not a current partner), no_partners, below_issued (a total cap under the `count` handed
    out), per_above_total (a per-customer cap over the total `count`), nothing (neither value
    nor item)."""

    def __init__(self, reason: str, count: int = 0) -> None:
        super().__init__(reason)
        self.count = count


@dataclass(frozen=True, slots=True)
class Route:
    partner_id: int
    hand_out: HandOut
    min_purchase_minor: int = 0  # AUTO: in the partner's currency


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """An offer as the form composes it and as it is saved; value 0 with an item names a thing."""

    value_minor: int = 0
    item: str | None = None
    min_check_minor: int = 0
    valid_days: int = 30
    total_limit: int | None = None
    per_customer_limit: int | None = None
    routes: tuple[Route, ...] = ()

    def route(self, partner_id: int) -> Route | None:
        return next((r for r in self.routes if r.partner_id == partner_id), None)

    def with_route(self, partner_id: int, route: Route | None) -> OfferTerms:
        """These terms with the partner's route set (None: off), partners in id order."""
        kept = [r for r in self.routes if r.partner_id != partner_id]
        routes = sorted([*kept, *([route] if route else [])], key=lambda r: r.partner_id)
        return replace(self, routes=tuple(routes))


def parse_money(text: str, currency: str, max_minor: int) -> int:
    """An amount in `currency`, more than zero and at most `max_minor` (the one-sale limit of
    the business it is paid in), as the till reads it."""
    try:
        return parse_amount(
            text, currency_exponent(currency), max_minor, whole_units=whole_units_only(currency)
        )
    except InvalidAmount as error:
        reason = f"amount_{_AMOUNT.get(error.reason, 'format')}"
        raise OfferInput(reason, currency, max_minor) from None


_AMOUNT = {
    "format": "format",
    "decimals": "decimals",
    "whole": "whole",
    "zero": "zero",
    "too_large": "large",
}


def parse_min_check(text: str, currency: str, max_minor: int) -> int:
    """A minimum check: an amount, or 0 for none."""
    try:
        return parse_money(text, currency, max_minor)
    except OfferInput as error:
        if error.reason == "amount_zero":
            return 0
        raise


def parse_item(text: str) -> str:
    """A named item ("Free car wash"): 1 to 60 characters, spaces tidied."""
    item = " ".join(text.split())
    if not item:
        raise OfferInput("item_empty")
    if len(item) > MAX_ITEM:
        raise OfferInput("item_long")
    return item


def parse_valid_days(text: str) -> int:
    try:
        return parse_int(text, 1, MAX_DAYS)
    except InvalidNumber:
        raise OfferInput("days") from None


def parse_cap(text: str) -> int:
    """A cap: 1 to 1 000 000, digits grouped by spaces too."""
    try:
        return parse_int(ungrouped(text), 1, MAX_CAP)
    except InvalidNumber:
        raise OfferInput("cap") from None


def check_value(terms: OfferTerms) -> None:
    """A money certificate's minimum check must be more than its value: it pays part of a
    check and leaves something to pay (policy.certificates.check_share)."""
    if terms.value_minor and terms.min_check_minor <= terms.value_minor:
        raise OfferRefused("min_check")


def check_caps(terms: OfferTerms) -> None:
    """One customer may not get more than the total."""
    total, per = terms.total_limit, terms.per_customer_limit
    if total is not None and per is not None and per > total:
        raise OfferRefused("per_above_total", total)


def check_terms(
    terms: OfferTerms, partners: frozenset[int], issued: int = 0, *, need_route: bool = True
) -> OfferTerms:
    """The offer as it may be saved, or OfferRefused: what a forged or stale form could send.
    `need_route` False: an edit that leaves the routes as they are may keep none (its partners
    have all ended; it hands out nothing until a route is set)."""
    if (terms.value_minor > 0) == (terms.item is not None) or terms.value_minor < 0:
        raise OfferRefused("nothing")
    if terms.item is not None:
        parse_item(terms.item)
    check_value(terms)
    if not 1 <= terms.valid_days <= MAX_DAYS or terms.min_check_minor < 0:
        raise OfferRefused("nothing")
    for cap in (terms.total_limit, terms.per_customer_limit):
        if cap is not None and not 1 <= cap <= MAX_CAP:
            raise OfferRefused("nothing")
    if terms.total_limit is not None and terms.total_limit < issued:
        raise OfferRefused("below_issued", issued)
    check_caps(terms)
    if not terms.routes and need_route:
        raise OfferRefused("no_route")
    for route in terms.routes:
        if route.partner_id not in partners:
            raise OfferRefused("not_partner")
        if route.min_purchase_minor < 0 or (
            route.hand_out is HandOut.CASHIER and route.min_purchase_minor
        ):
            raise OfferRefused("nothing")
    return terms
