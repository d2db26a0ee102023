"""The program's tables, one module per aggregate; every table is imported here, so
`Base.metadata` (and Alembic) sees them all. Money is integers in minor units; points are whole
numbers, each worth the merchant's point_value_minor. States are StrEnums, stored as strings."""

from db.models import program_version  # noqa: F401  (the triggers come with create_all)
from db.models.business import BusinessCard, NewsPost
from db.models.campaigns import Campaign, CampaignStatus
from db.models.catalog import Cart, CartLine, CatalogItem, Preorder, PreorderStatus
from db.models.chat import ChatAuthor, ChatDraft, ChatMessage
from db.models.coalition import (
    Certificate,
    CertificateEntry,
    CertificateOffer,
    CertificateReason,
    CertificateStatus,
    HandOut,
    OfferRoute,
    PartnerInvite,
    Partnership,
)
from db.models.codes import PaymentCode
from db.models.ledger import LedgerEntry, LedgerReason, RewardGrant
from db.models.members import Customer, Membership, NpsAnswer
from db.models.merchants import Level, Merchant
from db.models.outbox import Outbox, OutboxStatus
from db.models.purchases import Purchase, PurchaseStatus, Refund
from db.models.rewards import (
    Promotion,
    Reward,
    StampEntry,
    StampReason,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from db.models.runtime import Lease, ProcessedUpdate
from db.models.staff import AuditLog, Staff, StaffInvite, StaffLanguage, StaffRole
from db.models.summary import HOUR, SALE, STARS, HourSummary, MemberSummary
from db.models.workplace import Workplace

__all__ = [
    "HOUR",
    "SALE",
    "STARS",
    "AuditLog",
    "BusinessCard",
    "Campaign",
    "CampaignStatus",
    "Cart",
    "CartLine",
    "CatalogItem",
    "Certificate",
    "CertificateEntry",
    "CertificateOffer",
    "CertificateReason",
    "CertificateStatus",
    "ChatAuthor",
    "ChatDraft",
    "ChatMessage",
    "Customer",
    "HandOut",
    "HourSummary",
    "Lease",
    "LedgerEntry",
    "LedgerReason",
    "Level",
    "MemberSummary",
    "Membership",
    "Merchant",
    "NewsPost",
    "NpsAnswer",
    "OfferRoute",
    "Outbox",
    "OutboxStatus",
    "PartnerInvite",
    "Partnership",
    "PaymentCode",
    "Preorder",
    "PreorderStatus",
    "ProcessedUpdate",
    "Promotion",
    "Purchase",
    "PurchaseStatus",
    "Refund",
    "Reward",
    "RewardGrant",
    "Staff",
    "StaffInvite",
    "StaffLanguage",
    "StaffRole",
    "StampEntry",
    "StampReason",
    "Voucher",
    "VoucherSource",
    "VoucherStatus",
    "Workplace",
]
