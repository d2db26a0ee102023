"""reports: erased members, indexes for the KPI queries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMOUNTS = ("status", "amount_minor", "refunded_minor")
_PERIOD = ("merchant_id", "confirmed_at", "membership_id", *_AMOUNTS)
_MEMBER = ("merchant_id", "membership_id", "confirmed_at", *_AMOUNTS)


def upgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", UtcDateTime(), nullable=True))
        batch_op.create_index(
            "ix_membership_merchant_id_joined_at", ["merchant_id", "joined_at"], unique=False
        )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_merchant_id_rated_at", ["merchant_id", "rated_at"], unique=False
        )
        # The reports read purchases from two covering indexes; the first replaces the
        # narrower index of the same leading columns.
        batch_op.drop_index("ix_purchase_merchant_id_confirmed_at")
        batch_op.create_index(
            "ix_purchase_merchant_id_confirmed_at",
            [*_PERIOD],
            unique=False,
        )
        batch_op.create_index(
            "ix_purchase_merchant_id_membership_id",
            [*_MEMBER],
            unique=False,
        )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entry_created_at",
            ["created_at", "membership_id", "reason", "delta_minor"],
            unique=False,
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_merchant_id_kind_sent_at", ["merchant_id", "kind", "sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_merchant_id_kind_sent_at")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_created_at")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_merchant_id_membership_id")
        batch_op.drop_index("ix_purchase_merchant_id_confirmed_at")
        batch_op.create_index(
            "ix_purchase_merchant_id_confirmed_at", ["merchant_id", "confirmed_at"], unique=False
        )
        batch_op.drop_index("ix_purchase_merchant_id_rated_at")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_merchant_id_joined_at")
        batch_op.drop_column("deleted_at")
