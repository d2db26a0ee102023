"""A process's copy of a merchant's program: read once, read again when anything changed it,
whoever changed it (another process's SQL included), never a stale rule at the till."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import event, select, text, update

from db.models import Level, Merchant, Promotion
from db.repositories import MerchantRepo
from services import program
from services.dto import LevelInfo
from services.merchants import MerchantService
from services.policy.promotions import best_promotion

T = TypeVar("T")


async def _statements_of(engine, work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """What `work` returned and how many statements it ran (BEGIN and COMMIT not counted)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        return await work(), len(seen)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _merchant(session_factory) -> int:
    async with session_factory() as s:
        view = await MerchantService(s).ensure_default(
            slug="cafe", name="Café", currency="EUR", timezone="Europe/Warsaw", language="en"
        )
    return view.id


async def _load(session_factory, merchant_id: int) -> program.Program:
    async with session_factory() as s, s.begin():
        return await program.load(s, merchant_id)


async def test_the_program_is_read_once_then_checked_with_one_small_query(
    engine, session_factory
) -> None:
    merchant_id = await _merchant(session_factory)
    first, cold = await _statements_of(engine, lambda: _load(session_factory, merchant_id))
    again, warm = await _statements_of(engine, lambda: _load(session_factory, merchant_id))
    assert first == again and first.merchant.name == "Café"
    assert [lv.rank for lv in first.levels] == sorted(lv.rank for lv in first.levels)
    # version, merchant, levels, promotions, the certificates it hands out; then the version
    assert (cold, warm) == (5, 1)

    async def checked_in_this_update() -> program.Program:
        async with session_factory() as s, s.begin():
            program.checked(s, merchant_id, first.version)
            return await program.load(s, merchant_id)

    same, none = await _statements_of(engine, checked_in_this_update)
    assert same is first and none == 0


async def test_a_change_by_any_writer_is_seen_by_the_next_load(engine, session_factory) -> None:
    merchant_id = await _merchant(session_factory)
    before = await _load(session_factory, merchant_id)
    # Plain SQL, as another process or an operator would write it: no ORM event can see it.
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE merchant SET referral_bonus_minor = 777"))
    after = await _load(session_factory, merchant_id)
    assert after.referral_bonus_minor == 777 and after.version > before.version

    async with session_factory() as s:
        await MerchantService(s).set_levels(
            merchant_id,
            [
                LevelInfo(0, "Bean", 0, 0, 300, 5000),
                LevelInfo(1, "Roast", 100_00, 3, 700, 10_000),
            ],
        )
    levels = (await _load(session_factory, merchant_id)).levels
    assert [(lv.name, lv.cashback_bp) for lv in levels] == [("Bean", 300), ("Roast", 700)]
    async with engine.begin() as conn:
        await conn.execute(update(Level).where(Level.rank == 1).values(name="Dark roast"))
    assert (await _load(session_factory, merchant_id)).level_name(1) == "Dark roast"
    assert (await _load(session_factory, merchant_id)).level_name(9) == "Dark roast"


async def test_the_version_moves_on_every_change_and_only_then(engine, session_factory) -> None:
    merchant_id = await _merchant(session_factory)

    async def version() -> int:
        async with engine.connect() as conn:
            found = await conn.scalar(
                select(Merchant.program_version).where(Merchant.id == merchant_id)
            )
            assert found is not None
            return int(found)

    start = await version()
    async with engine.begin() as conn:
        await conn.execute(update(Merchant).values(max_sale_minor=5_000))
    assert await version() == start + 1
    async with engine.begin() as conn:  # setting the version itself is not a second change
        await conn.execute(update(Merchant).values(program_version=start + 5))
    assert await version() == start + 5
    async with engine.begin() as conn:
        await conn.execute(select(Merchant.id))  # a read changes nothing
    assert await version() == start + 5


async def test_a_promotion_from_a_removed_level_counts_from_the_top_level(
    engine, session_factory, clock
) -> None:
    """An owner removed the top level after a "from Diamond" promotion: members at the new top
    level (and those past it, priced at the top) earn under it, as /promos says."""
    merchant_id = await _merchant(session_factory)
    async with session_factory() as s, s.begin():
        top = max(lv.rank for lv in await MerchantRepo(s).levels(merchant_id))
        s.add(
            Promotion(
                merchant_id=merchant_id,
                name="Night owls",
                min_level_rank=top + 1,
                created_by=1,
                created_at=clock(),
            )
        )
    (rule,) = (await _load(session_factory, merchant_id)).promotions
    assert rule.min_level_rank == top
    assert best_promotion([rule], clock(), top) == rule
