"""State columns are StrEnums in Python and plain strings in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError, StatementError

from db.base import StrEnumType
from db.models import (
    Campaign,
    LedgerEntry,
    LedgerReason,
    Outbox,
    Preorder,
    Purchase,
    PurchaseStatus,
    Staff,
    StaffInvite,
    StaffRole,
)
from tests.factories import make_merchant, make_staff


def test_the_type_binds_members_and_their_values_and_refuses_other_strings() -> None:
    column = StrEnumType(PurchaseStatus, 10)
    bind = column.process_bind_param
    assert bind(PurchaseStatus.CONFIRMED, sqlite.dialect()) == "confirmed"
    assert bind("draft", sqlite.dialect()) == "draft"
    assert bind(None, sqlite.dialect()) is None
    with pytest.raises(ValueError):
        bind("confirmd", sqlite.dialect())
    loaded = column.process_result_value("cancelled", sqlite.dialect())
    assert loaded is PurchaseStatus.CANCELLED


def test_a_pattern_is_text_but_a_compared_state_must_be_one() -> None:
    pattern = select(LedgerEntry.id).where(LedgerEntry.reason.like("%reversed"))
    assert pattern.compile().construct_params() == {"reason_1": "%reversed"}
    typo = select(Purchase.id).where(Purchase.status == "confirmd")
    with pytest.raises(CompileError):
        typo.compile(compile_kwargs={"literal_binds": True})


@pytest.mark.parametrize(
    "column",
    [
        LedgerEntry.reason,
        Staff.role,
        StaffInvite.role,
        Purchase.status,
        Outbox.status,
        Campaign.status,
        Preorder.status,
    ],
)
def test_every_state_column_is_a_string_column_underneath(column) -> None:
    """No database enum: the DDL (and so the migrations) stay what they were."""
    kind = column.type
    assert isinstance(kind, StrEnumType) and isinstance(kind.impl_instance, String)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert kind.compile(dialect=dialect) == f"VARCHAR({kind.impl_instance.length})"


async def test_a_row_reads_back_its_state_as_the_member(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    await make_staff(session, clock, merchant, 7, role="admin")
    async with session.begin():
        role = await session.scalar(select(Staff.role).where(Staff.telegram_id == 7))
    assert role is StaffRole.ADMIN
    assert LedgerReason("cashback") is LedgerReason.CASHBACK


async def test_an_unknown_state_is_refused_before_it_reaches_the_table(session, clock) -> None:
    merchant = await make_merchant(session, clock)
    with pytest.raises(StatementError) as caught:
        await make_staff(session, clock, merchant, 8, role="supervisor")
    assert isinstance(caught.value.orig, ValueError)
