"""Every Telegram update is handled at most once.

Telegram delivers an update at least once: a poller that crashed before acknowledging gets the
same updates again (a webhook is retried too). The per-update session learns which update it
serves (`serve`); the first of its transactions that writes (a flush with changes, a Core
INSERT/UPDATE/DELETE) also inserts (bot id, update id) into processed_update just before it
commits, so the record and the handler's work commit together or not at all. A delivery of an
update already recorded is dropped before any handler runs (`handled`); two deliveries at once
meet at the primary key, where the second's transaction rolls back and raises DuplicateUpdate.
bot/middlewares.py ends such an update silently, and records a step of a form (`record`).

Updates that only read (a /card) record nothing: answering a read twice is harmless, and reads
take no write lock. The reading() transactions (db/engine.py) never record. Records are
kept 7 days (services/jobs.py forget_updates).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from db.execute import on_connection
from db.models import ProcessedUpdate

SERVING = "loyalty_update"  # session.info: (bot id, update id, when) of the update it serves
WROTE = "loyalty_wrote"  # session.info: the open transaction has written something
RECORDED = "loyalty_recorded"  # session.info: this session's record of its update committed


class DuplicateUpdate(Exception):  # not an error: a delivery to ignore
    """This update was handled before (another delivery of it committed its work)."""

    def __init__(self, update_id: int) -> None:
        super().__init__(update_id)
        self.update_id = update_id


def note_write(session: AsyncSession | Session) -> None:
    """The open transaction wrote outside the ORM's view (a statement run on its connection)."""
    session.info[WROTE] = True


class _WritingSession(Session):
    """The sync session under UpdateSession: it notes when a transaction writes."""


@event.listens_for(_WritingSession, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(WROTE) or session.info.get(SERVING) is None:
        return
    # The new/dirty/deleted lists still show what this flush wrote; a dirty object whose
    # attributes were set to the values they had writes nothing.
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        session.info[WROTE] = True


@event.listens_for(_WritingSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


class UpdateSession(AsyncSession):
    """A session whose `begin()` records the update it serves when the transaction wrote."""

    sync_session_class = _WritingSession

    def begin(self) -> Any:
        return _Recording(self, super().begin())


class _Recording:
    """`async with session.begin()`: before the commit, record the update if this wrote."""

    def __init__(self, session: AsyncSession, transaction: AsyncSessionTransaction) -> None:
        self.session = session
        self.transaction = transaction

    async def __aenter__(self) -> AsyncSessionTransaction:
        entered = await self.transaction.__aenter__()
        self.session.info[WROTE] = False
        return entered

    async def __aexit__(self, *exc: Any) -> None:
        info = self.session.info
        serving: tuple[int, int, datetime] | None = info.get(SERVING)
        recording = False
        if exc[0] is None and serving is not None and not info.get(RECORDED):
            try:
                session = self.session
                if session.new or session.dirty or session.deleted:
                    await session.flush()  # the commit would flush: see whether it writes
                if info[WROTE]:
                    recording = True
                    await _record(self.session, *serving)
            except BaseException as error:
                await self.transaction.__aexit__(type(error), error, error.__traceback__)
                raise
        await self.transaction.__aexit__(*exc)
        if recording:
            info[RECORDED] = True  # later transactions of this update need not insert again


_RECORD = insert(cast("Table", ProcessedUpdate.__table__))


async def _record(session: AsyncSession, bot_id: int, update_id: int, at: datetime) -> None:
    try:
        row = {"bot_id": bot_id, "update_id": update_id, "created_at": at}
        await on_connection(session, _RECORD, row)  # Core on the connection: see run_core
    except IntegrityError as error:
        # Not an IntegrityError: services' in_transaction must not run the work again.
        raise DuplicateUpdate(update_id) from error


def serve(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> None:
    """From now on, the first transaction of `session` that writes records this update."""
    session.info[SERVING] = (bot_id, update_id, now)
    session.info[RECORDED] = False


def recorded(session: AsyncSession) -> bool:
    """Whether this session committed the record of its update (it did the work)."""
    return bool(session.info.get(RECORDED))


async def record(session: AsyncSession) -> None:
    """Record the update served now, if no transaction of it did: it changed something
    outside the database (a form's state). Raises DuplicateUpdate if another delivery did."""
    if session.info.get(SERVING) is not None and not recorded(session):
        async with session.begin():
            session.info[WROTE] = True


async def handled(session: AsyncSession, bot_id: int, update_id: int) -> bool:
    """Whether a delivery of this update committed a write. Reads without the write lock."""
    from db.engine import READ_ONLY  # engine builds its sessions on UpdateSession

    async with AsyncSession.begin(session):  # the base class's: no record, no turn to wait
        connection = await session.connection(execution_options={READ_ONLY: True})
        found = await connection.scalar(
            select(ProcessedUpdate.update_id).where(
                ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id
            )
        )
    return found is not None


async def forget_before(session: AsyncSession, moment: datetime) -> int:
    """Delete the records older than `moment`; the caller's transaction commits."""
    result: Any = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.created_at < moment)
    )
    return int(result.rowcount or 0)
