"""Catalog, cart, pre-orders completed by /sale, and abandoned-cart reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy import select

from db.models import Membership, Outbox, PaymentCode, Preorder, Purchase
from services.catalog import CatalogRefused, CatalogService, parse_item
from services.jobs import JobService
from services.members import MemberService
from tests.factories import make_member, make_merchant
from tests.telegram import join

OWNER = 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Coffee | Cappuccino | 3.50", ("Coffee", "Cappuccino", 350)),
        ("  Cakes|Cheesecake|4,20 ", ("Cakes", "Cheesecake", 420)),
    ],
)
def test_parse_item(text: str, expected: tuple[str, str, int]) -> None:
    assert parse_item(text, 2) == expected


@pytest.mark.parametrize("text", ["Cappuccino 3.50", "A | B | -1", "A | B | abc", "A | | 3"])
def test_parse_item_refuses(text: str) -> None:
    with pytest.raises(CatalogRefused):
        parse_item(text, 2)


async def setup_shop(session, clock):
    merchant = await make_merchant(session, clock)
    catalog = CatalogService(session, (OWNER,), clock)
    latte = await catalog.add_item(merchant.id, OWNER, "Coffee | Latte | 4.00")
    cake = await catalog.add_item(merchant.id, OWNER, "Cakes | Cheesecake | 5.50")
    await make_member(session, clock, merchant, 10)
    await MemberService(session, clock).set_marketing(merchant.id, 10, True)
    return merchant, catalog, latte, cake


async def test_cart_and_checkout(session, clock) -> None:
    merchant, catalog, latte, cake = await setup_shop(session, clock)
    await catalog.change(merchant.id, 10, latte.id, +1)
    await catalog.change(merchant.id, 10, latte.id, +1)
    view = await catalog.change(merchant.id, 10, cake.id, +1)
    assert view.total_minor == 2 * 400 + 550
    view = await catalog.change(merchant.id, 10, latte.id, -1)
    assert [(line.title, line.qty) for line in view.lines] == [("Cheesecake", 1), ("Latte", 1)]
    order = await catalog.checkout(merchant.id, 10)
    assert order.cart.total_minor == 950 and len(order.code) == 6
    assert (await catalog.cart(merchant.id, 10)).lines == ()  # checked out: the cart is empty
    async with session.begin():
        stored = await session.scalar(select(Preorder))
        code = await session.scalar(select(PaymentCode))
        alert = await session.scalar(select(Outbox).where(Outbox.kind == "new_order"))
    assert (stored.status, stored.total_minor, stored.code) == ("open", 950, code.code)
    assert code.preorder_id == stored.id  # the order's own code, beside any till code
    assert alert.chat_id == OWNER
    with pytest.raises(CatalogRefused):
        await catalog.checkout(merchant.id, 10)


async def test_abandoned_cart_reminders(session, clock) -> None:
    merchant, catalog, latte, _ = await setup_shop(session, clock)
    jobs = JobService(session, clock)
    await catalog.change(merchant.id, 10, latte.id, +1)
    clock.advance(minutes=119)
    assert await jobs.cart_reminders() == 0
    clock.advance(minutes=2)
    assert await jobs.cart_reminders() == 1  # after 2 hours
    assert await jobs.cart_reminders() == 0  # once
    clock.advance(hours=22)
    assert await jobs.cart_reminders() == 1  # the second, 24 hours after the last change
    clock.advance(days=3)
    assert await jobs.cart_reminders() == 0  # and no third
    await catalog.change(merchant.id, 10, latte.id, +1)  # touched again: starts over
    clock.advance(hours=3)
    assert await jobs.cart_reminders() == 1


async def test_no_reminder_when_emptied_checked_out_or_not_opted_in(session, clock) -> None:
    merchant, catalog, latte, _ = await setup_shop(session, clock)
    jobs = JobService(session, clock)
    await make_member(session, clock, merchant, 20)  # never opted in
    await make_member(session, clock, merchant, 30)
    await MemberService(session, clock).set_marketing(merchant.id, 30, True)
    for tg in (10, 20, 30):
        await catalog.change(merchant.id, tg, latte.id, +1)
    await catalog.empty(merchant.id, 10)
    await catalog.checkout(merchant.id, 30)
    clock.advance(hours=30)
    assert await jobs.cart_reminders() == 0


async def test_preorder_from_catalog_to_sale(tg, db) -> None:
    owner, kasia, anna = tg(OWNER), tg(50, first_name="Kasia"), tg(101, first_name="Anna")
    added = await owner.send("/additem Coffee | Flat white | 3.80")
    assert "Added #1: Flat white — €3.80 in Coffee" in added.text
    assert "Use: /additem" in (await owner.send("/additem nonsense")).text
    assert "Only the admins" in (await anna.send("/additem A | B | 1")).text
    await join(anna)
    menu = await anna.send("/catalog")
    items = await anna.press(menu.button("Coffee"))
    added_toast = await anna.press(items.button("Flat white"))
    assert added_toast.toasts == ["Added. In the cart: 1"]
    await anna.press(items.button("Flat white"))
    cart = await anna.send("/cart")
    assert "Flat white × 2 — €7.60" in cart.text and "Total: <b>€7.60</b>" in cart.text
    ordered = await anna.press(cart.button("Check out"))
    assert "Pre-order #1 for pickup: €7.60" in ordered.text
    assert any("New pre-order #1" in m.text for m in ordered.of(SendMessage) if m.chat_id == OWNER)
    code = (await db.scalar(select(Preorder))).code
    # The cashier scans the order's code: the amount comes from the order.
    await owner.send("/staff")
    link = (await owner.press("sinv:staff")).text.split()[-1]
    await kasia.send("/start " + link.split("start=")[1])
    preview = await kasia.send(f"/start p{code}")  # straight to the preview
    assert "Pre-order #1: €7.60" in preview.text and "Check: €7.60" in preview.text
    await kasia.press(preview.button("Confirm"))
    order = await db.scalar(select(Preorder))
    purchase = await db.scalar(select(Purchase))
    assert (order.status, order.purchase_id) == ("completed", purchase.id)
    assert purchase.amount_minor == 760


async def test_the_second_reminder_can_be_turned_off(session, clock) -> None:
    merchant, catalog, latte, _ = await setup_shop(session, clock)
    jobs = JobService(session, clock, cart_reminders=(timedelta(hours=1),))
    await catalog.change(merchant.id, 10, latte.id, +1)
    clock.advance(minutes=61)
    assert await jobs.cart_reminders() == 1
    clock.advance(days=2)
    assert await jobs.cart_reminders() == 0


async def test_a_paused_card_cannot_check_out(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101, first_name="Anna")
    await owner.send("/additem Coffee | Flat white | 3.80")
    await join(anna)
    items = await anna.press((await anna.send("/catalog")).button("Coffee"))
    await anna.press(items.button("Flat white"))
    cart = await anna.send("/cart")
    number = (await db.scalar(select(Membership))).id
    page = await owner.send(f"/customer #{number}")
    await owner.press(page.button("Block"))
    refused = await anna.press(cart.button("Check out"))
    assert refused.toasts == [
        "⏸ Your card is paused: you can't earn or spend points for now. Please contact the "
        "staff of the place."
    ]
    assert refused.of(AnswerCallbackQuery)[0].show_alert
    assert await db.scalar(select(Preorder)) is None
    assert "Flat white × 1" in (await anna.send("/cart")).text  # the cart is kept
