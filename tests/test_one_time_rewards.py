"""One-time rewards once per person and merchant, whatever they erase: the welcome bonus, the
referrer's bonus for a friend's first purchase, the birthday gift of a year; the birthday lead
time; what the database keeps of a person who left."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.methods import EditMessageText, SendMessage
from sqlalchemy import BigInteger, Integer, String, Text, delete, select, update

from db.base import Base
from db.models import (
    Customer,
    LedgerEntry,
    LedgerReason,
    Membership,
    Merchant,
    RewardGrant,
)
from services import grants
from services.jobs import JobService
from services.members import MemberService
from services.sales import SaleService
from tests.conftest import TEST_MARKER_KEY
from tests.factories import issue_code, make_member, make_merchant, make_staff
from tests.telegram import TgUser

OWNER = 1
CASHIER = 900
KEY = TEST_MARKER_KEY.encode()


async def start(user: TgUser, payload: str = "") -> None:
    await user.send(f"/start {payload}".strip())


async def accept(user: TgUser, payload: str = "") -> None:
    sent = await user.send(f"/start {payload}".strip())
    await user.press(sent.button("✅"))


async def leave(user: TgUser) -> None:
    profile = await user.send("/profile")
    ask = await user.press(profile.button("Leave the program"))
    done = await user.press(ask.button("Yes, delete"))
    assert "Your data is deleted" in done.text


async def set_merchant(db, **values) -> None:
    async with db.factory() as s, s.begin():
        await s.execute(update(Merchant).values(**values))


async def reasons_of(db, tg: int) -> list[str]:
    member = await db.scalar(select(Membership).join(Customer).where(Customer.telegram_id == tg))
    rows = await db.all(
        select(LedgerEntry.reason)
        .where(LedgerEntry.membership_id == member.id)
        .order_by(LedgerEntry.id)
    )
    return [str(r) for r in rows]


async def test_the_welcome_bonus_is_paid_once_per_person(tg, db) -> None:
    anna = tg(700, first_name="Anna")
    await start(anna)  # the merchant exists from the first update on
    await set_merchant(db, welcome_bonus_minor=300)
    await anna.press((await anna.send("/start")).button("✅"))
    assert await reasons_of(db, 700) == ["welcome"]
    await leave(anna)
    await accept(anna)
    assert await reasons_of(db, 700) == []  # joined again: no second welcome
    card = await anna.send("/card")
    assert "0 points" in card.text
    merchant_id = await db.scalar(select(Merchant.id))
    rows = await db.all(select(RewardGrant))
    # The key from the settings, as the middleware passes it down.
    assert [(r.marker, r.reward) for r in rows] == [
        (grants.marker(KEY, merchant_id, 700), "welcome")
    ]
    # Someone else still gets it.
    bob = tg(701)
    await accept(bob)
    assert await reasons_of(db, 701) == ["welcome"]


async def test_a_friend_who_rejoins_pays_the_referrers_bonus_once(tg, db) -> None:
    owner, kasia = tg(OWNER), tg(50, first_name="Kasia")
    anna, bob = tg(101, first_name="Anna"), tg(202, first_name="Bob")
    await owner.send("/staff")
    invite = await owner.press("sinv:staff")
    await kasia.send("/start " + invite.text.split()[-1].split("start=")[1])
    await accept(anna)
    link = (await anna.send("/invite")).texts[0].split()[-1]
    payload = link.split("start=")[1]

    async def buy() -> list[str]:
        await bob.send("/code")
        code = await db.scalar(
            select(Membership.id).join(Customer).where(Customer.telegram_id == 202)
        )
        from db.models import PaymentCode

        code = await db.scalar(select(PaymentCode.code).where(PaymentCode.membership_id == code))
        preview = await kasia.send(f"/sale {code} 100")
        done = await kasia.press(preview.button("Confirm"))
        return [m.text for m in done.of(SendMessage) if m.chat_id == 101]

    await accept(bob, payload)
    first = await buy()
    assert any("Bob made a first purchase: +700 points" in t for t in first)
    await leave(bob)
    await accept(bob, payload)  # the same link again
    again = await buy()
    assert any("+200 points for a purchase by a friend you invited" in t for t in again)
    assert not any("first purchase" in t for t in again)
    referrer = await db.scalar(
        select(Membership).join(Customer).where(Customer.telegram_id == 101)
    )
    assert referrer.effective_referrals == 1
    assert await reasons_of(db, 101) == ["referral_bonus", "referral", "referral"]
    assert referrer.balance_minor == 500 + 200 + 200
    rewards = await db.all(select(RewardGrant.reward))
    # Bob's first purchase paid once; his joining was told to Anna once.
    assert sorted(rewards) == ["referral", "referral_joined"]


async def test_after_erasure_the_database_holds_no_telegram_id(tg, db) -> None:
    person = 987654321
    anna = tg(person, first_name="Annabel")
    await start(anna)
    await set_merchant(db, welcome_bonus_minor=300)
    await anna.press((await anna.send("/start")).button("✅"))
    await anna.press((await anna.send("/profile")).button("Set birthday"))
    await anna.press((await anna.send("24.05.1990")).button("Save"))
    await anna.send("/code")
    await leave(anna)
    found = []
    for table in Base.metadata.sorted_tables:
        async with db.factory() as s, s.begin():
            rows = (await s.execute(select(table))).all()
        for row in rows:
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(column.type, BigInteger | Integer) and value == person:
                    found.append((table.name, column.name))
                if isinstance(column.type, String | Text) and value and str(person) in value:
                    found.append((table.name, column.name))
                if isinstance(value, str) and "Annabel" in value:
                    found.append((table.name, column.name))
    assert found == []
    merchant_id = await db.scalar(select(Merchant.id))
    markers = await db.all(select(RewardGrant.marker))
    assert markers == [grants.marker(KEY, merchant_id, person)]


async def test_a_birthday_saved_within_the_lead_time_waits_a_year(tg, db, clock) -> None:
    clock.now = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)
    anna, bob = tg(101), tg(202)
    for user, date in ((anna, "24.05"), (bob, "24.06")):  # in 10 days, in 41 days
        await accept(user)
        await user.press((await user.send("/profile")).button("Set birthday"))
        saved = await user.press((await user.send(date)).button("Save"))
        text = saved.of(EditMessageText)[0].text
        assert ("gift starts next year" in text) is (user is anna), text
    customers = await db.all(select(Customer).order_by(Customer.telegram_id))
    assert [c.birthday_set_at for c in customers] == [clock.now, clock.now]


# --- through the services, with the clock moved -------------------------------------------


async def opt_in(session, clock, merchant, tg, birthday=None, key=KEY):
    await make_member(session, clock, merchant, tg)
    members = MemberService(session, clock, marker_key=key)
    await members.set_marketing(merchant.id, tg, True)
    if birthday:
        await members.set_birthday(merchant.id, tg, birthday)


async def test_lead_time_no_gift_this_year_then_yes(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    jobs = JobService(session, clock, marker_key=KEY)
    clock.now = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)  # 10 days before
    await opt_in(session, clock, merchant, 1, "24.05")
    clock.now = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)  # 40 days before
    await opt_in(session, clock, merchant, 2, "24.05")
    clock.now = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 1
    async with session.begin():
        gifts = (
            await session.execute(
                select(Customer.telegram_id)
                .join(Membership, Membership.customer_id == Customer.id)
                .join(LedgerEntry, LedgerEntry.membership_id == Membership.id)
                .where(LedgerEntry.reason == LedgerReason.BIRTHDAY)
            )
        ).all()
    assert [g[0] for g in gifts] == [2]
    clock.now = datetime(2027, 5, 24, 12, 0, tzinfo=UTC)  # next year: both
    assert await jobs.birthday_offers() == 2


async def test_the_birthday_gift_of_a_year_is_paid_once_after_erase_and_rejoin(
    session, clock
) -> None:
    merchant = await make_merchant(session, clock)
    async with session.begin():
        await session.execute(update(Merchant).values(birthday_lead_days=0))
    jobs = JobService(session, clock, marker_key=KEY)
    clock.now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    await opt_in(session, clock, merchant, 1, "24.05")
    clock.now = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 1
    await MemberService(session, clock, marker_key=KEY).erase(merchant.id, 1)
    await opt_in(session, clock, merchant, 1, "24.05")  # the same day, no lead time
    assert await jobs.birthday_offers() == 0
    clock.now = datetime(2027, 5, 24, 12, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 1  # a new year


async def test_a_member_from_before_grants_still_gets_nothing_twice(session, clock) -> None:
    """Joined, referred, first purchase and birthday gift before this change: no grant rows.
    Erasing records them, so joining again pays none of them again."""
    merchant = await make_merchant(session, clock)
    async with session.begin():
        await session.execute(update(Merchant).values(welcome_bonus_minor=300))
    await make_staff(session, clock, merchant, CASHIER)
    members = MemberService(session, clock, marker_key=KEY)
    sales = SaleService(session, (), clock, marker_key=KEY)
    jobs = JobService(session, clock, marker_key=KEY)

    async def sell(tg: int) -> None:
        code = await issue_code(session, clock, merchant, tg)
        draft = await sales.prepare(merchant.id, CASHIER, code, 10_000, 0, None)
        await sales.confirm(merchant.id, CASHIER, draft.key)

    await members.join(telegram_id=1, merchant_id=merchant.id, first_name="A", consent_version=1)
    referral = (await members.card(merchant.id, 1)).referral_code

    async def rejoin_friend() -> None:
        await members.join(
            telegram_id=2,
            merchant_id=merchant.id,
            first_name="B",
            consent_version=1,
            referral_code=referral,
        )
        await members.set_marketing(merchant.id, 2, True)

    clock.now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    await rejoin_friend()
    await members.set_birthday(merchant.id, 2, "24.05")
    await sell(2)
    clock.now = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    assert await jobs.birthday_offers() == 1
    async with session.begin():
        await session.execute(delete(RewardGrant))  # as before this change
    await members.erase(merchant.id, 2)
    async with session.begin():
        kept = {r.reward: r.created_at for r in (await session.scalars(select(RewardGrant)))}
    assert kept == {  # dated when they were received
        "welcome": datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
        "referral": datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
        "birthday:2026": datetime(2026, 5, 24, 12, 0, tzinfo=UTC),
    }

    await rejoin_friend()
    await members.set_birthday(merchant.id, 2, "24.05")
    async with session.begin():
        await session.execute(update(Merchant).values(birthday_lead_days=0))
    assert await jobs.birthday_offers() == 0
    await sell(2)
    assert (await members.card(merchant.id, 2)).balance_minor == 300  # cashback only
    referrer = await members.card(merchant.id, 1)
    assert referrer.effective_referrals == 1
    assert referrer.balance_minor == 300 + 500 + 200 + 200  # welcome, one bonus, two shares
