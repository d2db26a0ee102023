"""The review's defects of redeeming, each through the production dispatcher: a cashier's own
voucher refused, codes typed with any spacing, Cancel on a forged or settled voucher, wrong
voucher codes named as such in /audit, any text at the sale's code step; and the Hungarian
catalog's claim/redeem distinction."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from babel.messages.pofile import read_po
from sqlalchemy import select

from db.models import AuditLog, VoucherStatus
from handlers.ui.redeem_render import RedeemAction, RedeemCb
from services.rewards.issue import shown_code
from tests.factories import make_merchant, make_reward, make_staff, make_voucher
from tests.telegram import hire, join
from tests.test_redeem_handlers import CASHIER, MEMBER, OWNER, till, voucher

OWN = "You can't hand over a voucher of your own. Ask a colleague."


async def test_a_cashiers_own_voucher_is_a_colleagues_to_hand_over(
    tg, db, session_factory, clock
) -> None:
    owner, kasia = tg(OWNER), tg(CASHIER, first_name="Kasia")
    await hire(owner, kasia)
    await join(kasia)  # the cashier is a member here too
    async with session_factory() as s:
        merchant = await make_merchant(s, clock)
        reward = await make_reward(s, clock, merchant, "Cappuccino", points_price=300)
        voucher_id, code = await make_voucher(s, clock, merchant, CASHIER, reward, points=300)
    assert (await kasia.send(f"/redeem {code}")).texts == [OWN]
    assert (await kasia.send(shown_code(code))).texts == [OWN]  # typed at the till
    assert (await kasia.send(f"/start v{code}")).texts == [OWN]  # their own QR
    forged = RedeemCb(action=RedeemAction.HAND, voucher=voucher_id).pack()
    assert (await kasia.press(forged)).toasts == [OWN]
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN
    colleague = await owner.send(f"/redeem {code}")
    assert "Cappuccino" in colleague.text and "Kasia" in colleague.text
    await owner.press(colleague.button("Hand over"))
    assert (await voucher(db, voucher_id)).redeemed_by == OWNER


@pytest.mark.parametrize("spaced", ["{a} {b}", "{a}  {b}", "{a}-{b}", "{c} {d} {e} {f}", "{g}"])
async def test_a_voucher_code_typed_with_any_spacing(
    tg, db, session_factory, clock, spaced: str
) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock)
    parts = {
        "a": code[:4],
        "b": code[4:],
        **dict(zip("cdef", (code[i : i + 2] for i in range(0, 8, 2)), strict=True)),
        "g": f"{code[:3]} {code[3:]}",
    }
    typed = spaced.format(**parts)
    outside = await kasia.send(typed)  # no form open
    assert "Cappuccino" in outside.text, (typed, outside.texts)
    await kasia.send("/sale")
    in_form = await kasia.send(typed)  # where the customer's code was asked
    assert "Cappuccino" in in_form.text, (typed, in_form.texts)
    await kasia.press(in_form.button("Hand over"))
    assert (await voucher(db, voucher_id)).status == VoucherStatus.REDEEMED


async def test_cancel_says_what_the_voucher_really_is(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock)
    first, second = await kasia.send(f"/redeem {code}"), await kasia.send(f"/redeem {code}")
    keep = first.button("Cancel")
    # Another merchant's cashier with a forged Cancel of this voucher: nothing about it.
    async with session_factory() as s:
        other = await make_merchant(s, clock, slug="other")
        await make_staff(s, clock, other, 60, name="Zed")
    forged = await tg(60, first_name="Zed").press(keep)
    assert forged.toasts == ["This is not a voucher of this place."]
    assert not forged.of(EditMessageText)
    # Handed over from one message, Cancel pressed on the other: redeemed, not "stays valid".
    await kasia.press(second.button("Hand over"))
    clock.advance(minutes=10)
    late = await kasia.press(keep)
    assert "already redeemed on" in late.toasts[0], late.toasts
    assert not late.of(EditMessageText) and late.of(EditMessageReplyMarkup)
    assert (await voucher(db, voucher_id)).status == VoucherStatus.REDEEMED


async def test_cancel_on_a_lapsed_voucher(tg, db, session_factory, clock) -> None:
    _owner, kasia, _anna, voucher_id, code = await till(tg, session_factory, clock, valid_days=1)
    preview = await kasia.send(f"/redeem {code}")
    clock.advance(days=2)
    kept = await kasia.press(preview.button("Cancel"))
    assert "has lapsed" in kept.toasts[0] and not kept.of(EditMessageText)
    assert (await voucher(db, voucher_id)).status == VoucherStatus.OPEN


async def test_wrong_voucher_codes_are_named_in_the_audit(tg, db, session_factory, clock) -> None:
    owner, kasia, anna, _voucher_id, code = await till(tg, session_factory, clock)
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    assert "No voucher has this code" in (await kasia.send(f"/redeem {wrong}")).text
    await anna.send("/code")
    await kasia.send("/sale")
    pay = await db.pay_code(MEMBER)
    other = ("1" if pay[0] != "1" else "2") + pay[1:]
    assert "No customer has this code" in (await kasia.send(other)).text
    rows = await db.all(
        select(AuditLog.details).where(AuditLog.action == "wrong_code").order_by(AuditLog.id)
    )
    assert rows == ["voucher", "unknown"]  # both count towards the pause and the lock
    audit = await owner.send("/audit")
    assert "Wrong voucher code typed" in audit.text
    assert "Wrong payment code typed" in audit.text
    kinds = await owner.press(audit.button("Kind"))
    only = await owner.press(kinds.button("Wrong code typed"))  # either kind of code
    assert "Wrong voucher code typed" in only.text and "Wrong payment code typed" in only.text


@pytest.mark.parametrize("typed", ["abc", "1234567", "12345", "²²²²²²", "1" * 20, "x" * 1001])
async def test_any_text_at_the_sales_code_step(tg, db, session_factory, clock, typed) -> None:
    _owner, kasia, _anna, _voucher_id, _code = await till(tg, session_factory, clock)
    await kasia.send("/sale")
    sent = await kasia.send(typed)
    assert sent.texts == ["No customer has this code. Check the 6 digits and try again."]
    assert await db.all(select(AuditLog.id).where(AuditLog.action == "wrong_code")) == []
    again = await kasia.send("7")  # the form still asks for the code
    assert "No customer has this code" in again.text


async def test_a_claimed_voucher_reads_claimed_in_hungarian(tg, session_factory, clock) -> None:
    owner, kasia = tg(OWNER), tg(CASHIER, first_name="Kasia", language_code="hu")
    await hire(owner, kasia)
    await join(tg(MEMBER))
    async with session_factory() as s:
        merchant = await make_merchant(s, clock)
        reward = await make_reward(s, clock, merchant, "Cappuccino", points_price=300)
        _id, code = await make_voucher(s, clock, merchant, MEMBER, reward, points=300)
    preview = await kasia.send(f"/redeem {code}")
    assert "Igényelve ennyiért: 300" in preview.text and "Beváltva" not in preview.text


CLAIMS = [
    "Claimed for {points}",
    "Archive {name}? Members will no longer see it; vouchers already claimed stay valid.",
    "For how many days is a voucher valid after claiming? Send 1 to {n}.",
    "Valid for {days} after claiming",
    "You have {points}; after claiming: {left}.",
    "• Rewards for points: the points are reserved when you claim a voucher, and come back if "
    "it lapses unredeemed.",
]


@pytest.mark.parametrize("msgid", CLAIMS)
def test_claiming_is_not_redeeming_in_hungarian(msgid: str) -> None:
    path = Path(__file__).parent.parent / "locales" / "hu" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        text = read_po(fp, locale="hu")[msgid].string
    assert isinstance(text, str)
    assert "igény" in text.lower() and "beváltás " not in text and "beváltasz" not in text
