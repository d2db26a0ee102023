"""points are worth something in every currency: a point value per merchant

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing merchants keep 1 point = 1 minor unit: no balance or ledger row changes value.
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("point_value_minor", sa.BigInteger(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the table, as batch mode
    # would, drops the old one with foreign keys on, and memberships cascade away with it.
    with op.batch_alter_table("merchant", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("point_value_minor")
