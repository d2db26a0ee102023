"""The words /audit uses for each kind of act: every act the log holds has a label here."""

from __future__ import annotations

from handlers.ui.render import N_
from services.till_lookup import CERTIFICATE_MISS, VOUCHER_MISS

# A label for every act the log holds; one without a label reads as OTHER_ACT.
ACTIONS = {
    "sale": N_("Sale confirmed"),
    "sale_draft": N_("Sale prepared"),
    "sale_cancel": N_("Sale cancelled"),
    "refund": N_("Refund"),
    "wrong_code": N_("Wrong payment code typed"),
    "stale_code": N_("Expired or used payment code typed"),
    "staff_paused": N_("Sales paused after wrong codes"),
    "codes_locked": N_("Code entry locked"),
    "codes_resumed": N_("Code entry reopened"),
    "daily_flag": N_("Daily limit flagged"),
    "order_ready": N_("Pre-order ready"),
    "order_cancel": N_("Pre-order cancelled"),
    "staff_invite": N_("Staff invited"),
    "staff_join": N_("Joined the team"),
    "staff_revoke": N_("Staff access withdrawn"),
    "paid_broadcast": N_("Push sent as a paid broadcast"),
    "birthday_correct": N_("Birthday corrected"),
    "settings_change": N_("Setting changed"),
    "levels_change": N_("Levels changed"),
    "merchant_create": N_("Place created"),
    "workplace_switch": N_("Workplace switched"),
    "business_card_edit": N_("Business card edited"),
    "news_post": N_("News posted"),
    "news_delete": N_("News deleted"),
    "points_adjust": N_("Points adjusted"),
    "member_block": N_("Member blocked"),
    "member_unblock": N_("Member unblocked"),
    "goodwill_points": N_("Goodwill points given"),
    "chat_reply": N_("Answered a member's message"),
    "rating_reply": N_("Answered a low rating"),
    "promotion_add": N_("Promotion created"),
    "promotion_end": N_("Promotion ended"),
    "voucher_redeem": N_("Voucher redeemed"),
    "certificate_redeem": N_("Certificate redeemed"),
    "reward_add": N_("Reward added"),
    "reward_edit": N_("Reward edited"),
    "reward_archive": N_("Reward archived"),
    "offer_add": N_("Certificate offer created"),
    "offer_edit": N_("Certificate offer edited"),
    "offer_archive": N_("Certificate offer archived"),
    "partner_invite": N_("Partner invited"),
    "partner_accept": N_("Partnership accepted"),
    "partner_end": N_("Partnership ended"),
    "partner_revoke": N_("Partner invite link withdrawn"),
    "partner_decline": N_("Partner invitation declined"),
}
OTHER_ACT = N_("Other action")
# A wrong code by its details: a voucher's; None: either kind (the kind's filter says so).
WRONG_CODES = {VOUCHER_MISS: N_("Wrong voucher code typed"), None: N_("Wrong code typed")}
WRONG_CODES[CERTIFICATE_MISS] = N_("Wrong certificate code typed")
