"""Members and the catalogue: what they may claim, a claim, their vouchers.

A claim is one transaction of a few statements: the member's row locked (so their own
claims queue), the checks (blocked, level, the balance the confirm screen showed, enough
points, the per-member limit), one conditional update that takes a unit of stock (two members
after the last unit get one voucher between them), the points reserved as a `reward` ledger
entry naming the voucher, and the voucher issued (services/rewards/issue.py). A second press
of the same Confirm finds the balance moved and claims nothing."""

from __future__ import annotations

from functools import cached_property

from db.models import LedgerReason, Membership, Voucher, VoucherSource
from db.reads import read_only
from db.repositories import LedgerRepo
from db.repositories.vouchers import VoucherRepo
from services._tx import in_transaction
from services.errors import NotAMember
from services.rewards.catalogue import Catalogue
from services.rewards.issue import Gift, issue
from services.rewards.values import RewardRefused, RewardView, Shelf, VoucherView


class RewardService(Catalogue):
    """The catalogue for its admins (Catalogue) and for members (here)."""

    @cached_property
    def vouchers(self) -> VoucherRepo:
        return VoucherRepo(self.session)

    async def _membership(self, merchant_id: int, telegram_id: int) -> Membership:
        pair = await self.memberships.for_telegram_user(telegram_id, merchant_id)
        if pair is None:
            raise NotAMember()
        return pair[1]

    async def shelf(self, merchant_id: int, telegram_id: int) -> Shelf:
        """The listed rewards, the member's points and level."""
        async with read_only(self.session):
            member = await self._membership(merchant_id, telegram_id)
            levels = await self._levels(merchant_id)
            rewards = await self.rewards.active(merchant_id, listed_only=True)
            held = await self.vouchers.held_by_reward(member.id)
            return Shelf(
                member.balance_minor,
                member.level_rank,
                tuple(RewardView.of(r, levels) for r in rewards),
                paused=member.blocked_at is not None,
                at_limit=frozenset(
                    r.id
                    for r in rewards
                    if r.per_member_limit is not None and held.get(r.id, 0) >= r.per_member_limit
                ),
            )

    async def offer(self, merchant_id: int, telegram_id: int, reward_id: int) -> Shelf:
        """One reward for the confirm screen (a Shelf of it), refused if it cannot be had."""
        async with read_only(self.session):
            member = await self._membership(merchant_id, telegram_id)
            reward = await self.rewards.of(merchant_id, reward_id)
            if reward is None or not reward.listed:
                raise RewardRefused("gone")
            view = RewardView.of(reward, await self._levels(merchant_id))
            self._check(member, view, held=await self.vouchers.held(member.id, reward_id))
            return Shelf(member.balance_minor, member.level_rank, (view,))

    @staticmethod
    def _check(member: Membership, reward: RewardView, held: int) -> None:
        if member.blocked_at is not None:
            raise RewardRefused("blocked")
        if member.level_rank < reward.min_level_rank:
            raise RewardRefused("level")
        if reward.stock_left is not None and reward.stock_left <= 0:
            raise RewardRefused("stock")
        if reward.per_member_limit is not None and held >= reward.per_member_limit:
            raise RewardRefused("limit")
        if member.balance_minor < reward.price:
            raise RewardRefused("points", short=reward.price - member.balance_minor)

    async def claim(
        self, merchant_id: int, telegram_id: int, reward_id: int, seen_balance: int, terms: int
    ) -> VoucherView:
        """Claim a reward at the balance and terms (RewardView.terms) the confirm screen
        showed: its voucher. Terms changed since: `terms`, and nothing is claimed."""

        async def work() -> VoucherView:
            found = await self._membership(merchant_id, telegram_id)
            member = await self.memberships.lock(found.id)
            reward = await self.rewards.of(merchant_id, reward_id)
            if member is None or reward is None or not reward.listed:
                raise RewardRefused("gone")
            view = RewardView.of(reward, await self._levels(merchant_id))
            if member.balance_minor != seen_balance:
                raise RewardRefused("stale")
            self._check(member, view, held=await self.vouchers.held(member.id, reward_id))
            if view.terms != terms:
                raise RewardRefused("terms")
            if not await self.rewards.take_one(reward_id):
                raise RewardRefused("stock")
            now = self.clock()
            entry = await LedgerRepo(self.session).post(
                member, -view.price, LedgerReason.REWARD, now
            )
            gift = Gift(member.id, reward_id, view.valid_days, VoucherSource.CLAIM, view.price)
            timezone = await self._timezone(merchant_id)
            [(voucher_id, _code)] = await issue(
                self.vouchers, merchant_id, [gift], now, timezone=timezone
            )
            entry.voucher_id = voucher_id
            voucher = await self.session.get(Voucher, voucher_id)
            assert voucher is not None
            return self._voucher(voucher, view.name, timezone)

        return await in_transaction(self.session, work)

    async def _timezone(self, merchant_id: int) -> str:
        merchant = await self.merchants.get(merchant_id)
        return merchant.timezone if merchant is not None else "UTC"

    @staticmethod
    def _voucher(voucher: Voucher, name: str, timezone: str) -> VoucherView:
        return VoucherView(
            voucher.id,
            voucher.code,
            name,
            voucher.status,
            voucher.points,
            voucher.claimed_at,
            voucher.expires_at,
            voucher.closed_at or voucher.redeemed_at,
            timezone,
        )

    async def my_vouchers(self, merchant_id: int, telegram_id: int) -> tuple[VoucherView, ...]:
        """Open vouchers, soonest to lapse first, then the latest redeemed or lapsed."""
        async with read_only(self.session):
            member = await self._membership(merchant_id, telegram_id)
            timezone = await self._timezone(merchant_id)
            return tuple(
                self._voucher(v, name, timezone)
                for v, name in await self.vouchers.of_member(member.id)
            )

    async def my_voucher(self, merchant_id: int, telegram_id: int, voucher_id: int) -> VoucherView:
        """One voucher of the member's (a button of /vouchers); `voucher` if not theirs."""
        for voucher in await self.my_vouchers(merchant_id, telegram_id):
            if voucher.id == voucher_id:
                return voucher
        raise RewardRefused("voucher")
