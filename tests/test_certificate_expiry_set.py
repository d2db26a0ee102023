"""The certificate expiry job queues its notices as one set for every accepting business (issue
16): two businesses' certificates cost the same statements as one's, and each holder is still
told by the business that accepts theirs, in their language."""

from __future__ import annotations

from sqlalchemy import select

from db.models import HandOut, Merchant, Outbox
from services.jobs import JobService
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.factories import make_merchant
from tests.sql_counts import counting
from tests.telegram import join

ANNA, OLGA = 101, 102


async def test_two_accepting_businesses_one_set_of_statements(tg, engine, session, clock) -> None:
    await join(tg(ANNA))
    await join(tg(OLGA, first_name="Olga", language_code="ru"))
    cafe = await make_merchant(session, clock)
    for slug in ("wash", "spa"):
        accepting = await make_merchant(session, clock, slug)
        await make_partnership(session, clock, accepting, cafe)
        offer = await make_offer(
            session, clock, accepting, valid_days=1, routes={cafe.id: (HandOut.AUTO, 0)}
        )
        await make_certificate(session, clock, offer, ANNA, cafe)
        await make_certificate(session, clock, offer, OLGA, cafe)
    clock.advance(days=2)
    with counting(engine) as cost:
        assert await JobService(session, clock).expire_certificates() == 4
    # The rows themselves: one INSERT, or one a row where the driver cannot return ids of
    # several (SQLite). Besides them: merchants, reminders, expire, entries, who is told,
    # and the outbox's two reads for every business at once.
    others = [s for s in cost.statements if not s.upper().startswith("INSERT INTO OUTBOX")]
    assert len(others) == 7
    rows = await session.execute(
        select(Outbox.chat_id, Outbox.language, Merchant.slug)
        .join(Merchant, Merchant.id == Outbox.merchant_id)
        .order_by(Merchant.slug, Outbox.chat_id)
    )
    assert [tuple(r) for r in rows] == [
        (ANNA, "en", "spa"),
        (OLGA, "ru", "spa"),
        (ANNA, "en", "wash"),
        (OLGA, "ru", "wash"),
    ]
