"""report summaries: a row per member who bought, a row per merchant, hour and kind of flow

Revision ID: 0015
Revises: 0016
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0015"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The backfill as db/repositories/summary_rebuild.py counted it at this revision (a migration
# does not change when the code does): purchases that count are confirmed and not wholly
# refunded; an hour is epoch seconds of its UTC start, as db/sql.py's epoch() gives them.
COUNTED = "p.status = 'confirmed' AND p.refunded_minor < p.amount_minor"
EPOCH = {
    "sqlite": "CAST(strftime('%s', {}) AS INTEGER)",
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM {})) AS BIGINT)",
}
MEMBERS = f"""
INSERT INTO member_summary
    (merchant_id, membership_id, purchases, revenue_minor, first_at, second_at, last_at)
SELECT p.merchant_id, p.membership_id, count(*), sum(p.amount_minor - p.refunded_minor),
    min(p.confirmed_at),
    (SELECT q.confirmed_at FROM purchase q
     WHERE q.merchant_id = p.merchant_id AND q.membership_id = p.membership_id
       AND q.status = 'confirmed' AND q.refunded_minor < q.amount_minor
     ORDER BY q.confirmed_at LIMIT 1 OFFSET 1),
    max(p.confirmed_at)
FROM purchase p WHERE {COUNTED}
GROUP BY p.merchant_id, p.membership_id
"""
HOURS = (
    f"""
INSERT INTO hour_summary (merchant_id, hour, kind, count, amount_minor)
SELECT p.merchant_id, {{confirmed}} / 3600 * 3600, 'sale', count(*),
    sum(p.amount_minor - p.refunded_minor)
FROM purchase p WHERE {COUNTED}
GROUP BY 1, 2
""",
    """
INSERT INTO hour_summary (merchant_id, hour, kind, count, amount_minor)
SELECT p.merchant_id, {rated} / 3600 * 3600, 'stars:' || CAST(p.rating AS VARCHAR), count(*), 0
FROM purchase p WHERE p.rating IS NOT NULL
GROUP BY 1, 2, 3
""",
    """
INSERT INTO hour_summary (merchant_id, hour, kind, count, amount_minor)
SELECT m.merchant_id, {created} / 3600 * 3600, l.reason, count(*), sum(l.delta_minor)
FROM ledger_entry l JOIN membership m ON m.id = l.membership_id
GROUP BY 1, 2, 3
""",
)


def upgrade() -> None:
    op.create_table(
        "member_summary",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("revenue_minor", sa.BigInteger(), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=True),
        sa.Column("second_at", UtcDateTime(), nullable=True),
        sa.Column("last_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_member_summary_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_member_summary_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", "membership_id", name=op.f("pk_member_summary")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hour_summary",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_hour_summary_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", "hour", "kind", name=op.f("pk_hour_summary")),
        sqlite_with_rowid=False,
    )
    epoch = EPOCH[op.get_bind().dialect.name]
    op.execute(MEMBERS)
    for sql in HOURS:
        op.execute(
            sql.format(
                confirmed=epoch.format("p.confirmed_at"),
                rated=epoch.format("p.rated_at"),
                created=epoch.format("l.created_at"),
            )
        )


def downgrade() -> None:
    op.drop_table("hour_summary")
    op.drop_table("member_summary")
