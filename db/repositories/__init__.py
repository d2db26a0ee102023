"""Repositories, one module per aggregate: they query and flush, and never commit (the use case
does, once). Every repository is importable from here."""

from db.repositories.business import BusinessRepo
from db.repositories.campaigns import CampaignRepo
from db.repositories.catalog import CatalogRepo
from db.repositories.codes import PaymentCodeRepo
from db.repositories.grants import GrantRepo
from db.repositories.jobs import JobRepo
from db.repositories.ledger import LedgerRepo
from db.repositories.limits import LimitRepo
from db.repositories.members import CustomerRepo, MembershipRepo
from db.repositories.merchants import MerchantRepo
from db.repositories.outbox import OutboxRepo
from db.repositories.preorders import WAITING, PreorderRepo
from db.repositories.privacy import PrivacyRepo
from db.repositories.purchases import PurchaseRepo
from db.repositories.staff import AuditRepo, StaffRepo
from db.repositories.summary import SummaryRepo
from db.repositories.till import TillRepo

__all__ = [
    "WAITING",
    "AuditRepo",
    "BusinessRepo",
    "CampaignRepo",
    "CatalogRepo",
    "CustomerRepo",
    "GrantRepo",
    "JobRepo",
    "LedgerRepo",
    "LimitRepo",
    "MembershipRepo",
    "MerchantRepo",
    "OutboxRepo",
    "PaymentCodeRepo",
    "PreorderRepo",
    "PrivacyRepo",
    "PurchaseRepo",
    "StaffRepo",
    "SummaryRepo",
    "TillRepo",
]
