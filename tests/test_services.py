"""Use cases against a real database: what they return and what they store."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import LedgerEntry, LedgerReason, Membership, Merchant, PaymentCode
from db.repositories import LedgerRepo
from services.codes import CodeService
from services.dto import ProgramSettings
from services.errors import (
    BirthdayLocked,
    InvalidBirthday,
    NotAMember,
    NotOwnContact,
    OutdatedRules,
)
from services.members import MemberService
from services.merchants import MerchantService, apply_program
from tests.factories import make_member, make_merchant


async def test_default_merchant_is_created_once_with_five_levels(session, clock) -> None:
    first = await make_merchant(session, clock)
    again = await make_merchant(session, clock)
    assert first.id == again.id
    levels = await MerchantService(session, clock).levels(first.id)
    assert [lv.rank for lv in levels] == [0, 1, 2, 3, 4]


def test_every_program_setting_reaches_the_merchant() -> None:
    """apply_program copies by name: each setting an operator may give lands on its column."""
    given: dict[str, Any] = {f.name: 7 for f in fields(ProgramSettings)}
    given["referral_rates_bp"] = (300, 200, 100)
    merchant = Merchant()
    apply_program(merchant, ProgramSettings(**given))
    for name, value in given.items():
        if name != "referral_rates_bp":
            assert getattr(merchant, name) == value, name
    assert (merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3) == (
        300,
        200,
        100,
    )


async def test_join_twice_is_one_membership(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    first = await make_member(session, clock, merchant, 1)
    second = await make_member(session, clock, merchant, 1)
    assert first.created and not second.created
    assert first.membership_id == second.membership_id
    assert await session.scalar(select(func.count()).select_from(Membership)) == 1


async def test_join_with_old_rules_version_is_refused(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    with pytest.raises(OutdatedRules):
        await MemberService(session, clock).join(
            telegram_id=5, merchant_id=merchant.id, first_name="A", consent_version=0
        )


async def test_referral_links_once_and_never_to_oneself(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    other = await make_merchant(session, clock, slug="other")
    members = MemberService(session, clock)
    await make_member(session, clock, merchant, 1)
    code = (await members.card(merchant.id, 1)).referral_code
    linked = await make_member(session, clock, merchant, 2, referral_code=code)
    assert linked.referrer_linked
    # An existing member is not re-linked; a code of another merchant links nobody.
    await make_member(session, clock, merchant, 3)
    again = await make_member(session, clock, merchant, 3, referral_code=code)
    foreign = await make_member(session, clock, other, 4, referral_code=code)
    assert not again.referrer_linked and not foreign.referrer_linked
    rows = {m.id: m for m in (await session.scalars(select(Membership))).all()}
    friend = rows[linked.membership_id]
    assert (
        friend.referrer_id is not None
        and rows[friend.referrer_id].customer_id != friend.customer_id
    )
    assert friend.source == "referral"
    assert rows[again.membership_id].referrer_id is None


async def test_own_code_in_another_merchant_does_not_self_refer(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    code = (await MemberService(session, clock).card(merchant.id, 1)).referral_code
    again = await make_member(session, clock, merchant, 1, referral_code=code)
    assert not again.referrer_linked


async def test_referral_chain_has_no_cycle(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    members = MemberService(session, clock)
    code = None
    ids = []
    for tg in range(1, 6):
        joined = await make_member(session, clock, merchant, tg, referral_code=code)
        ids.append(joined.membership_id)
        code = (await members.card(merchant.id, tg)).referral_code
    from db.repositories import MembershipRepo

    async with session.begin():
        chain = await MembershipRepo(session).ancestors(ids[-1], depth=3)
    assert chain == [ids[3], ids[2], ids[1]]


async def test_card_shows_level_and_progress(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    card = await MemberService(session, clock).card(merchant.id, 1)
    assert card.level.name == "Bronze" and card.balance_minor == 0
    assert card.progress is not None and card.progress.spend_left_minor == 10_000
    assert card.progress.referrals_left == 2


async def test_card_of_a_stranger_is_refused(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    with pytest.raises(NotAMember):
        await MemberService(session, clock).card(merchant.id, 999)


async def test_codes_are_replaced_and_unique_among_active(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    await make_member(session, clock, merchant, 2)
    draws = iter(["111111", "111111", "222222", "111111", "333333"])
    codes = CodeService(session, clock, draw=lambda: next(draws))
    first = await codes.issue(merchant.id, 1)
    assert first.code == "111111"
    assert first.expires_at == clock.now + timedelta(minutes=10)
    # 111111 is active for member 1, so member 2 draws again.
    assert (await codes.issue(merchant.id, 2)).code == "222222"
    # Asking again replaces member 1's code: the old value is free for anyone.
    assert (await codes.issue(merchant.id, 1)).code == "111111"
    rows = (await session.scalars(select(PaymentCode))).all()
    assert sorted(r.code for r in rows) == ["111111", "222222"]


async def test_an_expired_code_value_can_be_reused(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    await make_member(session, clock, merchant, 2)
    draws = iter(["555555", "555555"])
    codes = CodeService(session, clock, draw=lambda: next(draws))
    await codes.issue(merchant.id, 1)
    clock.advance(minutes=11)
    assert (await codes.issue(merchant.id, 2)).code == "555555"
    assert await session.scalar(select(func.count()).select_from(PaymentCode)) == 1


async def test_history_pages_newest_first(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    joined = await make_member(session, clock, merchant, 1)
    async with session.begin():
        membership = await session.get(Membership, joined.membership_id)
        assert membership is not None
        for i in range(1, 24):
            await LedgerRepo(session).post(membership, i, LedgerReason.MANUAL, clock.now)
    members = MemberService(session, clock)
    first = await members.history(merchant.id, 1, 0)
    last = await members.history(merchant.id, 1, 99)
    assert (first.total, first.pages) == (23, 3)
    assert [e.delta_minor for e in first.entries][:3] == [23, 22, 21]
    assert last.page == 2 and [e.delta_minor for e in last.entries] == [3, 2, 1]
    assert first.balance_minor == sum(range(1, 24))


async def test_ledger_never_goes_below_zero_and_matches_balance(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    joined = await make_member(session, clock, merchant, 1)
    ledger = LedgerRepo(session)
    async with session.begin():
        membership = await session.get(Membership, joined.membership_id)
        assert membership is not None
        await ledger.post(membership, 100, LedgerReason.MANUAL, clock.now)
        await ledger.post(membership, -60, LedgerReason.REDEEM, clock.now)
        with pytest.raises(ValueError, match="below zero"):
            await ledger.post(membership, -41, LedgerReason.REDEEM, clock.now)
    async with session.begin():
        stored = await session.get(Membership, joined.membership_id)
        assert stored is not None and stored.balance_minor == 40
        assert await ledger.total(joined.membership_id) == 40
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 2


async def test_birthday_is_set_once(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    members = MemberService(session, clock)
    with pytest.raises(InvalidBirthday):
        await members.set_birthday(merchant.id, 1, "31.02")
    profile = await members.set_birthday(merchant.id, 1, "24.05")
    assert profile.birthday is not None and (profile.birthday.day, profile.birthday.month) == (
        24,
        5,
    )
    with pytest.raises(BirthdayLocked):
        await members.set_birthday(merchant.id, 1, "25.05")
    with pytest.raises(BirthdayLocked):
        await members.check_birthday(merchant.id, 1, "25.05")


async def test_phone_must_be_ones_own(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    members = MemberService(session, clock)
    with pytest.raises(NotOwnContact):
        await members.set_phone(merchant.id, 1, 2, "+48600700800")
    profile = await members.set_phone(merchant.id, 1, 1, "48600700800")
    assert profile.phone_masked == "+48 *** *** 800"
    assert (await members.clear_phone(merchant.id, 1)).phone_masked is None


async def test_context_asks_again_when_rules_change(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_member(session, clock, merchant, 1)
    members = MemberService(session, clock)
    assert (await members.context(1, merchant.id)).is_member
    bumped = await MerchantService(session, clock).ensure_default(
        slug="main", name="x", currency="EUR", timezone="UTC", language="en", rules_version=2
    )
    assert not (await members.context(1, merchant.id)).is_member
    await members.join(telegram_id=1, merchant_id=merchant.id, first_name="A", consent_version=2)
    assert (await members.context(1, bumped.id)).is_member
