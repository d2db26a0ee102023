"""Pre-orders keep their own code until collected or cancelled; the customer's /orders and the
staff's /openorders, Ready and cancel; erasure cancels a member's orders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiogram.methods import EditMessageText
from sqlalchemy import bindparam, insert, select, text

from db.base import UtcDateTime
from db.models import AuditLog, Outbox, PaymentCode, Preorder, Purchase, Staff
from tests.telegram import Sent, TgUser, hire, join

OWNER = 1


async def order_two_flat_whites(owner: TgUser, customer: TgUser) -> Sent:
    await owner.send("/additem Coffee | Flat white | 3.80")
    await join(customer)
    items = await customer.press((await customer.send("/catalog")).button("Coffee"))
    await customer.press(items.button("Flat white"))
    await customer.press(items.button("Flat white"))
    return await customer.press((await customer.send("/cart")).button("Check out"))


async def order_code(db) -> str:
    return str((await db.scalar(select(Preorder))).code)


async def till_code(db) -> str:
    return str(await db.scalar(select(PaymentCode.code).where(PaymentCode.preorder_id.is_(None))))


async def test_the_order_code_survives_code_and_completes_the_order(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    ordered = await order_two_flat_whites(owner, anna)
    assert "Pre-order #1 for pickup: €7.60" in ordered.text
    assert ordered.button_or_none("Cancel the order") is not None
    code = await order_code(db)
    await anna.send("/code")
    await anna.send("/code")  # the bug: the second /code destroyed the order's code
    rows = await db.all(select(PaymentCode).order_by(PaymentCode.id))
    assert [(r.preorder_id, r.used_at) for r in rows] == [(1, None), (None, None)]
    assert rows[0].code == code and rows[1].code != code
    till = await till_code(db)
    await kasia.send("/sale")
    preview = await kasia.send(code)  # the order's amount: straight to the preview
    assert "Pre-order #1: €7.60" in preview.text and "Check: €7.60" in preview.text
    await kasia.press(preview.button("Confirm"))
    order = await db.scalar(select(Preorder))
    purchase = await db.scalar(select(Purchase))
    assert (order.status, order.purchase_id, purchase.amount_minor) == ("completed", 1, 760)
    # The till code still works for a plain sale.
    plain = await kasia.send(f"/sale {till} 5")
    assert "Check: €5" in plain.text and "Pre-order" not in plain.text
    await kasia.press(plain.button("Confirm"))
    assert await db.count(Purchase) == 2
    # A collected order's code is refused as used, and does not count towards a pause.
    await kasia.send("/sale")
    again = await kasia.send(code)
    assert "already been used" in again.text
    assert await db.scalar(select(AuditLog.action).where(AuditLog.action == "wrong_code")) is None
    assert "no pre-orders waiting" in (await anna.send("/orders")).text


async def test_the_customer_cancels_and_the_code_dies(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    ordered = await order_two_flat_whites(owner, anna)
    code = await order_code(db)
    cart = await anna.send("/cart")
    mine = await anna.press(cart.button("My pre-orders (1)"))
    spaced = f"{code[:3]} {code[3:]}"
    assert "#1" in mine.text and "Flat white × 2 — €7.60" in mine.text and spaced in mine.text
    assert (await anna.send("/orders")).text == mine.text
    ask = await anna.press(ordered.button("Cancel the order"))
    assert "Cancel pre-order #1?" in ask.text
    kept = await anna.press(ask.button("No, keep it"))
    assert "Nothing was cancelled" in kept.text
    assert (await db.scalar(select(Preorder))).status == "open"
    yes = ask.button("Yes, cancel it")
    done = await anna.press(yes)
    assert done.toasts == ["Cancelled."]
    assert "Pre-order #1 is cancelled" in done.of(EditMessageText)[0].text
    assert done.to(OWNER) == ["✖️ The customer cancelled pre-order #1: Flat white × 2."]
    twice = await anna.press(yes)
    assert twice.toasts == ["Already cancelled."] and twice.to(OWNER) == []
    assert (await db.scalar(select(Preorder))).status == "cancelled"
    assert (await db.scalar(select(PaymentCode))).used_at is not None
    await kasia.send("/sale")
    assert "already been used" in (await kasia.send(code)).text
    assert "no pre-orders waiting" in (await anna.send("/orders")).text
    # Someone else's order is nobody else's to cancel.
    bob = tg(102)
    await join(bob)
    refused = await bob.press(yes)
    assert refused.toasts == ["There is no such pre-order."]


async def test_staff_list_ready_once_and_strangers_learn_nothing(tg, db, clock) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    await hire(owner, kasia)
    await order_two_flat_whites(owner, anna)
    code = await order_code(db)
    clock.advance(minutes=25)
    listing = await kasia.send("/openorders")
    text = listing.text
    assert "#1" in text and "€7.60" in text and "Flat white × 2" in text
    assert "25 minutes ago" in text and code not in text  # the staff never see the code
    ready = listing.button("#1 ready")
    done = await kasia.press(ready)
    assert done.toasts == ["#1 is ready; the customer has been told."]
    told = done.to(101)
    assert told == [
        f"✅ Your pre-order #1 at Test Café is ready for pickup. "
        f"Your code: <b>{code[:3]} {code[3:]}</b>"
    ]
    assert "ready" in done.of(EditMessageText)[0].text
    for presser in (kasia, owner):  # the same cashier again, or a second one
        again = await presser.press(ready)
        assert again.toasts == ["Already marked ready."] and again.to(101) == []
    kinds = await db.all(select(Outbox.kind).where(Outbox.kind == "order_ready"))
    actions = await db.all(select(AuditLog.action).where(AuditLog.action == "order_ready"))
    assert (len(kinds), len(actions)) == (1, 1)
    # A customer pressing Ready, or asking for the list, is refused.
    bob = tg(102)
    await join(bob)
    assert (await bob.press(ready)).toasts == ["This is for the staff of this place."]
    assert "for the staff" in (await bob.send("/openorders")).text
    # A cashier of another place learns nothing about this one.
    from services.merchants import MerchantService

    factory = db.factory
    async with factory() as s:
        bakery = await MerchantService(s, clock).ensure_default(
            slug="bakery",
            name="Bread & Co",
            currency="PLN",
            timezone="Europe/Warsaw",
            language="en",
        )
    async with factory() as s, s.begin():
        s.add(
            Staff(
                merchant_id=bakery.id,
                telegram_id=60,
                name="Piotr",
                role="staff",
                invited_by=OWNER,
                created_at=clock(),
            )
        )
    piotr = tg(60)
    assert (await piotr.press(ready)).toasts == ["There is no such pre-order."]
    assert (await piotr.send("/openorders")).text == "No pre-orders are waiting."
    cancel = listing.button("Cancel #1")
    assert (await piotr.press(cancel)).toasts == ["There is no such pre-order."]
    assert (await db.scalar(select(Preorder))).status == "ready"
    # A ready order is still collected with its code.
    await kasia.send("/sale")
    assert "Pre-order #1: €7.60" in (await kasia.send(code)).text


async def test_staff_cancel_tells_the_customer(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await order_two_flat_whites(owner, anna)
    listing = await kasia.send("/openorders")
    cancel = listing.button("Cancel #1")
    assert (await anna.press(cancel)).toasts == ["This is for the staff of this place."]
    ask = await kasia.press(cancel)
    assert "Cancel pre-order #1 (Flat white × 2, €7.60)? The customer will be told." in ask.text
    done = await kasia.press(ask.button("Yes, cancel it"))
    assert done.to(101) == [
        "✖️ Test Café cancelled your pre-order #1. Nothing was charged, and its code no "
        "longer works."
    ]
    assert (await kasia.press(ask.button("Yes, cancel it"))).toasts == ["Already cancelled."]
    assert "No pre-orders are waiting." in (await kasia.send("/openorders")).text
    assert (await kasia.press(listing.button("#1 ready"))).toasts == [
        "This pre-order has already been cancelled."
    ]
    actions = await db.all(select(AuditLog.action).where(AuditLog.action == "order_cancel"))
    assert actions == ["order_cancel"]


async def test_erasure_cancels_the_members_orders(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50), tg(101)
    await hire(owner, kasia)
    await order_two_flat_whites(owner, anna)
    code = await order_code(db)
    await anna.send("/code")
    profile = await anna.send("/profile")
    ask = await anna.press(profile.button("Leave the program"))
    await anna.press(ask.button("Yes, delete everything"))
    assert (await db.scalar(select(Preorder))).status == "cancelled"
    assert await db.count(PaymentCode) == 0
    assert "No pre-orders are waiting." in (await kasia.send("/openorders")).text
    await kasia.send("/sale")
    assert "No customer has this code" in (await kasia.send(code)).text


@pytest.mark.parametrize("backend", ["sqlite", "env"])
async def test_migration_gives_open_orders_their_codes(tmp_path, clock, backend) -> None:
    """An order whose code row is still there keeps it; one whose code /code destroyed gets
    it back unless another row holds the value by now."""
    from db.engine import create_engine, create_session_factory
    from db.migrate import downgrade, upgrade
    from tests.factories import make_member, make_merchant
    from tests.test_migrations import _clean, _targets

    urls = _targets(tmp_path)
    if backend == "env":
        if len(urls) < 2:
            pytest.skip("TEST_DATABASE_URL is not a server database; the SQLite case covers it")
        await _clean(urls[1])
    url = urls[1] if backend == "env" else urls[0]
    # The merchant and members through today's models (their tables as at head), then back to
    # 0011 for the rows the migration under test meets.
    await asyncio.to_thread(upgrade, url, "head")
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as s:
        merchant = await make_merchant(s, clock)
        members = [
            (await make_member(s, clock, merchant, tg)).membership_id for tg in (1, 2, 3, 4)
        ]
    await engine.dispose()
    await asyncio.to_thread(downgrade, url, "0011")
    past, now = clock() - timedelta(days=2), clock()
    rows = [  # membership, code, used
        (members[0], "111111", None),  # order 1's code, expired by the old 24-hour rule
        (members[1], "333333", None),  # member 2's /code replaced order 2's code
        (members[3], "555555", now),  # a used till code holding order 3's value
    ]
    async with engine.begin() as conn:
        for i, (membership, code) in enumerate(
            zip(members[:3], ("111111", "222222", "555555"), strict=True)
        ):
            await conn.execute(
                insert(Preorder).values(
                    id=i + 1,
                    merchant_id=merchant.id,
                    membership_id=membership,
                    code=code,
                    total_minor=100,
                    lines="[]",
                    status="open",
                    created_at=past,
                )
            )
        for membership, code, used in rows:
            await conn.execute(
                text(
                    "INSERT INTO payment_code (merchant_id, membership_id, code, created_at,"
                    " expires_at, used_at) VALUES (:m, :ms, :c, :t, :t, :u)"
                ).bindparams(
                    bindparam("t", past, type_=UtcDateTime()),
                    bindparam("u", used, type_=UtcDateTime()),
                    m=merchant.id,
                    ms=membership,
                    c=code,
                )
            )
    await asyncio.to_thread(upgrade, url, "0012")
    async with factory() as s, s.begin():
        codes = (await s.scalars(select(PaymentCode).order_by(PaymentCode.code))).all()
        found = {(c.code, c.preorder_id, c.expires_at.year) for c in codes}
    assert found == {
        ("111111", 1, 9999),  # kept, and no longer expires
        ("222222", 2, 9999),  # given back
        ("333333", None, past.year),  # member 2's till code, untouched
        ("555555", None, now.year),  # order 3 stays without a code: the staff cancel it
    }
    await engine.dispose()
    await asyncio.to_thread(downgrade, url, "0011")
    await asyncio.to_thread(upgrade, url, "head")


async def test_confirm_and_cancel_at_once_never_both(session_factory, session, clock) -> None:
    """The sale's confirm and the customer's cancel race for the order's code: one wins, the
    other is refused, and a cancelled order is never also paid for."""
    from services.catalog import CatalogService
    from services.errors import DomainError
    from services.preorders import PreorderService
    from services.sales import SaleService
    from tests.factories import in_own_session, make_member, make_merchant, make_staff

    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, 900)
    catalog = CatalogService(session, (OWNER,), clock)
    latte = await catalog.add_item(merchant.id, OWNER, "Coffee | Latte | 4.00")
    await make_member(session, clock, merchant, 10)
    await catalog.change(merchant.id, 10, latte.id, +1)
    order = await catalog.checkout(merchant.id, 10)
    draft = await SaleService(session, (), clock).prepare(merchant.id, 900, order.code, 0, 0, None)
    assert draft.amount_minor == 400

    results = await asyncio.gather(
        in_own_session(
            session_factory,
            lambda s: SaleService(s, (), clock).confirm(merchant.id, 900, draft.key),
        ),
        in_own_session(
            session_factory,
            lambda s: PreorderService(s, (), clock).cancel_mine(merchant.id, 10, order.id),
        ),
    )
    assert sum(1 for r in results if isinstance(r, DomainError)) == 1
    async with session.begin():
        stored = await session.scalar(select(Preorder))
        purchase = await session.scalar(select(Purchase))
    assert (stored.status, purchase.status) in {
        ("completed", "confirmed"),
        ("cancelled", "draft"),
    }


async def test_ready_pressed_by_two_cashiers_at_once(session_factory, session, clock) -> None:
    from services.catalog import CatalogService
    from services.preorders import PreorderService
    from tests.factories import make_member, make_merchant, make_staff

    merchant = await make_merchant(session, clock)
    for tg in (900, 901):
        await make_staff(session, clock, merchant, tg, name=f"C{tg}")
    catalog = CatalogService(session, (OWNER,), clock)
    latte = await catalog.add_item(merchant.id, OWNER, "Coffee | Latte | 4.00")
    await make_member(session, clock, merchant, 10)
    await catalog.change(merchant.id, 10, latte.id, +1)
    order = await catalog.checkout(merchant.id, 10)

    async def ready(cashier: int) -> bool:
        async with session_factory() as s:
            change = await PreorderService(s, (), clock).mark_ready(merchant.id, cashier, order.id)
            return change.changed

    assert sorted(await asyncio.gather(ready(900), ready(901))) == [False, True]
    async with session.begin():
        told = await session.scalars(select(Outbox).where(Outbox.kind == "order_ready"))
        assert [o.chat_id for o in told] == [10]
