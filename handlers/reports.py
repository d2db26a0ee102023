"""The owner's and admins' view of the program: /stats, /kpi, /ratings, /campaigns (/export:
handlers/export.py).

Every number comes from services/reports/; charts are drawn in a worker thread so the bot
keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta
from functools import partial

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import gettext as _

from handlers.answers import Answer
from handlers.errors import answer_refusals, pressed, tell
from handlers.ui import charts
from handlers.ui.callbacks import KpiCb, StatsCb
from handlers.ui.coalition_chart import coalition_chart
from handlers.ui.coalition_render import coalition_text
from handlers.ui.edit import edit_text
from handlers.ui.filters import not_menu, off_topic, plain_text
from handlers.ui.kpi_render import (
    cohorts_text,
    feedback_text,
    points_text,
    referrals_text,
    revenue_text,
    rewards_text,
)
from handlers.ui.push_render import campaigns_text
from handlers.ui.report_render import admins_only
from handlers.ui.rewards_chart import rewards_chart
from handlers.ui.stats_render import (
    KPI_NAMES,
    dashboard_text,
    kpi_keyboard,
    kpi_menu_text,
    report_refused,
    stats_keyboard,
)
from services.dto import MemberContext
from services.errors import NotStaff, ReportRefused
from services.merchants import MerchantService
from services.numbers import InvalidNumber, parse_days
from services.reports import ReportService
from services.reports.periods import DEFAULT_DAYS, MAX_RANGE_DAYS, parse_range

router = Router(name=__name__)
answer_refusals(router)
STAFF = {"staff": True}
CAPTION_LIMIT = 1024  # Telegram's, for a photo's caption


class StatsForm(StatesGroup):
    dates = State()


def ask_dates() -> str:
    return _("Send the first and the last day of the period, like 01.10.2026 31.10.2026.")


async def busy(message: Message, action: str) -> None:
    """ "typing…" while a report is worked out: on a big program that takes a few seconds."""
    if message.bot is not None:
        with suppress(TelegramAPIError):
            await message.bot.send_chat_action(message.chat.id, action)


def _days(text: str | None) -> int | None:
    """A number of days typed after a command, None if it is not one."""
    try:
        return parse_days(text or "", MAX_RANGE_DAYS)
    except InvalidNumber:
        return None


@router.message(Command("stats"), flags=STAFF)
async def cmd_stats(
    message: Message, command: CommandObject, ctx: MemberContext, reports: ReportService
) -> None:
    args = (command.args or "").strip()
    days = _days(args) or DEFAULT_DAYS
    await busy(message, "typing")
    if args and _days(args) is None:
        first, last = parse_range(args, await reports.today(ctx.work_merchant_id, ctx.telegram_id))
        report = await reports.dashboard(
            ctx.work_merchant_id, ctx.telegram_id, first=first, last=last
        )
        days = 0
    else:
        report = await reports.dashboard(ctx.work_merchant_id, ctx.telegram_id, days)
    await message.answer(dashboard_text(report), reply_markup=stats_keyboard(days, report))


@router.callback_query(StatsCb.filter(F.days > 0), flags=STAFF)
async def cb_stats_period(
    query: CallbackQuery,
    callback_data: StatsCb,
    ctx: MemberContext,
    reports: ReportService,
    state: FSMContext,
) -> None:
    if await state.get_state() == StatsForm.dates.state:
        await state.clear()  # a period button instead of typed dates ends that form
    report = await reports.dashboard(ctx.work_merchant_id, ctx.telegram_id, callback_data.days)
    if isinstance(query.message, Message):
        await edit_text(
            query.message, dashboard_text(report), stats_keyboard(callback_data.days, report)
        )


@router.callback_query(StatsCb.filter(F.days == 0), flags=STAFF)
async def cb_stats_dates(
    query: CallbackQuery, ctx: MemberContext, reports: ReportService, state: FSMContext
) -> None:
    await reports.today(ctx.work_merchant_id, ctx.telegram_id)  # the role first
    await state.set_state(StatsForm.dates)
    if isinstance(query.message, Message):
        await query.message.answer(ask_dates())


@router.message(StatsForm.dates, plain_text, not_menu, flags=STAFF)
async def msg_stats_dates(
    message: Message, ctx: MemberContext, reports: ReportService, state: FSMContext
) -> None:
    today = await reports.today(ctx.work_merchant_id, ctx.telegram_id)
    first, last = parse_range(message.text or "", today)  # refused: the form waits for more
    report = await reports.dashboard(ctx.work_merchant_id, ctx.telegram_id, first=first, last=last)
    await state.clear()
    await message.answer(dashboard_text(report), reply_markup=stats_keyboard(0, report))


@router.message(StatsForm.dates, off_topic, flags=STAFF)
async def msg_stats_dates_expected(
    message: Message, ctx: MemberContext, reports: ReportService
) -> None:
    await reports.today(ctx.work_merchant_id, ctx.telegram_id)  # the role first
    await message.answer(ask_dates())


async def _kpi(
    reports: ReportService, ctx: MemberContext, name: str, days: int, until: int = 0
) -> tuple[str, bytes]:
    merchant, actor = ctx.work_merchant_id, ctx.telegram_id
    chart: Callable[[], bytes]  # the chart of the data read, drawn off the event loop
    # A /stats button for typed dates carries the period's last day (0: today).
    last = date.fromordinal(until) if until else None
    first = last - timedelta(days=days - 1) if last else None
    if name == "revenue":
        series = await reports.series(merchant, actor, days, first, last)
        snapshot = await reports.period_snapshot(merchant, actor, days, first, last)
        text, chart = revenue_text(series, snapshot), partial(charts.revenue_chart, series)
    elif name == "cohorts":
        cohorts = await reports.cohorts(merchant, actor)
        text, chart = cohorts_text(cohorts), partial(charts.cohort_chart, cohorts)
    elif name == "ratings":
        feedback = await reports.feedback(merchant, actor, days, first_day=first, last_day=last)
        text, chart = feedback_text(feedback), partial(charts.ratings_chart, feedback)
    elif name == "referrals":
        snapshot = await reports.period_snapshot(merchant, actor, days, first, last)
        text, chart = referrals_text(snapshot), partial(charts.funnel_chart, snapshot)
    elif name == "rewards":
        rewarded = await reports.rewards(merchant, actor, days, first, last)
        text, chart = rewards_text(rewarded), partial(rewards_chart, rewarded)
    elif name == "coalition":
        coalition = await reports.coalition(merchant, actor, days, first, last)
        text, chart = coalition_text(coalition), partial(coalition_chart, coalition)
    else:
        points = await reports.points(merchant, actor, days=days, first_day=first, last_day=last)
        text, chart = points_text(points), partial(charts.points_chart, points)
    return text, await asyncio.to_thread(chart)


async def _send_kpi(
    target: Message,
    reports: ReportService,
    ctx: MemberContext,
    name: str,
    days: int,
    until: int = 0,
) -> None:
    await busy(target, "upload_photo")
    text, png = await _kpi(reports, ctx, name, days, until)
    photo = BufferedInputFile(png, filename=f"{name}.png")
    if len(text) <= CAPTION_LIMIT:
        await target.answer_photo(photo, caption=text)
    else:
        await target.answer_photo(photo)
        await target.answer(text)


@router.message(Command("kpi"), flags=STAFF)
async def cmd_kpi(
    message: Message, command: CommandObject, ctx: MemberContext, reports: ReportService
) -> None:
    words = (command.args or "").lower().split()
    name = words[0] if words else ""
    days = _days(words[1]) if len(words) > 1 else DEFAULT_DAYS
    if name not in KPI_NAMES or days is None:
        await reports.today(ctx.work_merchant_id, ctx.telegram_id)  # admins only
        await message.answer(kpi_menu_text(), reply_markup=kpi_keyboard())
        return
    await _send_kpi(message, reports, ctx, name, days)


@router.callback_query(KpiCb.filter(), flags=STAFF)
async def cb_kpi(
    query: CallbackQuery,
    callback_data: KpiCb,
    ctx: MemberContext,
    reports: ReportService,
    answer: Answer,
) -> None:
    days, until = callback_data.days, callback_data.until
    today = await reports.today(ctx.work_merchant_id, query.from_user.id)  # the role first
    if (
        callback_data.name not in KPI_NAMES
        or not 1 <= days <= MAX_RANGE_DAYS
        or not 0 <= until <= today.toordinal()
        or (until and until - days + 1 < 1)  # a period that starts before year 1: forged
        or not isinstance(query.message, Message)
    ):
        answer.toast(_("This button is no longer active."))
        return
    await answer.now()  # before drawing: a chart takes a moment
    await _send_kpi(query.message, reports, ctx, callback_data.name, days, until)


@router.message(Command("ratings"), flags=STAFF)
async def cmd_ratings(
    message: Message, command: CommandObject, ctx: MemberContext, reports: ReportService
) -> None:
    days = _days(command.args) or DEFAULT_DAYS
    feedback = await reports.feedback(ctx.work_merchant_id, ctx.telegram_id, days)
    await message.answer(feedback_text(feedback))


@router.message(Command("campaigns"), flags=STAFF)
async def cmd_campaigns(
    message: Message,
    command: CommandObject,
    ctx: MemberContext,
    reports: ReportService,
    merchants: MerchantService,
) -> None:
    days = _days(command.args) or 90
    report = await reports.campaigns(ctx.work_merchant_id, ctx.telegram_id, days)
    await message.answer(campaigns_text(report, await merchants.levels(ctx.work_merchant_id)))


# --- refusals ------------------------------------------------------------------------------


@router.errors(ExceptionTypeFilter(NotStaff), pressed(KpiCb), F.update.callback_query.as_("query"))
async def on_not_admin_kpi(event: ErrorEvent, query: CallbackQuery) -> None:
    # A message, as after the chart's early answer: the same wherever the role fails.
    if isinstance(query.message, Message):
        await query.message.answer(admins_only())


@router.errors(ExceptionTypeFilter(NotStaff))
async def on_not_admin(event: ErrorEvent, state: FSMContext, answer: Answer | None = None) -> None:
    if await state.get_state() == StatsForm.dates.state:
        await state.clear()  # the typed dates are no longer wanted
    await tell(event, admins_only(), answer)


@router.errors(ExceptionTypeFilter(ReportRefused), F.update.message.as_("message"))
async def on_report_refused(event: ErrorEvent, message: Message) -> None:
    assert isinstance(event.exception, ReportRefused)
    await message.answer(report_refused(event.exception.reason))
