"""Purchases through the service: what each step returns and what the ledger holds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditLog, LedgerEntry, Membership, PaymentCode, Purchase, Staff
from services.errors import (
    CodeInvalid,
    InvalidAmount,
    NotStaff,
    RatingRefused,
    SaleRefused,
    StaffPaused,
)
from services.members import MemberService
from services.notices import (
    LowRatingAlert,
    Receipt,
    ReferralReversed,
    ReferralReward,
    RefundReceipt,
)
from services.sales import SaleService
from tests.factories import (
    body_of,
    check_ledger_invariant,
    credit,
    five_wrong_codes,
    issue_code,
    make_member,
    make_merchant,
    make_staff,
    reread,
)

CASHIER = 900


@pytest.fixture
async def shop(session, clock):
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, CASHIER)
    return merchant


def sales(session, clock, owners=()):
    return SaleService(session, owners, clock)


async def sell(session, clock, merchant, tg, amount, points=0, receipt=None):
    code = await issue_code(session, clock, merchant, tg)
    service = sales(session, clock)
    draft = await service.prepare(merchant.id, CASHIER, code, amount, points, receipt)
    return await service.confirm(merchant.id, CASHIER, draft.key)


async def two_friends_buy(session, clock, shop):
    """Member 1 invites 2 and 3, who buy for 5.00 five minutes apart (10 + 500 bonus to 1
    each); returns their sales by member."""
    await make_member(session, clock, shop, 1)
    code = (await MemberService(session, clock).card(shop.id, 1)).referral_code
    sales = {}
    for friend in (2, 3):
        await make_member(session, clock, shop, friend, referral_code=code)
        sales[friend] = await sell(session, clock, shop, friend, 500)
        clock.advance(minutes=5)
    return sales


async def test_a_sale_spends_points_earns_cashback_and_uses_the_code(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    await credit(session, clock, shop, 1, 1_000)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    till = await service.find_customer(shop.id, CASHIER, code)
    assert (till.first_name, till.balance, till.level.name) == ("User1", 1_000, "Bronze")
    draft = await service.prepare(shop.id, CASHIER, code, 2_000, 400, "R-1")
    assert (draft.to_pay_minor, draft.cashback) == (1_600, 48)  # 3 % of 16.00
    result = await service.confirm(shop.id, CASHIER, draft.key)
    assert not result.duplicate and result.balance_after == 1_000 - 400 + 48
    receipt = result.notices[0]
    assert receipt.kind == "receipt" and receipt.telegram_id == 1
    async with session.begin():
        purchase = await session.scalar(select(Purchase))
        member = await session.scalar(select(Membership))
        code_row = await session.scalar(select(PaymentCode))
        reasons = [e.reason for e in (await session.scalars(select(LedgerEntry))).all()]
        audit = (await session.scalars(select(AuditLog.action))).all()
    assert purchase.status == "confirmed" and purchase.cashback_minor == 48
    assert member.lifetime_spend_minor == 1_600 and member.purchases_count == 1
    assert code_row.used_at is not None
    assert reasons == ["manual", "redeem", "cashback"]
    assert "sale" in audit
    await check_ledger_invariant(session)


async def test_confirm_twice_is_one_purchase(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    draft = await service.prepare(shop.id, CASHIER, code, 1_000, 0, None)
    first = await service.confirm(shop.id, CASHIER, draft.key)
    second = await service.confirm(shop.id, CASHIER, draft.key)
    assert not first.duplicate and second.duplicate
    assert second.purchase_id == first.purchase_id and second.notices == ()
    async with session.begin():
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


async def test_two_cashiers_with_one_code_make_one_purchase(session, clock, shop) -> None:
    await make_staff(session, clock, shop, 901, name="Ola")
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    first = await service.prepare(shop.id, CASHIER, code, 1_000, 0, None)
    second = await service.prepare(shop.id, 901, code, 1_000, 0, None)
    await service.confirm(shop.id, CASHIER, first.key)
    with pytest.raises(SaleRefused) as error:
        await service.confirm(shop.id, 901, second.key)
    assert error.value.reason == "code_used"
    async with session.begin():
        statuses = sorted((await session.scalars(select(Purchase.status))).all())
    assert statuses == ["confirmed", "draft"]
    with pytest.raises(CodeInvalid) as reused:
        await service.find_customer(shop.id, CASHIER, code)
    assert reused.value.reason == "used"


async def test_points_spent_elsewhere_meanwhile_are_refused(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    await credit(session, clock, shop, 1, 500)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    draft = await service.prepare(shop.id, CASHIER, code, 2_000, 400, None)
    # The balance drops (another purchase, an expiry) between preview and Confirm.
    await credit(session, clock, shop, 1, -300)
    with pytest.raises(SaleRefused) as error:
        await service.confirm(shop.id, CASHIER, draft.key)
    assert error.value.reason == "balance_changed"
    await check_ledger_invariant(session)


async def test_amounts_over_the_cap_and_too_many_points_are_refused(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    await credit(session, clock, shop, 1, 10_000)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    with pytest.raises(InvalidAmount) as too_large:
        await service.quote(shop.id, CASHIER, code, "1000.01")
    assert too_large.value.reason == "too_large"
    quote = await service.quote(shop.id, CASHIER, code, "19,90")
    assert (quote.amount_minor, quote.max_points) == (1_990, 398)  # Bronze: 20 %
    with pytest.raises(SaleRefused):
        await service.prepare(shop.id, CASHIER, code, 1_990, 399, None)


async def test_receipt_numbers_are_unique_per_merchant(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    await make_member(session, clock, shop, 2)
    await sell(session, clock, shop, 1, 1_000, receipt="A-7")
    code = await issue_code(session, clock, shop, 2)
    with pytest.raises(SaleRefused) as error:
        await sales(session, clock).prepare(shop.id, CASHIER, code, 1_000, 0, "A-7")
    assert error.value.reason == "receipt_taken"


async def test_two_drafts_with_one_receipt_confirm_once(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    await make_member(session, clock, shop, 2)
    service = sales(session, clock)
    a = await service.prepare(
        shop.id, CASHIER, await issue_code(session, clock, shop, 1), 1_000, 0, "R9"
    )
    b = await service.prepare(
        shop.id, CASHIER, await issue_code(session, clock, shop, 2), 1_000, 0, "R9"
    )
    await service.confirm(shop.id, CASHIER, a.key)
    with pytest.raises(SaleRefused) as error:
        await service.confirm(shop.id, CASHIER, b.key)
    assert error.value.reason == "receipt_taken"
    await check_ledger_invariant(session)


async def test_five_wrong_codes_pause_the_cashier(session, clock, shop) -> None:
    service = sales(session, clock)
    await five_wrong_codes(service, shop.id, CASHIER, "00000")
    with pytest.raises(StaffPaused):
        await service.find_customer(shop.id, CASHIER, "123456")
    clock.advance(minutes=11)
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    assert (await service.find_customer(shop.id, CASHIER, code)).first_name == "User1"


async def test_wrong_codes_spread_over_time_do_not_pause(session, clock, shop) -> None:
    service = sales(session, clock)
    for _attempt in range(8):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(shop.id, CASHIER, "999999")
        assert not error.value.paused
        clock.advance(minutes=3)


async def test_revoked_staff_lose_access_at_once(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    service = sales(session, clock)
    draft = await service.prepare(shop.id, CASHIER, code, 1_000, 0, None)
    async with session.begin():
        staff = await session.scalar(select(Staff).where(Staff.telegram_id == CASHIER))
        staff.revoked_at = clock()
    with pytest.raises(NotStaff):
        await service.confirm(shop.id, CASHIER, draft.key)
    with pytest.raises(NotStaff):
        await service.find_customer(shop.id, CASHIER, code)


async def test_referral_chain_earns_three_levels_up_and_a_first_purchase_bonus(
    session, clock, shop
) -> None:
    members = MemberService(session, clock)
    code = None
    for tg in (1, 2, 3, 4, 5):  # 1 invited 2, 2 invited 3, ... 4 invited 5
        await make_member(session, clock, shop, tg, referral_code=code)
        code = (await members.card(shop.id, tg)).referral_code
    result = await sell(session, clock, shop, 5, 10_000)
    balances = {tg: (await members.card(shop.id, tg)).balance_minor for tg in (1, 2, 3, 4, 5)}
    # 4 is the direct referrer: 2 % of 100.00 plus the 5.00 first-purchase bonus.
    assert balances == {1: 0, 2: 50, 3: 100, 4: 200 + 500, 5: 300}
    assert {n.kind for n in result.notices} == {"receipt", "referral_reward"}
    card4 = await members.card(shop.id, 4)
    assert card4.effective_referrals == 1
    # A second purchase brings shares but no second bonus.
    await sell(session, clock, shop, 5, 10_000)
    assert (await members.card(shop.id, 4)).balance_minor == 700 + 200
    await check_ledger_invariant(session)


async def test_an_erased_referrer_earns_nothing_more(session, clock, shop) -> None:
    """Up the chain, a member who left the program is skipped; the others still earn."""

    members = MemberService(session, clock)
    code, ids = None, {}
    for tg in (1, 2, 3):  # 1 invited 2, 2 invited 3
        ids[tg] = (await make_member(session, clock, shop, tg, referral_code=code)).membership_id
        code = (await members.card(shop.id, tg)).referral_code
    erased_id = ids[2]
    await credit(session, clock, shop, 2, 300)
    assert await members.erase(shop.id, 2) == 300
    result = await sell(session, clock, shop, 3, 10_000)
    assert (await members.card(shop.id, 1)).balance_minor == 100  # 1 % two levels up
    async with session.begin():
        erased = await session.get(Membership, erased_id)
        assert erased is not None and erased.balance_minor == 0
        assert erased.effective_referrals == 0
        reasons = (
            await session.scalars(
                select(LedgerEntry.reason).where(LedgerEntry.membership_id == erased_id)
            )
        ).all()
    assert list(reasons) == ["manual", "forfeit"]
    assert not [n for n in result.notices if n.telegram_id < 0]  # nothing to the anonymous row
    await check_ledger_invariant(session)


async def test_level_rises_by_spend_and_the_customer_is_told(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    result = await sell(session, clock, shop, 1, 10_000)
    receipt = body_of(result.notices[0], Receipt)
    assert receipt.level_up is True and receipt.level == "Silver"
    card = await MemberService(session, clock).card(shop.id, 1)
    assert card.level.name == "Silver"


async def test_level_rises_by_effective_referrals(session, clock, shop) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    code = (await members.card(shop.id, 1)).referral_code
    for friend in (2, 3):
        await make_member(session, clock, shop, friend, referral_code=code)
        result = await sell(session, clock, shop, friend, 500)
    reward = next(n for n in result.notices if n.kind == "referral_reward")
    assert reward.telegram_id == 1 and body_of(reward, ReferralReward).level_up is True
    assert (await members.card(shop.id, 1)).level.name == "Silver"


async def test_full_refund_unwinds_points_cashback_and_referrals(session, clock, shop) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    ref = (await members.card(shop.id, 1)).referral_code
    await make_member(session, clock, shop, 2, referral_code=ref)
    await credit(session, clock, shop, 2, 1_000)
    code = await issue_code(session, clock, shop, 2)
    service = sales(session, clock)
    draft = await service.prepare(shop.id, CASHIER, code, 5_000, 1_000, None)
    sale = await service.confirm(shop.id, CASHIER, draft.key)
    refund = await service.refund(shop.id, CASHIER, sale.purchase_id, None)
    assert refund.fully_refunded and refund.points_returned == 1_000
    assert refund.cash_refund_minor == 4_000 and refund.shortfall == 0
    assert (await members.card(shop.id, 2)).balance_minor == 1_000  # as before the purchase
    card1 = await members.card(shop.id, 1)
    assert card1.balance_minor == 0 and card1.effective_referrals == 0
    with pytest.raises(SaleRefused):
        await service.refund(shop.id, CASHIER, sale.purchase_id, None)
    await check_ledger_invariant(session)


async def test_refund_after_the_cashback_was_spent(session, clock, shop) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    sale = await sell(session, clock, shop, 1, 10_000)  # earns 300 points, reaches Silver
    await sell(session, clock, shop, 1, 1_500, points=300)  # spends them, earns 5 % of 12.00
    assert (await members.card(shop.id, 1)).balance_minor == 60
    refund = await sales(session, clock).refund(shop.id, CASHIER, sale.purchase_id, None)
    # 60 of the 300 cashback can be taken back; the other 240 stay out of the money returned.
    assert refund.shortfall == 240 and refund.cash_refund_minor == 10_000 - 240
    card = await members.card(shop.id, 1)
    assert card.balance_minor == 0 and card.level.name == "Bronze"  # the level was paid for
    await check_ledger_invariant(session)


async def test_a_refund_to_a_member_who_left_hands_back_the_money_only(
    session, clock, shop
) -> None:
    await make_member(session, clock, shop, 1)
    await credit(session, clock, shop, 1, 1_000)
    sale = await sell(session, clock, shop, 1, 10_000, points=1_000)  # earns 3 % of 90.00
    await MemberService(session, clock).erase(shop.id, 1)
    refund = await sales(session, clock).refund(shop.id, CASHIER, sale.purchase_id, None)
    # The points come back and are forfeited with the rest; the 270 cashback left with the
    # member's data, so its worth stays out of the money.
    assert (refund.points_returned, refund.shortfall) == (1_000, 270)
    assert refund.cash_refund_minor == 9_000 - 270
    async with session.begin():
        member = await session.scalar(select(Membership))
        reasons = (
            await session.scalars(
                select(LedgerEntry.reason)
                .where(LedgerEntry.purchase_id == sale.purchase_id)
                .order_by(LedgerEntry.id)
            )
        ).all()
    assert member is not None and member.balance_minor == 0
    assert reasons[-2:] == ["refund", "forfeit"]
    await check_ledger_invariant(session)


async def test_partial_refunds_and_referrer_clawback_debt(session, clock, shop) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    ref = (await members.card(shop.id, 1)).referral_code
    await make_member(session, clock, shop, 2, referral_code=ref)
    sale = await sell(session, clock, shop, 2, 10_000)  # referrer 1 gets 200 + 500
    await sell(session, clock, shop, 1, 5_000, points=700)  # referrer spends it all... and more?
    service = sales(session, clock)
    half = await service.refund(shop.id, CASHIER, sale.purchase_id, "50.00")
    assert not half.fully_refunded and half.amount_minor == 5_000
    async with session.begin():
        referrer = await session.scalar(select(Membership).where(Membership.referral_code == ref))
        due = referrer.clawback_due_minor
    assert due > 0  # the spent reward is owed, not taken below zero
    await sell(session, clock, shop, 1, 10_000)  # the next cashback repays it first
    async with session.begin():
        await session.refresh(referrer)
        assert referrer.clawback_due_minor == max(0, due - 300)
    with pytest.raises(InvalidAmount):
        await service.refund(shop.id, CASHIER, sale.purchase_id, "50.01")
    await service.refund(shop.id, CASHIER, sale.purchase_id, "50")
    await check_ledger_invariant(session)


async def test_only_the_buyer_rates_once_and_low_ratings_alert_admins(
    session, clock, shop
) -> None:
    await make_staff(session, clock, shop, 950, role="admin", name="Boss")
    await make_member(session, clock, shop, 1)
    await make_member(session, clock, shop, 2)
    sale = await sell(session, clock, shop, 1, 1_000)
    service = SaleService(session, (777,), clock)
    with pytest.raises(RatingRefused) as stranger:
        await service.rate(sale.purchase_id, 2, 5)
    assert stranger.value.reason == "not_yours"
    alerts = await service.rate(sale.purchase_id, 1, 2)
    assert sorted(a.telegram_id for a in alerts) == [777, 950]
    alert = body_of(alerts[0], LowRatingAlert)
    assert alert.staff == "Kasia" and alert.stars == 2
    with pytest.raises(RatingRefused) as again:
        await service.rate(sale.purchase_id, 1, 5)
    assert again.value.reason == "already_rated"
    with_comment = await service.comment(sale.purchase_id, 1, "Cold coffee")
    assert body_of(with_comment[0], LowRatingAlert).comment == "Cold coffee"
    async with session.begin():
        purchase = await session.scalar(select(Purchase))
    assert (purchase.rating, purchase.rating_comment) == (2, "Cold coffee")


async def test_five_purchases_in_a_day_flag_the_customer(session, clock, shop) -> None:
    await make_staff(session, clock, shop, 950, role="admin", name="Boss")
    await make_member(session, clock, shop, 1)
    kinds = []
    for _ in range(6):
        result = await sell(session, clock, shop, 1, 500)
        kinds.append([n.kind for n in result.notices if n.kind == "daily_flag"])
        clock.advance(minutes=5)
    assert kinds == [[], [], [], [], ["daily_flag"], []]


async def test_today_shows_own_sales_or_everyones_to_admins(session, clock, shop) -> None:
    await make_staff(session, clock, shop, 901, name="Ola")
    await make_staff(session, clock, shop, 950, role="admin", name="Boss")
    await make_member(session, clock, shop, 1)
    await sell(session, clock, shop, 1, 1_000)
    service = sales(session, clock)
    assert len((await service.today(shop.id, CASHIER)).lines) == 1
    assert len((await service.today(shop.id, 901)).lines) == 0
    everyone = await service.today(shop.id, 950)
    assert everyone.everyone and everyone.lines[0].staff_name == "Kasia"


async def test_codes_that_expired_or_were_used_do_not_pause(session, clock, shop) -> None:
    await make_member(session, clock, shop, 1)
    code = await issue_code(session, clock, shop, 1)
    clock.advance(minutes=11)
    service = sales(session, clock)
    for _ in range(6):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(shop.id, CASHIER, code)
        assert error.value.reason == "expired" and not error.value.paused
    fresh = await issue_code(session, clock, shop, 1)
    assert (await service.find_customer(shop.id, CASHIER, fresh)).first_name == "User1"


async def test_an_admin_opening_a_cashier_link_stays_admin(session, clock, shop) -> None:
    from services.staff import StaffService

    await make_staff(session, clock, shop, 950, role="admin", name="Boss")
    service = StaffService(session, (1,), clock)
    invite = await service.create_invite(shop.id, 1, "staff")
    joined = await service.accept_invite(invite.token, 950, "Boss")
    assert joined.role == "admin"
    assert await service.role(shop.id, 950) == "admin"


async def test_a_refund_takes_back_the_cashback_of_the_level_it_took_away(
    session, clock, shop
) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    first = await sell(session, clock, shop, 1, 10_000)  # 300 at Bronze, reaches Silver
    clock.advance(minutes=5)
    later = await sell(session, clock, shop, 1, 5_000)  # 250 at Silver (5 %)
    assert later.cashback == 250
    clock.advance(minutes=5)
    service = sales(session, clock)
    refund = await service.refund(shop.id, CASHIER, first.purchase_id, None)
    # Without the first purchase the second was a Bronze one: 3 % is 150, so 100 goes too.
    assert refund.level_reversed == 100 and refund.cash_refund_minor == 10_000
    assert body_of(refund.notices[0], RefundReceipt).level_reversed == 100
    card = await members.card(shop.id, 1)
    assert card.balance_minor == 150 and card.level.name == "Bronze"
    repriced = await reread(session, Purchase, later.purchase_id)
    async with session.begin():
        taken = (
            await session.scalars(
                select(LedgerEntry.delta_minor).where(LedgerEntry.reason == "level_reversed")
            )
        ).all()
    assert repriced.cashback_minor == 150 and taken == [-100]
    # Refunding the second purchase now takes back its Bronze cashback, no more.
    second = await service.refund(shop.id, CASHIER, later.purchase_id, None)
    assert second.cashback_reversed == 150 and second.level_reversed == 0
    assert (await members.card(shop.id, 1)).balance_minor == 0
    await check_ledger_invariant(session)


async def test_spent_level_cashback_is_owed_and_a_partly_refunded_purchase_stays_exact(
    session, clock, shop
) -> None:
    await make_member(session, clock, shop, 1)
    first = await sell(session, clock, shop, 1, 10_000)  # reaches Silver
    clock.advance(minutes=5)
    later = await sell(session, clock, shop, 1, 2_000)  # 100 at Silver
    clock.advance(minutes=5)
    service = sales(session, clock)
    await service.refund(shop.id, CASHIER, later.purchase_id, "10")  # half: 50 back
    await sell(session, clock, shop, 1, 2_000, points=350)  # spends it all, earns 82 (5 %)
    clock.advance(minutes=5)
    refund = await service.refund(shop.id, CASHIER, first.purchase_id, "50")
    assert refund.shortfall == 150 - 82  # its own cashback, spent: kept from the money
    # Spend before the others falls below Silver. The half left of the second keeps 3 %
    # (30 of 60), not 50 of 100; the third earns 49, not 82. Nothing is left to take it from.
    assert refund.level_reversed == (50 - 30) + (82 - 49)
    member = await reread(session, Membership)
    assert member.balance_minor == 0 and member.clawback_due_minor == 53
    # The rest of the second purchase reverses what it holds now: 30.
    rest = await service.refund(shop.id, CASHIER, later.purchase_id, None)
    assert rest.cashback_reversed == 30
    await check_ledger_invariant(session)


async def test_a_friends_full_refund_takes_back_the_referrers_level_cashback(
    session, clock, shop
) -> None:
    members = MemberService(session, clock)
    friends = await two_friends_buy(session, clock, shop)
    assert (await members.card(shop.id, 1)).level.name == "Silver"  # two effective friends
    own = await sell(session, clock, shop, 1, 5_000)  # 250 at Silver
    assert own.cashback == 250
    clock.advance(minutes=5)
    await sales(session, clock).refund(shop.id, CASHIER, friends[3].purchase_id, None)
    card = await members.card(shop.id, 1)
    assert card.level.name == "Bronze" and card.effective_referrals == 1
    # The friend's reward and bonus go (510), and the Silver part of the own purchase (100).
    assert card.balance_minor == 2 * 510 + 250 - 510 - 100
    repriced = await reread(session, Purchase, own.purchase_id)
    assert repriced.cashback_minor == 150
    await check_ledger_invariant(session)


async def test_a_referral_carried_on_by_a_later_purchase_counts_only_from_then(
    session, clock, shop
) -> None:
    members = MemberService(session, clock)
    first = await two_friends_buy(session, clock, shop)
    before = await sell(session, clock, shop, 1, 5_000)  # Silver by two friends: 250
    clock.advance(minutes=5)
    await sell(session, clock, shop, 2, 500)  # friend 2's second purchase
    clock.advance(minutes=5)
    await sales(session, clock).refund(shop.id, CASHIER, first[2].purchase_id, None)
    # Friend 2 still counts, but only from the second purchase, after the one at Silver.
    card = await members.card(shop.id, 1)
    assert card.effective_referrals == 2 and card.level.name == "Silver"
    repriced = await reread(session, Purchase, before.purchase_id)
    assert repriced.cashback_minor == 150
    await check_ledger_invariant(session)


async def test_a_refund_preview_writes_nothing_and_shows_what_refund_then_does(
    session, clock, shop
) -> None:
    await make_member(session, clock, shop, 1)
    sale = await sell(session, clock, shop, 1, 10_000)  # earns 300 points, reaches Silver
    await sell(session, clock, shop, 1, 1_500, points=300)  # spends them, earns 60
    service = sales(session, clock)
    async with session.begin():
        ledger = await session.scalar(select(func.count()).select_from(LedgerEntry))
    preview = await service.refund_preview(shop.id, CASHIER, sale.purchase_id, None)
    async with session.begin():
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == ledger
        purchase = await session.get(Purchase, sale.purchase_id)
        assert purchase is not None and purchase.refunded_minor == 0
    assert (preview.customer_name, preview.amount_minor, preview.refunded_before) == (
        "User1",
        10_000,
        0,
    )
    refund = await service.refund(
        shop.id, CASHIER, sale.purchase_id, None, amount_minor=10_000, refunded_before=0
    )
    assert (preview.points_returned, preview.shortfall, preview.cash_refund_minor) == (
        refund.points_returned,
        refund.shortfall,
        refund.cash_refund_minor,
    )
    assert preview.cashback_taken == refund.cashback_reversed - refund.shortfall
    kept = body_of(next(n for n in refund.notices if n.kind == "refund"), RefundReceipt).kept
    assert kept == refund.shortfall == 240
    # The same preview confirmed again: refunded once.
    with pytest.raises(SaleRefused, match="refund_done"):
        await service.refund(
            shop.id, CASHIER, sale.purchase_id, None, amount_minor=10_000, refunded_before=0
        )
    await check_ledger_invariant(session)


async def test_the_referrers_are_told_when_their_reward_is_taken_back(
    session, clock, shop
) -> None:
    members = MemberService(session, clock)
    await make_member(session, clock, shop, 1)
    ref = (await members.card(shop.id, 1)).referral_code
    await make_member(session, clock, shop, 2, referral_code=ref)
    ref2 = (await members.card(shop.id, 2)).referral_code
    await make_member(session, clock, shop, 3, referral_code=ref2)
    sale = await sell(session, clock, shop, 3, 10_000)  # 2 gets 200 + 500, 1 gets 100
    refund = await sales(session, clock).refund(shop.id, CASHIER, sale.purchase_id, None)
    told = {
        n.telegram_id: body_of(n, ReferralReversed)
        for n in refund.notices
        if n.kind == "referral_reversed"
    }
    assert told[2].friend == "User3" and told[2].points == 700 and told[2].owed == 0
    assert told[1].friend is None and told[1].points == 100  # not their own friend
