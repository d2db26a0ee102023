"""One DB session per update, the services built on it, and who is writing in which language."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import ensure_default_merchant
from bot.config import LANGUAGES, Settings
from bot.markers import marker_key
from db import once
from handlers.i18n import CatalogI18n
from services.audit_log import AuditLogService
from services.birthdays import BirthdayService
from services.business import BusinessService
from services.campaigns import CampaignService
from services.care import CareService
from services.catalog import CatalogService
from services.chat import ChatService
from services.clock import Clock
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

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def pick_locale(ctx: MemberContext | None, user: User | None, default: str) -> str:
    """The user's choice, else Telegram's language, else the merchant's default."""
    if ctx is not None and ctx.language in LANGUAGES:
        return ctx.language
    if user is not None and user.language_code:
        code = user.language_code.split("-")[0].lower()
        if code in LANGUAGES:
            return code
    if ctx is not None and ctx.merchant.default_language in LANGUAGES:
        return ctx.merchant.default_language
    return default


class NotedState(FSMContext):
    """The conversation's state, noting whether a handler changed it."""

    changed = False

    async def set_state(self, state: Any = None) -> None:
        self.changed = True
        await super().set_state(state)

    async def set_data(self, data: Any) -> None:
        self.changed = True
        await super().set_data(data)

    async def update_data(self, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        self.changed = True
        return await super().update_data(data, **kwargs)


class MetricsMiddleware(BaseMiddleware):
    """The outermost of ours on updates (inside aiogram's, which hands errors to the error
    handlers): counts each update by type, times it, and notes what its handling raised."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.perf_counter()
        error: Exception | None = None
        try:
            return await handler(event, data)
        except Exception as raised:
            error = raised
            raise
        finally:
            kind = event.event_type if isinstance(event, Update) else type(event).__name__
            self.metrics.observe(kind, time.perf_counter() - started, error)


class ContextMiddleware(BaseMiddleware):
    """Outer middleware on updates: session, services, MemberContext, locale."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.i18n = i18n
        self.clock = clock
        self.marker_key = marker_key(settings)
        self._default_merchant_id: int | None = None
        self._staff_languages: dict[int, str] = {}
        self._lock = asyncio.Lock()

    async def default_merchant_id(self, session: AsyncSession) -> int:
        if self._default_merchant_id is None:
            async with self._lock:
                if self._default_merchant_id is None:
                    merchant = await ensure_default_merchant(self.settings, session, self.clock)
                    self._default_merchant_id = merchant.id
        return self._default_merchant_id

    async def _remember_staff_language(
        self, ctx: MemberContext, locale: str, staff: StaffService
    ) -> None:
        """Owners and staff who are not customers get their alerts in the language they write
        in; written when it changes (a process remembers what it wrote), not on every update."""
        person = ctx.telegram_id
        if person not in self.settings.owner_ids and ctx.staff_merchant_id is None:
            return  # nobody's data is kept before they consent, and this is no staff member
        if self._staff_languages.get(person) != locale:
            await staff.remember_language(person, locale)
            self._staff_languages[person] = locale

    async def _remember_new_colleague(
        self, ctx: MemberContext, locale: str, staff: StaffService
    ) -> None:
        """After a link opened by someone who was nobody here: if it made them an admin, their
        alerts come in their language from the first one, not from their next message."""
        person = ctx.telegram_id
        if ctx.staff_merchant_id is not None or person in self.settings.owner_ids:
            return  # remembered before the handler ran
        if await staff.remember_new_colleague_language(person, locale):
            self._staff_languages[person] = locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        session = self.session_factory()
        try:
            return await self._serve(handler, event, data, session)
        finally:
            await _close(session)

    async def _serve(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], session: AsyncSession
    ) -> Any:
        user: User | None = data.get("event_from_user")
        assert isinstance(event, Update)  # an outer middleware of dp.update
        bot_id, update_id = data["bot"].id, event.update_id
        members = MemberService(session, self.clock, marker_key=self.marker_key)
        ctx = None
        try:
            if user is not None and not user.is_bot:
                # One statement: who it is, and whether this update was handled before.
                ctx = await members.context(
                    user.id,
                    await self.default_merchant_id(session),
                    user.language_code,
                    (bot_id, update_id),
                    owner=user.id in self.settings.owner_ids,
                )
            elif await once.handled(session, bot_id, update_id):
                raise once.DuplicateUpdate(update_id)
        except once.DuplicateUpdate:
            logger.info("update %s was handled before: ignored", update_id)
            return None
        data["members"] = members
        data["codes"] = CodeService(session, self.clock)
        data["merchants"] = MerchantService(session, self.clock)
        data["staff"] = StaffService(session, self.settings.owner_ids, self.clock)
        data["sales"] = SaleService(
            session, self.settings.owner_ids, self.clock, marker_key=self.marker_key
        )
        data["campaigns"] = CampaignService(session, self.settings.owner_ids, self.clock)
        data["jobs"] = JobService(session, self.clock, marker_key=self.marker_key)
        data["privacy"] = PrivacyService(session, self.clock)
        data["birthdays"] = BirthdayService(session, self.settings.owner_ids, self.clock)
        data["catalog"] = CatalogService(session, self.settings.owner_ids, self.clock)
        data["preorders"] = PreorderService(session, self.settings.owner_ids, self.clock)
        data["reports"] = ReportService(session, self.settings.owner_ids, self.clock)
        data["exports"] = ExportService(session, self.settings.owner_ids, self.clock)
        data["limits"] = LimitService(session, self.settings.owner_ids, self.clock)
        data["programs"] = ProgramSettingsService(session, self.settings.owner_ids, self.clock)
        data["workplace"] = WorkplaceService(session, self.settings.owner_ids, self.clock)
        data["business"] = BusinessService(session, self.settings.owner_ids, self.clock)
        data["chat"] = ChatService(session, self.settings.owner_ids, self.clock)
        data["audit_log"] = AuditLogService(session, self.settings.owner_ids, self.clock)
        data["care"] = CareService(session, self.settings.owner_ids, self.clock)
        data["promotions"] = PromotionService(session, self.settings.owner_ids, self.clock)
        data["redeem"] = RedeemService(session, self.settings.owner_ids, self.clock)
        data["rewards"] = RewardService(session, self.settings.owner_ids, self.clock)
        data["sale_certificates"] = SaleCertificateService(
            session, self.settings.owner_ids, self.clock, marker_key=self.marker_key
        )
        data["giving"] = GivingService(session, self.settings.owner_ids, self.clock)
        data["certificate_till"] = CertificateTillService(
            session, self.settings.owner_ids, self.clock
        )
        data["wallet"] = GiftService(session, self.settings.owner_ids, self.clock)
        data["offers"] = OfferService(session, self.settings.owner_ids, self.clock)
        data["partners"] = PartnerService(session, self.settings.owner_ids, self.clock)
        data["settings"] = self.settings
        data["ctx"] = ctx
        locale = pick_locale(ctx, user, self.settings.default_language)
        data["locale"] = locale
        data["i18n"] = self.i18n
        if ctx is not None and ctx.customer_id is None:
            await self._remember_staff_language(ctx, locale, data["staff"])
        # Not before: context()'s housekeeping (unblocking, the language) is not the work.
        once.serve(session, bot_id, update_id, self.clock())
        state = data.get("state")
        if isinstance(state, FSMContext):
            data["state"] = state = NotedState(state.storage, state.key)
        # Let the other updates in flight begin before this one goes on. With the database
        # driver on the event loop (db/sqlite/) an update may not otherwise wait for anything
        # until its Bot API call, so two deliveries of one update would never meet at the
        # record's key, where they must (db/once.py); the handlers used to yield while
        # aiogram ran their filters in threads.
        await asyncio.sleep(0)
        try:
            with self.i18n.context(), self.i18n.use_locale(locale):
                result = await handler(event, data)
            if ctx is not None and ctx.customer_id is None and _opened_link(event):
                await self._remember_new_colleague(ctx, locale, data["staff"])
            # A step of a form that moved the conversation on is done too: delivered
            # again, it would reach the next step's handler as that step's input.
            if isinstance(state, NotedState) and state.changed:
                await once.record(session)
            return result
        except once.DuplicateUpdate:
            logger.info("update %s was handled meanwhile: ignored", update_id)
            return None


def _opened_link(event: TelegramObject) -> bool:
    """A /start with a payload: a deep link (an invite among them)."""
    message = event.message if isinstance(event, Update) else None
    return message is not None and (message.text or "").startswith("/start ")


async def _close(session: AsyncSession) -> None:
    """Close the update's session. One outside any transaction holds no connection (the reads
    of db/reads.py take their own): nothing to wait for, so it closes at once, not in the task
    of its own that AsyncSession's `async with` starts so a cancelled update still closes it."""
    if session.in_transaction():
        await session.__aexit__(None, None, None)
    else:
        session.sync_session.close()
