"""`loyalty-bot rebuild-summaries [--check]`: the report summaries against a recount."""

from __future__ import annotations

import sys

from bot.config import Settings
from db.engine import create_engine, create_session_factory
from db.repositories.summary_rebuild import Differences
from services.summaries import SummaryService


async def rebuild_summaries(settings: Settings, *, check: bool) -> int:
    """0 when the summaries equal a recount (after writing them again, unless `check`);
    1 with the differences on stderr when they do not."""
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            service = SummaryService(session)
            if check:
                found = await service.check()
            else:
                members, hours, found = await service.rebuild()
                print(f"summaries written: {members} member rows, {hours} hour rows")
    finally:
        await engine.dispose()
    return report(found)


def report(found: Differences) -> int:
    if not found.members and not found.hours:
        print("summaries equal a recount of the purchases and the ledger")
        return 0
    print(
        f"summaries differ from a recount: {found.members} member rows, "
        f"{found.hours} hour rows (kept: as stored; counted: as recounted)",
        file=sys.stderr,
    )
    for line in found.examples:
        print(f"  {line}", file=sys.stderr)
    return 1
