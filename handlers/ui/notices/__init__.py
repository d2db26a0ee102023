"""The message each kind of notice becomes, in the current locale: one renderer per kind, in
the module named like the one in services/notices that defines the kind.

`notice_text` matches every kind of `NoticeBody` and ends in `assert_never`, so a kind added
without a renderer is a mypy error.
"""

from __future__ import annotations

from typing import assert_never

from aiogram.types import InlineKeyboardMarkup

from handlers.ui.limits_render import resume_keyboard
from handlers.ui.notices.campaigns import push_done_text, push_keyboard
from handlers.ui.notices.care import goodwill_text, points_adjusted_text
from handlers.ui.notices.certificate_till import certificate_used_text, certificates_flag_text
from handlers.ui.notices.certificates import (
    certificate_expired_text,
    certificate_expiring_text,
    certificate_given_text,
)
from handlers.ui.notices.chat import (
    member_message_keyboard,
    member_message_text,
    staff_reply_text,
)
from handlers.ui.notices.gifts import gift_taken_text
from handlers.ui.notices.jobs import (
    birthday_corrected_text,
    birthday_gift_text,
    digest_text,
    expiry_warning_text,
    nps_keyboard,
    nps_text,
    points_expired_text,
)
from handlers.ui.notices.orders import (
    cart_reminder_text,
    checkout_keyboard,
    new_order_text,
    order_cancelled_text,
    order_ready_text,
    order_withdrawn_text,
)
from handlers.ui.notices.partners import (
    invite_declined_text,
    partnership_ended_text,
    partnership_started_text,
)
from handlers.ui.notices.program import rules_changed_text
from handlers.ui.notices.redeem import voucher_redeemed_text
from handlers.ui.notices.sales import (
    friend_joined_text,
    low_rating_keyboard,
    low_rating_text,
    rating_keyboard,
    receipt_text,
    referral_reversed_text,
    referral_reward_text,
    refund_receipt_text,
)
from handlers.ui.notices.staff import (
    codes_locked_alert_text,
    daily_flag_text,
    staff_joined_text,
    staff_paused_text,
)
from handlers.ui.notices.vouchers import voucher_expiring_text, voucher_lapsed_text
from services.notices import (
    BirthdayCorrection,
    BirthdayGift,
    CartReminder,
    CertificateExpired,
    CertificateExpiring,
    CertificateGiftTaken,
    CertificateGiven,
    CertificatesFlag,
    CertificateUsed,
    CodesLockedAlert,
    CustomerAmountFlag,
    CustomerPurchasesFlag,
    ExpiryWarning,
    FriendJoined,
    GoodwillPoints,
    LowRatingAlert,
    MemberMessage,
    NewOrder,
    NoticeBody,
    NpsSurvey,
    OrderCancelled,
    OrderReady,
    OrderWithdrawn,
    PartnerInviteDeclined,
    PartnershipEnded,
    PartnershipStarted,
    PointsAdjusted,
    PointsExpired,
    Push,
    PushDone,
    Receipt,
    ReferralReversed,
    ReferralReward,
    RefundReceipt,
    RulesChanged,
    StaffAmountFlag,
    StaffJoined,
    StaffPausedAlert,
    StaffReply,
    StaffSalesFlag,
    VoucherExpiring,
    VoucherLapsed,
    VoucherRedeemed,
    WeeklyDigest,
)

Rendered = tuple[str, InlineKeyboardMarkup | None]


def notice_text(body: NoticeBody) -> Rendered:
    """The text and the buttons of a message to a customer or an admin."""
    match body:
        case Receipt():
            return receipt_text(body), rating_keyboard(body.purchase_id)
        case ReferralReward():
            return referral_reward_text(body), None
        case RefundReceipt():
            return refund_receipt_text(body), None
        case ReferralReversed():
            return referral_reversed_text(body), None
        case LowRatingAlert():
            return low_rating_text(body), low_rating_keyboard(body.purchase_id)
        case FriendJoined():
            return friend_joined_text(body), None
        case CustomerPurchasesFlag() | CustomerAmountFlag() | StaffSalesFlag() | StaffAmountFlag():
            return daily_flag_text(body), None  # one text, a message per threshold
        case StaffPausedAlert():
            return staff_paused_text(body), None
        case CodesLockedAlert():
            return codes_locked_alert_text(body), resume_keyboard(body.merchant_id)
        case StaffJoined():
            return staff_joined_text(body), None
        case NewOrder():
            return new_order_text(body), None
        case OrderWithdrawn():
            return order_withdrawn_text(body), None
        case OrderReady():
            return order_ready_text(body), None
        case OrderCancelled():
            return order_cancelled_text(body), None
        case CartReminder():
            return cart_reminder_text(body), checkout_keyboard()
        case BirthdayGift():
            return birthday_gift_text(body), None
        case BirthdayCorrection():
            return birthday_corrected_text(body), None
        case PointsExpired():
            return points_expired_text(body), None
        case ExpiryWarning():
            return expiry_warning_text(body), None
        case NpsSurvey():
            return nps_text(), nps_keyboard(body)
        case WeeklyDigest():
            return digest_text(body), None
        case Push():
            return body.text, push_keyboard(body)
        case PushDone():
            return push_done_text(body), None
        case RulesChanged():
            return rules_changed_text(body), None
        case MemberMessage():
            return member_message_text(body), member_message_keyboard(body)
        case StaffReply():
            return staff_reply_text(body), None
        case PointsAdjusted():
            return points_adjusted_text(body), None
        case GoodwillPoints():
            return goodwill_text(body), None
        case VoucherRedeemed():
            return voucher_redeemed_text(body), None
        case VoucherLapsed():
            return voucher_lapsed_text(body), None
        case VoucherExpiring():
            return voucher_expiring_text(body), None
        case CertificateGiven():
            return certificate_given_text(body), None
        case CertificateExpiring():
            return certificate_expiring_text(body), None
        case CertificateExpired():
            return certificate_expired_text(body), None
        case CertificateUsed():
            return certificate_used_text(body), None
        case CertificatesFlag():
            return certificates_flag_text(body), None
        case CertificateGiftTaken():
            return gift_taken_text(body), None
        case PartnershipStarted():
            return partnership_started_text(body), None
        case PartnershipEnded():
            return partnership_ended_text(body), None
        case PartnerInviteDeclined():
            return invite_declined_text(body), None
        case _:
            assert_never(body)
