"""The commands and buttons added after the first walk of tests/test_every_update_once.py,
each fed twice with the same update id: the second delivery changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditLog, Customer, Membership, Preorder, PreorderStatus
from tests.test_every_update_once import Twice
from tests.test_handlers_sale import OWNER


async def test_later_commands_and_buttons_fed_twice_write_once(tg, db, settings) -> None:
    settings.wrong_codes_hour_limit = 2
    owner, kasia, anna = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia"), tg(101)
    twice = Twice(db)
    rules = await anna.send("/start")
    await anna.press(rules.button("Accept"))
    invite = await owner.press("sinv:staff")
    await kasia.send("/start " + invite.text.split()[-1].split("start=")[1])

    # An admin corrects a birthday by the member's code: one audit row, one notice.
    await anna.send("/code")
    code = await db.pay_code(101)
    await twice(owner, owner.send(f"/birthday {code} 24.05.1990"))
    customer = await db.scalar(select(Customer).where(Customer.telegram_id == 101))
    assert (customer.birthday_day, customer.birthday_month) == (24, 5)
    corrected = await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct"))
    assert len(corrected) == 1

    # The member's own data is a read.
    await twice(anna, anna.send("/mydata"), writes=False)

    # A pre-order: the customer cancels one, staff mark another ready.
    await twice(owner, owner.send("/additem Coffee | Flat white | 3.80"))
    for _ in range(2):
        items = await anna.press((await anna.send("/catalog")).button("Coffee"))
        await anna.press(items.button("Flat white"))
        await anna.press((await anna.send("/cart")).button("Check out"))
    mine = await twice(anna, anna.send("/orders"), writes=False)
    ask = await twice(anna, anna.press(mine.button("Cancel #1")), writes=False)
    await twice(anna, anna.press(ask.button("Yes, cancel it")))
    waiting = await twice(kasia, kasia.send("/openorders"), writes=False)
    await twice(kasia, kasia.press(waiting.button("#2 ready")))
    statuses = await db.all(select(Preorder.status).order_by(Preorder.id))
    assert statuses == [PreorderStatus.CANCELLED, PreorderStatus.READY]

    # Wrong codes count once each; the lock's Resume button resumes once.
    await twice(kasia, kasia.send("/sale 000001 10"))
    locked = await twice(kasia, kasia.send("/sale 000002 10"))
    wrong = await db.all(select(AuditLog).where(AuditLog.action == "wrong_code"))
    assert len(wrong) == 2
    resume = locked.button("Resume code entry")
    await twice(owner, owner.press(resume))
    resumed = await db.all(select(AuditLog).where(AuditLog.action == "codes_resumed"))
    assert len(resumed) == 1

    # The poster is drawn twice if asked twice, but writes nothing.
    languages = await twice(owner, owner.send("/poster"), writes=False)
    await twice(owner, owner.press(languages.button("English")), writes=False)

    # Leaving the program, delivered twice, erases once.
    profile = await anna.send("/profile")
    ask = await twice(anna, anna.press(profile.button("Leave the program")), writes=False)
    await twice(anna, anna.press(ask.button("Yes, delete everything")))
    assert (await db.scalar(select(Membership.deleted_at))) is not None
