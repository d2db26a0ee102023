"""/customer: finding a member by payment code, member number or phone; what admins and
cashiers see; who is refused; block and unblock at the till and at /code."""

from __future__ import annotations

from sqlalchemy import select

from db.models import (
    AuditLog,
    Customer,
    Membership,
    PaymentCode,
    Preorder,
    PreorderStatus,
    Staff,
)
from tests.factories import make_member, make_merchant, make_staff
from tests.telegram import TgUser, hire, join

OWNER = 1
NOT_FOUND = "No member with this code, number or phone here."
STAFF_ONLY = "This is for the staff of this place."
ADMINS_ONLY = "Only the admins of this place can do this."
NATIONAL = "No member with this phone here. Send it with its country code (+48…)."


async def member_id(db, tg: int) -> int:
    return int(
        await db.scalar(select(Membership.id).join(Customer).where(Customer.telegram_id == tg))
    )


async def scene(tg, db) -> tuple[TgUser, TgUser, TgUser, TgUser]:
    """The owner, an admin (60), a cashier (50) and Anna (101), a member with a phone, 120
    points and a till code."""
    owner, ada, kasia, anna = tg(OWNER), tg(60, first_name="Ada"), tg(50), tg(101)
    await hire(owner, ada, "admin")
    await hire(owner, kasia)
    await join(anna)
    await anna.share_contact("+48 600 123 456")
    await db.credit(101, 120)
    await anna.send("/code")
    return owner, ada, kasia, anna


async def test_an_admin_finds_a_member_by_code_number_or_phone(tg, db) -> None:
    _owner, ada, _kasia, anna = await scene(tg, db)
    number = await member_id(db, 101)
    code = await db.pay_code(101)
    for query in (code, f"{code[:3]} {code[3:]}", f"#{number}", str(number), "+48600123456"):
        page = await ada.send(f"/customer {query}")
        text = page.text
        assert f"<b>Anna</b> · member #{number}" in text, query
        assert "Phone: +48 *** *** 456" in text
        assert "Balance: <b>120 points</b> (= €1.20)" in text
        assert "0 visits, spent €0" in text and "Joined: " in text
        assert "Friends: 0 bought of 0 invited" in text and "Birthday: not set" in text
        assert {"± Adjust points", "🎂 Correct birthday", "⛔ Block"} <= set(
            page.button(label) and label
            for label in ("± Adjust points", "🎂 Correct birthday", "⛔ Block")
        )
    # Reading a code does not use it, and no wrong code was counted.
    used = await db.scalar(select(PaymentCode.used_at).where(PaymentCode.code == code))
    assert used is None
    assert await db.all(select(AuditLog).where(AuditLog.action == "wrong_code")) == []
    # The member says their number: their profile shows it.
    profile = await anna.send("/profile")
    assert f"Member number: #{number}" in profile.text


async def test_a_query_typed_after_the_prompt(tg, db) -> None:
    _owner, ada, kasia, _anna = await scene(tg, db)
    prompt = await ada.send("/customer")
    assert "member number (#42) or phone number" in prompt.text
    page = await ada.send("+48 600 123 456")
    assert "<b>Anna</b>" in page.text
    # The form is over: the next text is no query.
    assert "<b>Anna</b>" not in (await ada.send("+48 600 123 456")).text
    cashier_prompt = await kasia.send("/customer")
    assert cashier_prompt.text == "Send the customer's 6-digit payment code from /code."


async def test_not_found_and_another_merchants_member_read_the_same(
    tg, db, session, clock
) -> None:
    _owner, ada, _kasia, _anna = await scene(tg, db)
    other = await make_merchant(session, clock, slug="other")
    bob_number = (await make_member(session, clock, other, 202)).membership_id
    for query in (f"#{bob_number}", "#999999", "+48 111 222 333"):
        assert (await ada.send(f"/customer {query}")).texts == [NOT_FOUND], query
    # A phone without its country code finds nobody: the answer says what is missing.
    for query in ("600123456", "600 123 456", "(600) 123-456"):
        assert (await ada.send(f"/customer {query}")).texts == [NATIONAL], query
    assert "<b>Anna</b>" in (await ada.send("/customer 48600123456")).text  # as Telegram shares
    assert await db.all(select(AuditLog).where(AuditLog.action == "wrong_code")) == []
    bad = await ada.send("/customer hello")
    assert "member number (#42) or phone number" in bad.text
    assert "member number (#42)" in (await ada.send("/customer 12345678901234567890")).text


