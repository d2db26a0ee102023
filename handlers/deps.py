"""Everything a handler can ask for by keyword, put into handler data by bot.middlewares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypedDict

from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

from handlers.i18n import CatalogI18n
from services.audit_log import AuditLogService
from services.birthdays import BirthdayService
from services.business import BusinessService
from services.campaigns import CampaignService
from services.care import CareService
from services.catalog import CatalogService
from services.chat import ChatService
from services.coalition.gifts import GiftService
from services.coalition.giving import GivingService
from services.coalition.offers import OfferService
from services.coalition.partners import PartnerService
from services.coalition.redeem import CertificateTillService
from services.coalition.sale_certificates import SaleCertificateService
from services.codes import CodeService
from services.dto import MemberContext
from services.exports import ExportService
from services.jobs import JobService
from services.limits import LimitService
from services.members import MemberService
from services.merchants import MerchantService
from services.preorders import PreorderService
from services.privacy import PrivacyService
from services.program_settings import ProgramSettingsService
from services.promotions import PromotionService
from services.reports import ReportService
from services.rewards.claims import RewardService
from services.rewards.redeem import RedeemService
from services.sales import SaleService
from services.staff import StaffService
from services.workplace import WorkplaceService

if TYPE_CHECKING:  # handlers.answers uses Handler below
    from handlers.answers import Answer

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]  # a middleware's next step


class HandlerData(TypedDict, total=False):
    ctx: MemberContext  # who is writing; None only for updates without a user
    members: MemberService
    codes: CodeService
    merchants: MerchantService
    staff: StaffService
    sales: SaleService
    campaigns: CampaignService
    jobs: JobService
    privacy: PrivacyService
    catalog: CatalogService
    preorders: PreorderService
    reports: ReportService
    exports: ExportService
    birthdays: BirthdayService
    limits: LimitService
    programs: ProgramSettingsService  # the program's settings, and the rules they make
    workplace: WorkplaceService
    business: BusinessService
    chat: ChatService
    audit_log: AuditLogService
    care: CareService
    promotions: PromotionService
    redeem: RedeemService  # vouchers at the till
    rewards: RewardService  # the reward catalogue, claims and vouchers
    sale_certificates: SaleCertificateService  # a partner's certificate inside a sale
    giving: GivingService  # a partner's certificate given after a sale (issue 16)
    certificate_till: CertificateTillService  # certificates redeemed on their own at the till
    wallet: GiftService  # a member's certificates across businesses, and gifts of them
    offers: OfferService  # certificate offers partners hand out (/offers)
    partners: PartnerService  # partnerships and the members' Partners page (issue 16)
    wake_sender: Callable[[], None]  # after a use case queued messages in the outbox
    locale: str  # the language this update is answered in
    i18n: CatalogI18n
    state: FSMContext
    answer: Answer  # a pressed button's one answer (handlers/answers.py)
