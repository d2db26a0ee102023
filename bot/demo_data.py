"""`loyalty-bot demo-data`: the default merchant from settings, then the demo generator."""

from __future__ import annotations

from datetime import datetime

from bot.bootstrap import ensure_default_merchant
from bot.config import Settings
from db.engine import create_engine, create_session_factory
from demo.generator import DemoSummary, ProgramNotEmpty, generate_demo_data, members_of


async def demo_for_default_merchant(
    settings: Settings,
    *,
    members: int,
    months: int,
    seed: int,
    force: bool,
    now: datetime | None = None,
) -> DemoSummary:
    """`loyalty-bot demo-data`: the default merchant from settings, then its demo program.

    Raises ProgramNotEmpty if the merchant has members already, unless `force`.
    """
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            merchant = await ensure_default_merchant(settings, session)
        existing = await members_of(engine, merchant.id)
        if existing and not force:
            raise ProgramNotEmpty(merchant.slug, existing)
        return await generate_demo_data(
            engine, merchant.id, members=members, months=months, seed=seed, now=now
        )
    finally:
        await engine.dispose()