async def test_a_wrong_code_counts_at_the_till(tg, db) -> None:
    _owner, ada, _kasia, _anna = await scene(tg, db)
    sent = await ada.send("/customer 000000")
    assert "No customer has this code" in sent.text
    wrong = await db.all(select(AuditLog).where(AuditLog.action == "wrong_code"))
    assert [(a.actor_telegram_id, a.details) for a in wrong] == [(60, "unknown")]


async def test_a_cashier_sees_what_a_sale_needs_and_acts_on_nothing(tg, db) -> None:
    _owner, _ada, kasia, _anna = await scene(tg, db)
    number = await member_id(db, 101)
    card = await kasia.send(f"/customer {await db.pay_code(101)}")
    assert card.texts == [
        "👤 <b>Anna</b>\nPhone: +48 *** *** 456\nLevel: <b>🥉 Bronze</b>\n"
        "Balance: <b>120 points</b> (= €1.20)"
    ]
    assert card.button_or_none("Adjust") is None and card.button_or_none("Block") is None
    for query in (f"#{number}", "+48600123456", "hello"):
        refused = await kasia.send(f"/customer {query}")
        assert refused.texts == ["Send the customer's 6-digit payment code from /code."]
    # They are staff: the admins' buttons say whose they are.
    for data in (
        f"cust:adj:{number}:0",
        f"cust:bday:{number}:0",
        f"cblk:{number}:1",
        f"adj:{number}:50:120:1",
    ):
        assert (await kasia.press(data)).toasts == [ADMINS_ONLY], data
    assert await db.scalar(select(Membership.blocked_at).where(Membership.id == number)) is None


async def test_customers_strangers_and_revoked_staff_learn_nothing(tg, db, session, clock) -> None:
    owner, _ada, kasia, anna = await scene(tg, db)
    number = await member_id(db, 101)
    code = await db.pay_code(101)
    other = await make_merchant(session, clock, slug="other")
    await make_staff(session, clock, other, 70, role="admin")
    stranger = tg(70)
    bob = tg(202)
    await join(bob)
    staff_row = await db.scalar(select(Staff).where(Staff.telegram_id == 50))
    await owner.press(f"srev:{staff_row.id}")
    assert await db.scalar(select(Staff.revoked_at).where(Staff.telegram_id == 50))
    for person in (bob, kasia, anna):
        for query in ("", code, f"#{number}", "+48600123456"):
            sent = await person.send(f"/customer {query}".strip())
            assert sent.texts == [STAFF_ONLY], (person.id, query)
        for data in (f"cust:adj:{number}:0", f"cblk:{number}:1", f"adj:{number}:50:120:1"):
            assert (await person.press(data)).toasts == [STAFF_ONLY]
    # Another merchant's admin: their own merchant has no such member, by any name.
    for query in (f"#{number}", "+48600123456"):
        assert (await stranger.send(f"/customer {query}")).texts == [NOT_FOUND]
    assert "No customer has this code" in (await stranger.send(f"/customer {code}")).text
    for data in (f"cust:adj:{number}:0", f"cblk:{number}:1"):
        assert (await stranger.press(data)).toasts == [NOT_FOUND]
    assert await db.scalar(select(Membership.blocked_at).where(Membership.id == number)) is None


async def test_the_page_counts_open_pre_orders(tg, db, session, clock) -> None:
    _owner, ada, _kasia, _anna = await scene(tg, db)
    number = await member_id(db, 101)
    membership = await db.scalar(select(Membership).where(Membership.id == number))
    async with session.begin():
        for code, status in (("111111", PreorderStatus.OPEN), ("222222", PreorderStatus.READY)):
            session.add(
                Preorder(
                    merchant_id=membership.merchant_id,
                    membership_id=number,
                    code=code,
                    total_minor=1250,
                    lines="[]",
                    status=status,
                    created_at=clock.now,
                )
            )
    page = await ada.send(f"/customer #{number}")
    assert "2 pre-orders waiting, €25" in page.text
