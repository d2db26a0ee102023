"""Property: over random histories of a small coalition (three places, two partnerships, offers
handed out automatically and by cashiers, with caps), driven through the real services —
purchases at partners, cashiers' taps, gifts between members, certificates handed over on their
own or paying part of a sale, full and partial refunds of such sales, days passing with the
expiry job, erasures and a partnership ended — the certificates' ledger stays whole after every
step: each certificate's entries say what it is (redeemed at most once at a time), each
business's certificates are issued = redeemed + expired + cancelled + open with the open ones'
value the sum of its entries, each offer's count is its certificates within both caps, the
points ledger holds, and a purchase's certificate share plus what was paid is the check typed.
Steps: tests/certificate_ops.py."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import create_session_factory
from db.models import Certificate, CertificateOffer, Purchase, PurchaseStatus
from tests.certificate_ledger import check_certificate_counts, check_certificate_invariant
from tests.certificate_ops import (
    JOINS,
    PLACES,
    Buy,
    End,
    Erase,
    Gift,
    Redeem,
    Refund,
    Tap,
    UseInSale,
    Wait,
    World,
    coalition,
    step,
)
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.conftest import FakeClock, fresh_engine
from tests.factories import check_ledger_invariant, make_member, make_merchant

MEMBERS, INDEX = len(JOINS), st.integers(0, 40)
amounts = st.integers(1, 9000)
spends = st.sampled_from([0.0, 1.0])
buys = st.builds(
    Buy, st.integers(0, len(PLACES) - 1), st.integers(0, MEMBERS - 1), amounts, spends
)
steps = st.lists(
    st.one_of(
        buys,
        st.builds(Tap, INDEX, st.integers(0, 2)),
        st.builds(Gift, INDEX, st.integers(0, MEMBERS - 1)),
        st.builds(Redeem, INDEX),
        st.builds(UseInSale, INDEX, amounts, spends),
        st.builds(UseInSale, INDEX, amounts, spends),
        st.builds(Refund, INDEX, st.sampled_from([0.5, 1.0])),
        st.builds(Wait, st.sampled_from([1, 3])),
        st.builds(Erase, st.integers(0, MEMBERS - 1), st.integers(0, len(PLACES) - 1)),
        st.builds(End, st.sampled_from([1, 2])),
    ),
    min_size=1,
    max_size=14,
)
# Purchases first, so that most histories have certificates to give, use and refund.
operations = st.builds(
    lambda first, then: first + then, st.lists(buys, min_size=2, max_size=5), steps
)


async def check_purchases(world: World) -> None:
    """What the certificate paid plus what was paid is the check typed, a share only with a
    certificate."""
    async with world.session.begin():
        rows = (
            await world.session.execute(
                select(
                    Purchase.id,
                    Purchase.amount_minor,
                    Purchase.certificate_minor,
                    Purchase.certificate_id,
                ).where(Purchase.status == PurchaseStatus.CONFIRMED)
            )
        ).all()
    for pid, paid, share, certificate_id in rows:
        assert paid + share == world.typed[pid], (pid, paid, share, world.typed[pid])
        assert certificate_id is not None or share == 0, pid


async def check_all(world: World) -> None:
    await check_certificate_invariant(world.session)
    await check_certificate_counts(world.session)
    await check_ledger_invariant(world.session)
    await check_purchases(world)


async def scenario(url: str, ops: list[object]) -> None:
    engine = await fresh_engine(url)
    factory = create_session_factory(engine)
    clock = FakeClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    try:
        async with factory() as session:
            world = await coalition(session, clock)
            await check_all(world)
            for op in ops:
                clock.advance(minutes=7)
                await step(world, op)
                await check_all(world)
            await step(world, Wait(7))  # everything handed out has run out or been used
            await check_all(world)
    finally:
        await engine.dispose()


HISTORY = [  # every step at least once, succeeding
    Buy(1, 0, 5000, 0.0),  # B hands out A's €10 (auto at 30 zł)
    Buy(2, 0, 100, 0.0),  # C hands out A's coffee (auto)
    Buy(0, 1, 2000, 0.0),  # A hands out B's 5 zł (auto at €15)
    Buy(2, 2, 100, 0.0),
    Tap(0, 0),  # C's cashier gives A's €10 after member 2's sale
    Tap(3, 1),  # B's cashier: the coffee, but member 0 had theirs (one each)
    Gift(0, 3),  # member 0 gives the €10 to member 3, who is no member of A
    Gift(0, 1),  # refused: given once already
    Redeem(1),  # the coffee handed over at A
    Redeem(1),  # again: refused
    UseInSale(4, 5000, 1.0),  # member 2's €10 pays part of €50 at A, with points
    Refund(0, 0.5),  # partial: it stays used
    Refund(0, 1.0),  # the rest: it comes back
    UseInSale(2, 3000, 0.0),  # B's 5 zł at B, on a check of at least 10 zł
    Erase(3, 1),  # member 3 still a member of C: the gift stays theirs
    Erase(3, 2),  # gone from the deployment: it is cancelled
    End(2),
    Buy(2, 2, 100, 0.0),  # at C, partners no more: nothing handed out
    Tap(0, 0),  # refused: not partners
    Wait(3),
]


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("CERTIFICATE_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
@example(ops=HISTORY)
def test_certificates_stay_whole_under_random_histories(ops: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{folder}/c.sqlite3"
        asyncio.run(scenario(url, ops))


@pytest.mark.parametrize(
    "broken",
    [
        {"customer_id": None},  # open with nobody to hold it
        {"first_customer_id": "other"},  # two of a one-a-person offer handed to one customer
        {"status": "cancelled"},  # a `cancelled` status without its entry
        {"issued_count": 1},  # the offer's count not its certificates
    ],
)
async def test_the_counts_oracle_sees_broken_counts(session, clock, broken) -> None:
    """check_certificate_counts fails on what the ledger's own check cannot see."""
    here = await make_merchant(session, clock)
    partner = await make_merchant(session, clock, "partner")
    for telegram_id in (101, 102):
        await make_member(session, clock, partner, telegram_id)
    await make_partnership(session, clock, here, partner)
    offer = await make_offer(session, clock, here, per_customer_limit=1, total_limit=2)
    first = await make_certificate(session, clock, offer, 101, partner)
    second = await make_certificate(session, clock, offer, 102, partner)
    await check_certificate_counts(session)
    async with session.begin():
        row = await session.get(Certificate, second.id)
        assert row is not None
        for column, value in broken.items():
            if column == "issued_count":
                offer_row = await session.get(CertificateOffer, offer)
                assert offer_row is not None
                offer_row.issued_count = int(value)
            elif value == "other":
                row.first_customer_id = first.grant.customer_id
            else:
                setattr(row, column, value)
    with pytest.raises(AssertionError):
        await check_certificate_counts(session)
