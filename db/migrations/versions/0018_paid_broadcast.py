"""a push's messages may go as a paid broadcast (Telegram's allow_paid_broadcast)

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # With a server default, no table copy and no rewrite of the rows already there.
    with op.batch_alter_table("outbox", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("paid_broadcast", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0016 does: no table copy.
    with op.batch_alter_table("outbox", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("paid_broadcast")
