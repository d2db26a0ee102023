"""The report summaries counted again from the purchases and the ledger (`loyalty-bot
rebuild-summaries`): compared with what is kept, or written over it and then compared."""

from __future__ import annotations

from db.engine import reading
from db.repositories.summary_rebuild import Differences, SummaryRebuild
from services.base import Service


class SummaryService(Service):
    async def check(self, merchant_id: int | None = None) -> Differences:
        """How far the kept summaries are from a recount; writes nothing."""
        async with reading(self.session):
            return await SummaryRebuild(self.session).differences(merchant_id)

    async def rebuild(self, merchant_id: int | None = None) -> tuple[int, int, Differences]:
        """The summaries written again from a recount, in one transaction; the member and hour
        rows written, and what a check finds afterwards (nothing, unless they were written
        meanwhile by something that does not keep them)."""
        async with self.session.begin():
            members, hours = await SummaryRebuild(self.session).rebuild(merchant_id)
        return members, hours, await self.check(merchant_id)
