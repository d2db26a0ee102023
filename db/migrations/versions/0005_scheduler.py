"""scheduler: birthdays, nps, lease, point expiry

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_lease")),
    )
    op.create_table(
        "nps_answer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("survey_key", sa.String(length=40), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 10", name=op.f("ck_nps_answer_score_range")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_nps_answer_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_nps_answer_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_answer")),
        sa.UniqueConstraint("survey_key", name=op.f("uq_nps_answer_survey_key")),
    )
    with op.batch_alter_table("nps_answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_nps_answer_merchant_id_created_at", ["merchant_id", "created_at"], unique=False
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birthday_granted_year", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("nps_asked_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("birthday_granted_at", UtcDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("birthday_bonus_left", sa.BigInteger(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "birthday_bonus_minor", sa.BigInteger(), nullable=False, server_default="500"
            )
        )
        batch_op.add_column(
            sa.Column("birthday_hour", sa.SmallInteger(), nullable=False, server_default="10")
        )
        batch_op.add_column(sa.Column("points_lifetime_months", sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "birthday_bonus_days", sa.SmallInteger(), nullable=False, server_default="14"
            )
        )
    # The birthday bonus in each merchant's own currency: 5 "café euros" (frozen copy).
    for currency, unit in _CAFE_EURO.items():
        op.execute(
            sa.text(
                "UPDATE merchant SET birthday_bonus_minor = :bonus WHERE currency = :currency"
            ).bindparams(bonus=5 * unit, currency=currency)
        )


_CAFE_EURO = {
    "EUR": 100, "USD": 100, "GBP": 100, "CHF": 100, "CAD": 150, "AUD": 150, "PLN": 400,
    "HUF": 40_000, "CZK": 2_500, "RUB": 10_000, "UAH": 4_500, "KZT": 50_000, "RON": 500,
    "SEK": 1_100, "NOK": 1_100, "DKK": 700, "TRY": 3_500, "JPY": 150,
}  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_column("birthday_bonus_days")
        batch_op.drop_column("points_lifetime_months")
        batch_op.drop_column("birthday_hour")
        batch_op.drop_column("birthday_bonus_minor")

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("birthday_bonus_left")
        batch_op.drop_column("birthday_granted_at")
        batch_op.drop_column("nps_asked_at")
        batch_op.drop_column("birthday_granted_year")

    with op.batch_alter_table("nps_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_nps_answer_merchant_id_created_at")

    op.drop_table("nps_answer")
    op.drop_table("lease")
