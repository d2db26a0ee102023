"""What handing certificates out costs a purchase (issue 16), counted as
tests/test_purchase_statements.py counts: a purchase that reaches an automatic route's
threshold costs four statements more (the offers taken in one conditional UPDATE, then
issuing's codes check, certificates and ledger entries), in the same one transaction; a
purchase below it, nothing more; the cashier's tap is one transaction of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db.models import HandOut
from services.coalition.giving import GivingService
from tests.issuing_scene import BOB, scene, sell
from tests.telegram import TgUser, join
from tests.test_purchase_statements import CONFIRM_STATEMENTS, MIDDLEWARE, Counts
from tests.test_purchase_statements import counts as purchase_counts

HAND_OUT = 4  # take the offers; codes taken?, certificates, their entries
# A plain member's purchase: CONFIRM_STATEMENTS less the referral grant a first purchase of
# an invited friend has.
PLAIN_CONFIRM = CONFIRM_STATEMENTS - 1


@pytest.fixture
def counts(engine, monkeypatch) -> Iterator[Counts]:
    """test_purchase_statements.py's counter of each use case's statements."""
    yield from purchase_counts.__wrapped__(engine, monkeypatch)  # type: ignore[attr-defined]


async def test_an_automatic_certificate_costs_four_statements_in_the_same_transaction(
    tg, dp, bot, db, session_factory, clock, counts
) -> None:
    s = await scene(tg, session_factory, clock)  # a €10 certificate from €20 on
    bob = tg(BOB, first_name="Bob")
    await join(bob)
    till = TgUser(dp, bot, s.kasia.id, first_name="Kasia")  # nothing drained: not counted
    await sell(db, till, s.anna, "5")  # a first sale warms the process (the program's copy)
    await bob.send("/code")
    code = await db.pay_code(bob.id)
    preview = await till.send(f"/sale {code} 25")
    with counts.counting():
        done = await till.press(preview.button("Confirm"))
    assert (counts.statements["confirm"], counts.transactions["confirm"]) == (
        PLAIN_CONFIRM + HAND_OUT,
        1,
    ), counts
    total = (sum(counts.statements.values()), sum(counts.transactions.values()))
    assert total == (PLAIN_CONFIRM + HAND_OUT + MIDDLEWARE[0], 1 + MIDDLEWARE[1]), counts
    assert "🎟 Certificate handed out: Café wash, €10" in done.text
    await s.anna.send("/code")
    preview = await till.send(f"/sale {await db.pay_code(s.anna.id)} 19")
    with counts.counting():
        await till.press(preview.button("Confirm"))
    assert (counts.statements["confirm"], counts.transactions["confirm"]) == (
        PLAIN_CONFIRM,
        1,
    ), counts


async def test_a_tap_is_a_handful_of_statements(
    tg, dp, bot, db, session_factory, clock, counts, monkeypatch
) -> None:
    s = await scene(tg, session_factory, clock, HandOut.CASHIER, 0)
    till = TgUser(dp, bot, s.kasia.id, first_name="Kasia")
    _, done = await sell(db, till, s.anna, "25")
    original = GivingService.give

    async def counted(self, *args, **kw):
        with counts.counting():
            return await original(self, *args, **kw)

    monkeypatch.setattr(GivingService, "give", counted)
    given = await till.press(done.button("🎟 Give"))
    assert given.toasts == ["Certificate given."]
    # The seller, the sale, the offer taken, codes taken?, the certificate, its entry, the
    # member's notice; the processed update's record at the commit.
    assert (sum(counts.statements.values()), sum(counts.transactions.values())) == (8, 1), counts
