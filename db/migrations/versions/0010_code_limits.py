"""limits at the till: pauses for every role, merchant-wide wrong codes, daily thresholds

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NULLABLE = (
    ("codes_locked_at", UtcDateTime()),
    ("codes_resumed_at", UtcDateTime()),
    ("daily_amount_flag_minor", sa.BigInteger()),
    ("staff_daily_purchases_flag", sa.Integer()),
    ("staff_daily_amount_flag_minor", sa.BigInteger()),
    ("daily_amount_cap_minor", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wrong_codes_hour_limit", sa.Integer(), nullable=False, server_default="30")
        )
        for name, type_ in _NULLABLE:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        for name, _type in reversed(_NULLABLE):
            batch_op.drop_column(name)
        batch_op.drop_column("wrong_codes_hour_limit")
