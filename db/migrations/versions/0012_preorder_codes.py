"""pre-orders keep their own code until collected or cancelled

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# services.codes.ORDER_CODE_EXPIRES_AT, as of this revision.
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_TILL_ONLY = "preorder_id IS NULL"

# The open order whose code a row holds: same member, same value.
_ORDER_OF_ROW = """
    SELECT max(p.id) FROM preorder p
    WHERE p.status = 'open' AND p.merchant_id = payment_code.merchant_id
      AND p.membership_id = payment_code.membership_id AND p.code = payment_code.code
"""


def upgrade() -> None:
    with op.batch_alter_table("payment_code", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "preorder_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            op.f("fk_payment_code_preorder_id_preorder"),
            "preorder",
            ["preorder_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(op.f("uq_payment_code_preorder_id"), ["preorder_id"])
        batch_op.drop_constraint("uq_payment_code_membership_id", type_="unique")
    op.create_index(
        "uq_payment_code_membership_id",
        "payment_code",
        ["membership_id"],
        unique=True,
        sqlite_where=sa.text(_TILL_ONLY),
        postgresql_where=sa.text(_TILL_ONLY),
    )
    never = sa.bindparam("never", _NEVER, type_=UtcDateTime())
    # An open order whose code row is still there keeps it, now as the order's own code.
    op.execute(
        sa.text(
            f"UPDATE payment_code SET preorder_id = ({_ORDER_OF_ROW}), expires_at = :never "
            f"WHERE used_at IS NULL AND ({_ORDER_OF_ROW}) IS NOT NULL"
        ).bindparams(never)
    )
    # An open order whose code a later /code destroyed gets its code back, unless another
    # row holds that value by now (then the staff cancel it from /openorders).
    op.execute(
        sa.text(
            "INSERT INTO payment_code "
            "(merchant_id, membership_id, code, created_at, expires_at, preorder_id) "
            "SELECT p.merchant_id, p.membership_id, p.code, p.created_at, :never, p.id "
            "FROM preorder p WHERE p.status = 'open' "
            "AND NOT EXISTS (SELECT 1 FROM payment_code c "
            "  WHERE c.merchant_id = p.merchant_id AND c.code = p.code) "
            "AND p.id = (SELECT max(q.id) FROM preorder q "
            "  WHERE q.status = 'open' AND q.merchant_id = p.merchant_id AND q.code = p.code)"
        ).bindparams(never)
    )


def downgrade() -> None:
    # One code per membership again: keep each member's newest row, and forget "ready".
    op.execute(
        "DELETE FROM payment_code WHERE id NOT IN "
        "(SELECT max(id) FROM payment_code GROUP BY membership_id)"
    )
    op.execute("UPDATE preorder SET status = 'open' WHERE status = 'ready'")
    op.drop_index(
        "uq_payment_code_membership_id",
        table_name="payment_code",
        sqlite_where=sa.text(_TILL_ONLY),
        postgresql_where=sa.text(_TILL_ONLY),
    )
    with op.batch_alter_table("payment_code", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_payment_code_membership_id"), ["membership_id"])
        batch_op.drop_constraint(op.f("uq_payment_code_preorder_id"), type_="unique")
        batch_op.drop_constraint(op.f("fk_payment_code_preorder_id_preorder"), type_="foreignkey")
        batch_op.drop_column("preorder_id")
