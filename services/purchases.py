"""Confirming a sale: a draft becomes a purchase exactly once, settled by the policy (points
spent, cashback, referral rewards up the chain, levels: services/policy/settlement.py) and
written with its notices to the buyer, the referrers and the admins, in one transaction of a
few statements whatever the family:

    one reads the draft, the seller's check and the family (the buyer and their referrers),
        locking the family in id order (db/repositories/till.py);
    the policy settles the sale in plain values; the first purchase of a referred friend
        records the one-time referral grant (one statement, only then);
    one confirms the draft, once (`UPDATE ... WHERE status = 'draft' RETURNING`, with the
        buyer's purchases of the day when a cap or a threshold needs them); one marks the code;
    one moves every balance and counter of the family, one appends its ledger entries,
    one audits the sale, one queues the receipt and the referrers' notices.

A pre-order under the code, crossed daily thresholds and their alerts add their statements
only when they apply; so do rewards (issue 15): a promotion's bonus and an invited friend's
gift are postings of the ledger's statement, the friend's grant joins the referral's, the
stamps move with the balances (a daily-once card's "stamped today" comes with the family's
read); a stamped purchase adds its stamp entries, and a voucher (a full card, the friend's
gift) the rewards' terms and the vouchers (services/purchase_rewards.py). A partner's
certificate paying part of the check (issue 16) adds its redemption, its entry and the count
of the buyer's redemptions of the day, right after the draft's confirmation
(services/coalition/sale_share.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from db.models import PreorderStatus, PurchaseStatus
from db.repositories import WAITING, GrantRepo, PreorderRepo, SummaryRepo
from services import grants, limits, policy
from services.coalition.hand_out import after_purchase
from services.coalition.routes import Route
from services.coalition.sale_share import redeem_in_sale, with_certificate
from services.errors import SaleRefused
from services.ledger import Family, family, post_settlement
from services.limits.daily import local_day_start
from services.notices import Notice
from services.outbox import enqueue
from services.policy import settlement
from services.policy.settlement import PurchaseSettlement
from services.program import Program
from services.purchase_rewards import Handed, hand_out
from services.sale_notices import outbox_rows, told
from services.seller import DRAFT_TTL, SellerBase, check_seller


@dataclass(frozen=True, slots=True)
class SaleResult:
    purchase_id: int
    duplicate: bool  # the purchase was already confirmed (second press, retry)
    amount_minor: int
    points_spent: int
    paid_minor: int
    cashback: int
    balance_after: int
    currency: str
    notices: tuple[Notice, ...]
    certificate_minor: int = 0  # a partner's certificate paid this much of the check (issue 16)
    certificate_item: str | None = None  # or handed over this named item
    give: tuple[Route, ...] = ()  # certificates the cashier may give after it (issue 16)


class _ConfirmedMeanwhile(Exception):
    """The draft moved on between the family's read and its confirmation (on PostgreSQL, a
    press that held the buyer's lock first): this transaction is undone, and the sale read
    again."""


class PurchaseService(SellerBase):
    """Confirm a draft made at the till (services/till.py): the one step a sale pays in."""

    async def confirm(self, merchant_id: int, staff_id: int, key: str) -> SaleResult:
        """Commit a draft exactly once, with its ledger rows, referral rewards and levels."""
        for _ in range(2):
            try:
                async with self.session.begin():
                    return await self._confirm(merchant_id, staff_id, key)
            except _ConfirmedMeanwhile:
                continue  # read again: a duplicate now, or not found
            except IntegrityError as error:
                # A partner's certificate handed out with a code another issue took at the
                # same moment (one in 9·10^9): undone, and made again with new codes.
                if "certificate" in str(error.orig):
                    continue
                # The only other unique key a confirmation can hit is the receipt number.
                raise SaleRefused("receipt_taken") from None
        raise SaleRefused("not_found")

    async def _confirm(self, merchant_id: int, staff_id: int, key: str) -> SaleResult:
        now = self.clock()
        program = await self._program(merchant_id)
        rule = program.stamp_rule
        stamp_day = None
        if rule is not None and rule.daily_once:
            stamp_day = local_day_start(now, program.merchant.timezone)
        rows = await self.till.draft_family(
            merchant_id, key, staff_id, policy.MAX_REFERRAL_DEPTH, stamp_day
        )
        if not rows:
            await self._seller(merchant_id, staff_id, now)  # who may not sell hears that first
            raise SaleRefused("not_found")
        sale = rows[0]  # each row holds the draft and the seller's check
        owner = staff_id in self.owner_ids
        check_seller(owner, sale.role, sale.paused_until, sale.last_pause, now)
        kin = family(rows)
        if sale.status == PurchaseStatus.CONFIRMED:
            # A second press or a retry: the purchase as it was confirmed, nothing done again.
            return self._result(program, sale, sale.cashback_minor, kin.buyer.balance, True, ())
        if sale.status != PurchaseStatus.DRAFT:
            raise SaleRefused("not_found")
        if sale.created_at + DRAFT_TTL < now:
            raise SaleRefused("expired_draft")
        if any(r.depth == 0 and r.blocked_at is not None for r in rows):
            raise SaleRefused("member_blocked")  # blocked since the preview
        done, friend_voucher = await self._settle(program, sale, kin, now)
        day = (
            local_day_start(now, program.merchant.timezone) if limits.needs_day(program) else None
        )
        confirmed = await self.purchases.confirm_draft(
            sale.purchase_id,
            key,
            now,
            day,
            kin.buyer.id,
            stamp_day,
            cashback_minor=done.cashback,
            level_before=done.level_before,
            level_after=done.buyer.level_rank,
            made_referral_effective=done.made_referral_effective,
            stamps_earned=done.stamps.added if done.stamps is not None else 0,
            promotion_id=done.promotion.id if done.promotion is not None else None,
        )
        if confirmed is None:
            raise _ConfirmedMeanwhile()
        used = None  # the partner's certificate paying part of the check, redeemed with it
        if sale.certificate_id is not None:
            buyer = next(r for r in rows if r.depth == 0)
            used = await redeem_in_sale(
                self.session, self.owner_ids, program, sale, buyer, staff_id, now
            )
        if stamp_day is not None and confirmed.stamped_before and not sale.stamped_today:
            # PostgreSQL: a stamped sale committed while the family's read waited for the
            # buyer's lock, after that read's snapshot; read again, and it is seen.
            raise _ConfirmedMeanwhile()
        if not await self.codes.use(kin.buyer.id, sale.payment_code, now):
            row = await self.codes.find_any(merchant_id, sale.payment_code)
            expired = row is not None and row.used_at is None and row.expires_at <= now
            raise SaleRefused("code_expired" if expired else "code_used")
        if program.daily_amount_cap_minor:
            cap = program.daily_amount_cap_minor
            limits.refuse_over_cap(
                cap, confirmed.amount_before, sale.amount_minor, program.merchant.currency
            )
        balances = await post_settlement(
            self.memberships, self.ledger, done.postings, done.members, now, sale.purchase_id
        )
        handed = Handed()
        if (done.stamps is not None and done.stamps.added) or friend_voucher:
            handed = await hand_out(
                self.session, program, kin.buyer.id, done, sale.purchase_id, now, friend_voucher
            )
        if program.routes:  # partners' certificates the purchase hands out (issue 16)
            handed = replace(
                handed,
                certificates=await after_purchase(
                    self.session, program, kin.buyer.id, sale.purchase_id, sale.amount_minor, now
                ),
            )
        if sale.order_id is not None:
            await PreorderRepo(self.session).transition(
                sale.order_id, WAITING, PreorderStatus.COMPLETED, sale.purchase_id
            )
        notices = told(program, sale, kin, done, balances, handed)
        if used is not None:
            notices = with_certificate(notices, sale.certificate_minor, used.item)
        flags: list[Notice] = []
        audited = [
            self.audit.row(merchant_id, staff_id, "sale", now, target=str(sale.purchase_id))
        ]
        if day is not None:
            flags, flagged = await limits.threshold_flags(
                self.session,
                self.owner_ids,
                program,
                self._day_sale(sale, staff_id, kin, confirmed),
                now,
            )
            audited += flagged
        await self.audit.insert(audited)
        prefix = f"sale:{sale.purchase_id}"
        await self.till.queue(outbox_rows(program, notices, kin, prefix, now))
        if flags:
            await enqueue(
                self.session, merchant_id, flags, now, prefix, program.merchant.default_language
            )
        await SummaryRepo(self.session).on_purchase(
            merchant_id, kin.buyer.id, sale.amount_minor, now
        )
        balance = balances[kin.buyer.id]
        earned = done.cashback + done.promotion_bonus  # as the preview quoted it
        result = self._result(program, sale, earned, balance, False, (*notices, *flags))
        return replace(result, certificate_item=used.item) if used is not None else result

    async def _settle(
        self, program: Program, sale: Any, kin: Family, now: datetime
    ) -> tuple[PurchaseSettlement, bool]:
        """Settle the draft by the policy, against the family as locked; and whether an
        invited friend's gift voucher is due."""
        buyer, value = kin.buyer, program.point_value_minor
        level = settlement.priced_level(program.levels, buyer.level_rank)
        if sale.points_spent > policy.max_redeemable(
            sale.amount_minor, level, buyer.balance, value
        ):
            raise SaleRefused("balance_changed")
        got: set[str] = set()
        friend = kin.people.get(buyer.id)
        if settlement.opens_referral(buyer, kin.chain) and friend is not None:
            # Once per person: a friend who left and joined again through the same link has
            # made their referral effective already (and had the friend's gift).
            marker = grants.marker(self.marker_key, program.id, friend.telegram_id)
            wanted = [grants.REFERRAL]
            if program.friend_gift_minor > 0 or program.friend_reward_id is not None:
                wanted.append(grants.FRIEND_GIFT)
            got = await GrantRepo(self.session).grant_all(program.id, marker, wanted, now)
        gift = grants.FRIEND_GIFT in got
        extras = settlement.Extras(
            cashback_on=program.cashback_on,
            promotion=settlement.promotion_at(
                program.promotions, now, program.merchant.timezone, buyer.level_rank
            ),
            stamp_rule=program.stamp_rule,
            stamped_today=bool(getattr(sale, "stamped_today", False)),
            friend_gift_minor=program.friend_gift_minor if gift else 0,
        )
        try:
            done = settlement.settle_purchase(
                program.levels,
                buyer,
                kin.chain,
                amount_minor=sale.amount_minor,
                points_spent=sale.points_spent,
                rates_bp=program.referral_rates_bp,
                referral_bonus_minor=program.referral_bonus_minor,
                first_referral=grants.REFERRAL in got,
                point_value=value,
                extras=extras,
            )
        except ValueError:  # the points spent are no longer there
            raise SaleRefused("balance_changed") from None
        return done, gift and program.friend_reward_id is not None

    @staticmethod
    def _day_sale(sale: Any, staff_id: int, kin: Family, confirmed: Any) -> limits.DaySale:
        buyer = kin.people.get(kin.buyer.id)
        drafted_here = sale.staff_telegram_id == staff_id  # else the one who drafted it
        return limits.DaySale(
            purchase_id=sale.purchase_id,
            membership_id=kin.buyer.id,
            member=buyer.first_name if buyer is not None else None,
            staff_id=sale.staff_telegram_id,
            staff=sale.staff_name if drafted_here else None,
            amount_minor=sale.amount_minor,
            count_before=int(confirmed.count_before),
            amount_before=int(confirmed.amount_before),
        )

    @staticmethod
    def _result(
        program: Program,
        sale: Any,
        cashback: int,
        balance: int,
        duplicate: bool,
        notices: tuple[Notice, ...],
    ) -> SaleResult:
        value = program.point_value_minor
        return SaleResult(
            purchase_id=sale.purchase_id,
            duplicate=duplicate,
            amount_minor=sale.amount_minor,
            points_spent=sale.points_spent,
            paid_minor=policy.to_pay(sale.amount_minor, sale.points_spent, value),
            cashback=cashback,
            balance_after=balance,
            currency=program.merchant.currency,
            notices=notices,
            certificate_minor=sale.certificate_minor or 0,
            give=program.cashier_routes,
        )
