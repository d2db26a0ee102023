"""What a confirmed purchase hands out beside points: the stamps it earned (entries in one
statement, only when it earned or turned any), a voucher per full stamp card and an invited
friend's voucher (services/rewards/issue.py, one statement for all of them), with the
rewards' terms read once and only when a voucher is due. services/purchases.py calls this
after the balances moved (membership.stamps moved with them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import VoucherSource
from db.repositories.stamps import StampRepo
from db.repositories.vouchers import VoucherRepo
from services.notices.certificates import GotCertificate
from services.policy.settlement import PurchaseSettlement
from services.policy.stamp_book import stamp_entries
from services.program import Program
from services.rewards.issue import Gift, issue


@dataclass(frozen=True, slots=True)
class Handed:
    """The vouchers a purchase handed out, by the names its receipt says."""

    card_reward: str | None = None  # a full card's reward (one voucher per card)
    friend_reward: str | None = None  # an invited friend's gift
    certificates: tuple[GotCertificate, ...] = ()  # partners' (services/coalition/hand_out.py)


async def hand_out(
    session: AsyncSession,
    program: Program,
    buyer: int,
    done: PurchaseSettlement,
    purchase_id: int,
    now: datetime,
    friend_voucher: bool,
) -> Handed:
    """Write the purchase's stamp entries and issue its vouchers (`friend_voucher`: the
    friend's gift was granted now and names a reward)."""
    stamps = done.stamps
    cards = stamps.cards if stamps is not None else 0
    wanted: list[tuple[int | None, VoucherSource, int]] = [
        (program.stamp_reward_id, VoucherSource.STAMPS, cards),
        (program.friend_reward_id, VoucherSource.FRIEND, int(friend_voucher)),
    ]
    due = {reward for reward, _, count in wanted if reward is not None and count}
    repo = StampRepo(session)
    terms = await repo.reward_terms(program.id, due) if due else {}
    gifts = [
        Gift(buyer, reward, terms[reward][1], source)
        for reward, source, count in wanted
        if reward in terms
        for _ in range(count)
    ]
    issued = await issue(
        VoucherRepo(session), program.id, gifts, now, timezone=program.merchant.timezone
    )
    card_vouchers = [
        vid for (vid, _), g in zip(issued, gifts, strict=True) if g.source == "stamps"
    ]
    if stamps is not None and stamps.added:
        rows: list[dict[str, Any]] = []
        for delta, reason, after in stamp_entries(stamps):
            voucher = card_vouchers.pop(0) if delta < 0 and card_vouchers else None
            rows.append(
                {
                    "membership_id": buyer,
                    "delta": delta,
                    "stamps_after": after,
                    "reason": reason,
                    "purchase_id": purchase_id,
                    "voucher_id": voucher,
                    "created_at": now,
                }
            )
        await repo.append(rows)

    def name(reward: int | None, given: bool) -> str | None:
        return terms[reward][0] if given and reward in terms else None

    return Handed(
        name(program.stamp_reward_id, cards > 0),
        name(program.friend_reward_id, friend_voucher),
    )
