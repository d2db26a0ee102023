"""staff and purchases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("actor_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("details", sa.String(length=500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_audit_log_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_actor_action_created_at",
            ["actor_telegram_id", "action", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_audit_log_merchant_id_created_at", ["merchant_id", "created_at"], unique=False
        )

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("invited_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("paused_until", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_staff_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint(
            "merchant_id", "telegram_id", name=op.f("uq_staff_merchant_id_telegram_id")
        ),
    )
    op.create_table(
        "staff_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_staff_invite_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invite")),
        sa.UniqueConstraint("token", name=op.f("uq_staff_invite_token")),
    )
    op.create_table(
        "purchase",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_code", sa.String(length=6), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_spent", sa.BigInteger(), nullable=False),
        sa.Column("cashback_minor", sa.BigInteger(), nullable=False),
        sa.Column("receipt_no", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=32), nullable=False),
        sa.Column("level_before", sa.SmallInteger(), nullable=False),
        sa.Column("level_after", sa.SmallInteger(), nullable=False),
        sa.Column("made_referral_effective", sa.Boolean(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.String(length=1000), nullable=True),
        sa.Column("rated_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_purchase_amount_positive")),
        sa.CheckConstraint(
            "points_spent >= 0 AND points_spent <= amount_minor",
            name=op.f("ck_purchase_points_within_amount"),
        ),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor",
            name=op.f("ck_purchase_refund_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_purchase_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_purchase_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_purchase_idempotency_key")),
    )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index(
            "uq_purchase_merchant_id_receipt_no",
            ["merchant_id", "receipt_no"],
            unique=True,
            sqlite_where=sa.text("status = 'confirmed' AND receipt_no IS NOT NULL"),
            postgresql_where=sa.text("status = 'confirmed' AND receipt_no IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_purchase_membership_id_confirmed_at",
            ["membership_id", "confirmed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_purchase_merchant_id_confirmed_at", ["merchant_id", "confirmed_at"], unique=False
        )

    op.create_table(
        "refund",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "purchase_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_returned", sa.BigInteger(), nullable=False),
        sa.Column("cashback_reversed", sa.BigInteger(), nullable=False),
        sa.Column("cash_refund_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchase.id"],
            name=op.f("fk_refund_purchase_id_purchase"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "purchase_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index("ix_ledger_entry_purchase_id", ["purchase_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_entry_purchase_id_purchase"),
            "purchase",
            ["purchase_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clawback_due_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("purchases_count", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_sale_minor", sa.BigInteger(), nullable=False, server_default="100000")
        )
        batch_op.add_column(
            sa.Column("receipt_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("referral_bp_1", sa.Integer(), nullable=False, server_default="200")
        )
        batch_op.add_column(
            sa.Column("referral_bp_2", sa.Integer(), nullable=False, server_default="100")
        )
        batch_op.add_column(
            sa.Column("referral_bp_3", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.add_column(
            sa.Column(
                "referral_bonus_minor", sa.BigInteger(), nullable=False, server_default="500"
            )
        )
        batch_op.add_column(
            sa.Column("daily_purchases_flag", sa.Integer(), nullable=False, server_default="5")
        )
    # The cap of one sale and the first-purchase bonus in the merchant's own currency: 1000
    # and 5 "café euros" (a frozen copy of services.rules at the time of this migration).
    for currency, unit in _CAFE_EURO.items():
        op.execute(
            sa.text(
                "UPDATE merchant SET max_sale_minor = :cap, referral_bonus_minor = :bonus "
                "WHERE currency = :currency"
            ).bindparams(cap=1000 * unit, bonus=5 * unit, currency=currency)
        )


_CAFE_EURO = {
    "EUR": 100, "USD": 100, "GBP": 100, "CHF": 100, "CAD": 150, "AUD": 150, "PLN": 400,
    "HUF": 40_000, "CZK": 2_500, "RUB": 10_000, "UAH": 4_500, "KZT": 50_000, "RON": 500,
    "SEK": 1_100, "NOK": 1_100, "DKK": 700, "TRY": 3_500, "JPY": 150,
}  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_column("daily_purchases_flag")
        batch_op.drop_column("referral_bonus_minor")
        batch_op.drop_column("referral_bp_3")
        batch_op.drop_column("referral_bp_2")
        batch_op.drop_column("referral_bp_1")
        batch_op.drop_column("receipt_required")
        batch_op.drop_column("max_sale_minor")

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("purchases_count")
        batch_op.drop_column("clawback_due_minor")

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ledger_entry_purchase_id_purchase"), type_="foreignkey"
        )
        batch_op.drop_index("ix_ledger_entry_purchase_id")
        batch_op.drop_column("purchase_id")

    op.drop_table("refund")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_merchant_id_confirmed_at")
        batch_op.drop_index("ix_purchase_membership_id_confirmed_at")

    op.drop_table("purchase")
    op.drop_table("staff_invite")
    op.drop_table("staff")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_merchant_id_created_at")
        batch_op.drop_index("ix_audit_log_actor_action_created_at")

    op.drop_table("audit_log")
