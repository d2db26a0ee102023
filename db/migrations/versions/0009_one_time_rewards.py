"""one-time rewards once per person: pseudonymous markers, birthday lead time

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reward_grant",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("marker", sa.String(length=64), nullable=False),
        sa.Column("reward", sa.String(length=40), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_reward_grant_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_grant")),
        sa.UniqueConstraint(
            "merchant_id",
            "marker",
            "reward",
            name=op.f("uq_reward_grant_merchant_id_marker_reward"),
        ),
    )
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("birthday_lead_days", sa.SmallInteger(), nullable=False, server_default="30")
        )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birthday_set_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("birthday_set_at")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_column("birthday_lead_days")
    op.drop_table("reward_grant")
