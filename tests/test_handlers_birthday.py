"""/birthday: an admin or owner corrects a member's birthday; everyone else learns nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.methods import SendMessage
from sqlalchemy import select

from db.models import AuditLog, Customer, Membership, Outbox, PaymentCode
from tests.factories import make_merchant, make_staff
from tests.telegram import hire, join

OWNER = 1


async def member(db, tg: int) -> tuple[int, str]:
    """The membership id and the current payment code of a member."""
    row = await db.scalar(select(Membership).join(Customer).where(Customer.telegram_id == tg))
    code = await db.scalar(select(PaymentCode.code).where(PaymentCode.membership_id == row.id))
    return row.id, code


async def birthday_of(db, tg: int) -> tuple[int | None, int | None, int | None]:
    c = await db.scalar(select(Customer).where(Customer.telegram_id == tg))
    return c.birthday_day, c.birthday_month, c.birthday_year


async def test_an_admin_corrects_a_birthday_by_code_and_the_member_is_told(tg, db, clock) -> None:
    clock.now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    owner, ada, anna = tg(OWNER), tg(60, first_name="Ada"), tg(101, first_name="Anna")
    await hire(owner, ada, "admin")
    await join(anna)
    await anna.press((await anna.send("/profile")).button("Set birthday"))
    await anna.press((await anna.send("24.05.1990")).button("Save"))
    await anna.send("/code")
    membership_id, code = await member(db, 101)
    done = await ada.send(f"/birthday {code} 25.06.1990")
    mine = [m.text for m in done.of(SendMessage) if m.chat_id == 60]
    told = [m.text for m in done.of(SendMessage) if m.chat_id == 101]
    assert mine == [
        f"🎂 The birthday of member #{membership_id} is now 25 June 1990. We told them."
    ]
    assert told == ["🎂 Test Café corrected your birthday: 25 June 1990."]
    assert await birthday_of(db, 101) == (25, 6, 1990)
    customer = await db.scalar(select(Customer).where(Customer.telegram_id == 101))
    assert customer.birthday_set_at == clock.now  # the lead time starts again
    audit = await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct"))
    assert [(a.actor_telegram_id, a.target, a.details) for a in audit] == [
        (60, str(membership_id), None)
    ]
    # The same update again writes nothing more.
    await ada.replay()
    audit = await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct"))
    assert len(audit) == 1
    assert len(await db.all(select(Outbox).where(Outbox.kind == "birthday_corrected"))) == 1


async def test_the_owner_corrects_by_member_number_within_the_lead_time(tg, db, clock) -> None:
    clock.now = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    membership_id, _ = await member(db, 101)
    done = await owner.send(f"/birthday #{membership_id} 24.05")
    assert "is now 24 May" in done.text and "gift starts next year" in done.text
    told = [m.text for m in done.of(SendMessage) if m.chat_id == 101]
    assert told and "your birthday gift starts next year" in told[0]
    assert await birthday_of(db, 101) == (24, 5, None)


async def test_customers_and_cashiers_are_refused_and_learn_nothing(tg, db) -> None:
    owner, kasia, anna, bob = tg(OWNER), tg(50), tg(101), tg(202)
    await hire(owner, kasia, "cashier")
    await join(anna)
    await join(bob)
    await anna.send("/code")
    membership_id, code = await member(db, 101)
    for person in (kasia, bob):
        for args in (f"{code} 01.01.1990", f"#{membership_id} 01.01", "999999 01.01", ""):
            sent = await person.send(f"/birthday {args}".strip())
            assert sent.texts == ["Only the admins of this place can correct a birthday."]
    assert await birthday_of(db, 101) == (None, None, None)
    assert await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct")) == []


async def test_an_admin_of_another_merchant_finds_no_one(tg, db, session, clock, anna) -> None:
    # anna is a member of the default merchant, "main"
    await anna.send("/code")
    membership_id, code = await member(db, 101)
    other = await make_merchant(session, clock, slug="other")
    await make_staff(session, clock, other, 70, role="admin")
    stranger = tg(70)
    sent = await stranger.send(f"/birthday {code} 01.01.1990")  # a look-up at their till
    assert "No customer has this code" in sent.text
    sent = await stranger.send(f"/birthday #{membership_id} 01.01")
    assert "No member has this code or number here" in sent.text
    assert await birthday_of(db, 101) == (None, None, None)


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(tg, db) -> None:
    owner, anna = tg(OWNER), tg(101)
    await join(anna)
    await anna.send("/code")
    membership_id, code = await member(db, 101)
    cases = {
        "/birthday": "Use: /birthday 123456",
        f"/birthday {code}": "couldn't read that date",
        f"/birthday {code} 31.02": "no such date",
        f"/birthday {code} 24.05.2099": "in the future",
        f"/birthday {code} soon": "couldn't read that date",
        "/birthday 000000 24.05": "No customer has this code",  # a look-up at the till
        "/birthday #999999 24.05": "No member has this code",
        "/birthday 12345678901234567890 24.05": "Use: /birthday 123456",
        "/birthday #12345678901234567890 24.05": "Use: /birthday 123456",
        "/birthday ²²²²²² 24.05": "Use: /birthday 123456",
        "/birthday #²² 24.05": "Use: /birthday 123456",
        f"/birthday #{membership_id} 24.²5": "couldn't read that date",
    }
    for command, reply in cases.items():
        sent = await owner.send(command)
        assert reply in sent.text, (command, sent.text)
        assert "something went wrong" not in sent.text
    assert await birthday_of(db, 101) == (None, None, None)
    assert await db.all(select(AuditLog).where(AuditLog.action == "birthday_correct")) == []


async def test_the_admin_menu_has_birthday(tg) -> None:
    from aiogram.methods import SetMyCommands

    owner, ada = tg(OWNER), tg(60)
    await owner.send("/staff")
    invite = await owner.press("sinv:admin")
    welcome = await ada.send("/start " + invite.text.split()[-1].split("start=")[1])
    commands = [c.command for c in welcome.of(SetMyCommands)[0].commands]
    assert "birthday" in commands


async def test_codes_typed_in_birthday_count_as_wrong_codes_and_a_bad_date_tells_nothing(
    tg, db
) -> None:
    owner, adam, anna = tg(OWNER), tg(60, first_name="Adam"), tg(101)
    await hire(owner, adam, role="admin")
    await join(anna)
    await anna.send("/code")
    _, code = await member(db, 101)
    # A bad date is refused before any look-up: a live code and a wrong one read the same.
    assert (await adam.send(f"/birthday {code} 99.99")).text == (
        await adam.send("/birthday 000001 99.99")
    ).text
    for n in range(5):  # wrong codes are wrong codes, whichever command typed them
        sent = await adam.send(f"/birthday {n:06d} 24.05")
        assert "No customer has this code" in sent.text
    assert "paused until" in sent.text
    wrong = await db.all(select(AuditLog).where(AuditLog.action == "wrong_code"))
    assert len(wrong) == 5
    for command in (f"/birthday {code} 24.05", f"/sale {code} 10"):
        assert "paused until" in (await adam.send(command)).text, command
    assert await birthday_of(db, 101) == (None, None, None)


async def test_a_birthday_shared_with_another_program_is_changed_by_an_owner_only(
    tg, db, session, clock
) -> None:
    owner, adam, anna = tg(OWNER), tg(60, first_name="Adam"), tg(101)
    await hire(owner, adam, role="admin")
    await join(anna)
    await make_merchant(session, clock, slug="other")
    rules = await anna.send("/start mother")
    await anna.press(rules.button("✅"))  # Anna belongs to both programs now
    membership_id = await db.scalar(
        select(Membership.id)
        .join(Customer)
        .where(Customer.telegram_id == 101, Membership.merchant_id == 1)
    )
    refused = await adam.send(f"/birthday #{membership_id} 24.05")
    assert "only an owner can change it" in refused.text
    assert await birthday_of(db, 101) == (None, None, None)
    done = await owner.send(f"/birthday #{membership_id} 24.05")
    assert "24" in done.text and await birthday_of(db, 101) == (24, 5, None)
