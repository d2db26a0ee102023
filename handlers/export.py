"""/export for owners and admins: the program's members, sales, points and audit log as CSV
files, and its reward vouchers and promotions when it has any."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import tempfile

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message
from aiogram.utils.i18n import gettext as _

from handlers.errors import answer_refusals, tell_refusals
from handlers.reports import busy
from handlers.ui.audit_render import audit_caption, audit_words
from handlers.ui.report_render import admins_only, export_caption
from services.dto import MemberContext
from services.errors import NotStaff
from services.export_rewards import EXPORTS_IF_ANY
from services.exports import EXPORTS, ExportService
from services.reports import ReportService

router = Router(name=__name__)
answer_refusals(router)
tell_refusals(router, admins_only, NotStaff)
STAFF = {"staff": True}
DOCUMENT_LIMIT = 45 * 1024 * 1024  # a bot may send 50 MB; bigger exports go gzipped


def _gzip(path: str) -> str:
    with open(path, "rb") as source, gzip.open(path + ".gz", "wb") as target:
        shutil.copyfileobj(source, target)
    return path + ".gz"


@router.message(Command("export"), flags=STAFF)
async def cmd_export(
    message: Message, ctx: MemberContext, reports: ReportService, exports: ExportService
) -> None:
    merchant = await reports.merchant(ctx.work_merchant_id, ctx.telegram_id)
    today = await reports.today(merchant.id, ctx.telegram_id)
    personal = reports.is_owner(ctx.telegram_id)
    await message.answer(_("Preparing the files…"))
    await busy(message, "upload_document")
    with tempfile.TemporaryDirectory(prefix="loyalty-export-") as folder:
        for kind in EXPORTS:
            name = f"{merchant.slug}-{kind}-{today.isoformat()}.csv"
            path = os.path.join(folder, name)
            # A local temporary file: its writes are short next to the database reads.
            with open(path, "w", encoding="utf-8-sig", newline="") as out:  # noqa: ASYNC230
                rows = await exports.export(
                    ctx.work_merchant_id, ctx.telegram_id, kind, out, audit_words()
                )
            if not rows and kind in EXPORTS_IF_ANY:
                continue  # no vouchers or promotions: a program without rewards
            if os.path.getsize(path) > DOCUMENT_LIMIT:  # noqa: ASYNC240
                path = await asyncio.to_thread(_gzip, path)
                name += ".gz"
            caption = (
                audit_caption(rows) if kind == "audit" else export_caption(kind, rows, personal)
            )
            await message.answer_document(FSInputFile(path, filename=name), caption=caption)
