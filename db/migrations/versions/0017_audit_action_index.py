"""audit rows by merchant, action and time: the till counts a merchant's wrong codes of the
last hour on every code lookup, a range of that index alone, however many sales it audited

Revision ID: 0017
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_log_merchant_id_action_created_at",
        "audit_log",
        ["merchant_id", "action", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_merchant_id_action_created_at", table_name="audit_log")
