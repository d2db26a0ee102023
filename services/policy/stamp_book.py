"""A member's stamps in plain values: what a purchase adds to the card (the rule's stamps and
a promotion's extra ones), how many full cards that makes and the stamp entries to write, and
what a refund takes back. The rules of a single check are promotions.stamps_earned; this is
the card around them. Nothing here reads or writes a database."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import StampReason
from services.policy.promotions import StampRule, fill_cards, stamps_earned
from services.policy.refunds import proportional


@dataclass(frozen=True, slots=True)
class StampMove:
    """A purchase's stamps: the card before, what it earned, the full cards it made (each
    one a voucher, its stamps off the card) and the card after."""

    needed: int
    before: int
    earned: int  # by the merchant's rule
    extra: int  # a promotion's extra stamps
    cards: int  # full cards turned into vouchers
    after: int

    @property
    def added(self) -> int:
        return self.earned + self.extra


def stamp_purchase(
    rule: StampRule, before: int, amount_minor: int, stamped_today: bool, extra: int = 0
) -> StampMove:
    """The card after a check of `amount_minor`. A promotion's `extra` stamps come only with
    a stamped purchase: they multiply what a check earns, they do not stamp one that earns
    nothing (below the minimum, or a second one on a daily-once card)."""
    earned = stamps_earned(rule, amount_minor, stamped_today)
    extra = extra if earned else 0
    cards, left = fill_cards(before + earned + extra, rule.needed)
    return StampMove(rule.needed, before, earned, extra, cards, left)


def stamp_entries(move: StampMove) -> list[tuple[int, StampReason, int]]:
    """(delta, reason, stamps after) of each stamp entry a purchase writes, in order: its
    stamps, a promotion's, then a −needed entry per full card."""
    rows = []
    held = move.before
    for delta, reason in (
        (move.earned, StampReason.PURCHASE),
        (move.extra, StampReason.PROMOTION),
    ):
        if delta:
            held += delta
            rows.append((delta, reason, held))
    for _ in range(move.cards):
        held -= move.needed
        rows.append((-move.needed, StampReason.CARD_FULL, held))
    return rows


@dataclass(frozen=True, slots=True)
class StampsBack:
    """What a refund does to the stamps a purchase earned."""

    due: int  # the refunded share of the purchase's stamps
    taken: int  # of them, off the card
    forgiven: int  # of them, already turned into a voucher: kept by the member


NO_STAMPS = StampsBack(0, 0, 0)


def stamps_on_card(through: int, converted: int, own_left: int) -> int:
    """How many of a purchase's stamps are still on the card. Full cards take the oldest
    stamps first, so they are in vouchers as far as the stamps `converted` by full cards
    reach into the `through` stamps earned up to and including this purchase (less those
    refunds took off); `own_left`: the purchase's stamps not taken off by a refund yet."""
    return max(0, min(own_left, through - converted))


def stamps_back(
    earned: int,
    amount_minor: int,
    refunded_before: int,
    refund_minor: int,
    held: int,
    on_card: int | None = None,
) -> StampsBack:
    """The refunded share of a purchase's `earned` stamps, rounded down as cashback is (the
    last refund of a purchase settles the rounding: refunded in parts or at once, all of
    them go); the card gives what of them is still `on_card` (stamps_on_card; None: all),
    never more than it `held`, and the rest is forgiven: those stamps are in a voucher
    already, and a later purchase's stamps stay where they are."""
    if earned <= 0 or amount_minor <= 0:
        return NO_STAMPS
    after = refunded_before + refund_minor
    due = proportional(earned, after, amount_minor)
    due -= proportional(earned, refunded_before, amount_minor)
    taken = min(due, max(0, held), due if on_card is None else max(0, on_card))
    return StampsBack(due, taken, due - taken)
