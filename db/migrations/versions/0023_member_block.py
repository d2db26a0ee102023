"""a member can be blocked by the staff (membership.blocked_at)

Revision ID: 0023
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: no table copy and no rewrite of the rows already there.
    with op.batch_alter_table("membership", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("blocked_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("blocked_at")
