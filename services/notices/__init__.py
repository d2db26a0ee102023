"""What a service tells someone other than the actor: a frozen dataclass per kind of message
(in the modules here, by the use case that sends it), and the `Notice` that addresses one.

`NoticeBody` is the union of the kinds: handlers/ui/notices renders each with `match` and
`assert_never`, so a kind without a renderer is a mypy error. `encode`/`decode` turn a body
into the outbox row's kind and payload and back; an unknown kind cannot be built or decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from services.notices.campaigns import Push, PushDone
from services.notices.care import GoodwillPoints, PointsAdjusted
from services.notices.certificate_till import CertificatesFlag, CertificateUsed
from services.notices.certificates import CertificateExpired, CertificateExpiring, CertificateGiven
from services.notices.chat import MemberMessage, StaffReply
from services.notices.codec import NoticeError, build, dump, load
from services.notices.gifts import CertificateGiftTaken
from services.notices.jobs import (
    BirthdayCorrection,
    BirthdayGift,
    DigestFigures,
    ExpiryWarning,
    NpsSurvey,
    PointsExpired,
    WeeklyDigest,
)
from services.notices.orders import (
    CartReminder,
    NewOrder,
    OrderCancelled,
    OrderReady,
    OrderWithdrawn,
)
from services.notices.partners import PartnerInviteDeclined, PartnershipEnded, PartnershipStarted
from services.notices.program import RulesChanged
from services.notices.redeem import VoucherRedeemed
from services.notices.sales import (
    FriendJoined,
    LowRatingAlert,
    Receipt,
    ReferralReversed,
    ReferralReward,
    RefundReceipt,
)
from services.notices.staff import (
    CodesLockedAlert,
    CustomerAmountFlag,
    CustomerPurchasesFlag,
    DailyFlag,
    StaffAmountFlag,
    StaffJoined,
    StaffPausedAlert,
    StaffSalesFlag,
)
from services.notices.vouchers import VoucherExpiring, VoucherLapsed

NoticeBody = (
    Receipt
    | ReferralReward
    | RefundReceipt
    | ReferralReversed
    | LowRatingAlert
    | FriendJoined
    | CustomerPurchasesFlag
    | CustomerAmountFlag
    | StaffSalesFlag
    | StaffAmountFlag
    | StaffPausedAlert
    | CodesLockedAlert
    | StaffJoined
    | NewOrder
    | OrderWithdrawn
    | OrderReady
    | OrderCancelled
    | CartReminder
    | BirthdayGift
    | BirthdayCorrection
    | PointsExpired
    | ExpiryWarning
    | NpsSurvey
    | WeeklyDigest
    | Push
    | PushDone
    | RulesChanged
    | MemberMessage
    | StaffReply
    | PointsAdjusted
    | GoodwillPoints
    | VoucherRedeemed
    | VoucherLapsed
    | VoucherExpiring
    | CertificateGiven
    | CertificateExpiring
    | CertificateExpired
    | CertificateUsed
    | CertificatesFlag
    | CertificateGiftTaken
    | PartnershipStarted
    | PartnershipEnded
    | PartnerInviteDeclined
)

# The outbox row's `kind` of each body type: the names rows were always written with.
KINDS: dict[str, type[NoticeBody]] = {cls.kind: cls for cls in get_args(NoticeBody)}
assert len(KINDS) == len(get_args(NoticeBody)), "two notice kinds share a name"

# Sent after the transactional messages (receipts, rewards, alerts) of the same moment.
PROMOTIONAL_KINDS = (Push, BirthdayGift, CartReminder, NpsSurvey)


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to someone other than the actor, sent after the commit, in their language."""

    telegram_id: int
    language: str | None
    body: NoticeBody

    def __post_init__(self) -> None:
        if KINDS.get(getattr(self.body, "kind", "")) is not type(self.body):
            raise TypeError(f"not a notice kind: {type(self.body).__name__}")

    @property
    def kind(self) -> str:
        return self.body.kind


def encode(body: NoticeBody) -> str:
    """The outbox payload of a body (its kind goes in the row's own column)."""
    return dump(body)


def decode(kind: str, payload: str) -> NoticeBody:
    """The body an outbox row holds; NoticeError for a kind or a payload this release does
    not know (a row it cannot send)."""
    cls = KINDS.get(kind)
    if cls is None:
        raise NoticeError(f"unknown notice kind {kind!r}")
    try:
        return build(cls, load(payload))
    except NoticeError:
        raise
    except ValueError as error:  # not JSON, or a date that is not one
        raise NoticeError(f"{kind}: {error}") from error


__all__ = [
    "KINDS",
    "PROMOTIONAL_KINDS",
    "BirthdayCorrection",
    "BirthdayGift",
    "CartReminder",
    "CertificateExpired",
    "CertificateExpiring",
    "CertificateGiftTaken",
    "CertificateGiven",
    "CertificateUsed",
    "CertificatesFlag",
    "CodesLockedAlert",
    "CustomerAmountFlag",
    "CustomerPurchasesFlag",
    "DailyFlag",
    "DigestFigures",
    "ExpiryWarning",
    "FriendJoined",
    "GoodwillPoints",
    "LowRatingAlert",
    "MemberMessage",
    "NewOrder",
    "Notice",
    "NoticeBody",
    "NoticeError",
    "NpsSurvey",
    "OrderCancelled",
    "OrderReady",
    "OrderWithdrawn",
    "PartnerInviteDeclined",
    "PartnershipEnded",
    "PartnershipStarted",
    "PointsAdjusted",
    "PointsExpired",
    "Push",
    "PushDone",
    "Receipt",
    "ReferralReversed",
    "ReferralReward",
    "RefundReceipt",
    "RulesChanged",
    "StaffAmountFlag",
    "StaffJoined",
    "StaffPausedAlert",
    "StaffReply",
    "StaffSalesFlag",
    "VoucherExpiring",
    "VoucherLapsed",
    "VoucherRedeemed",
    "WeeklyDigest",
    "decode",
    "encode",
]
