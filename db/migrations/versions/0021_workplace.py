"""the merchant an owner or staff member chose to work in

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workplace",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("chosen_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_workplace_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_workplace")),
    )


def downgrade() -> None:
    op.drop_table("workplace")
