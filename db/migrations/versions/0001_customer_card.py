"""customer card: merchants, levels, members, codes, ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "merchant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("default_language", sa.String(length=5), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("code_ttl_seconds", sa.Integer(), nullable=False),
        sa.Column("welcome_bonus_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant")),
        sa.UniqueConstraint("slug", name=op.f("uq_merchant_slug")),
    )
    op.create_table(
        "customer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("birthday_day", sa.SmallInteger(), nullable=True),
        sa.Column("birthday_month", sa.SmallInteger(), nullable=True),
        sa.Column("birthday_year", sa.SmallInteger(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("bot_blocked", sa.Boolean(), nullable=False),
        sa.Column("current_merchant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_customer_current_merchant_id_merchant"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_customer_telegram_id")),
    )
    op.create_table(
        "level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("min_spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("min_referrals", sa.Integer(), nullable=False),
        sa.Column("cashback_bp", sa.Integer(), nullable=False),
        sa.Column("max_redeem_bp", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "cashback_bp >= 0 AND cashback_bp <= 10000", name=op.f("ck_level_cashback_bp_range")
        ),
        sa.CheckConstraint(
            "max_redeem_bp >= 0 AND max_redeem_bp <= 10000",
            name=op.f("ck_level_max_redeem_bp_range"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_level_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level")),
        sa.UniqueConstraint("merchant_id", "rank", name=op.f("uq_level_merchant_id_rank")),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("referral_code", sa.String(length=12), nullable=False),
        sa.Column(
            "referrer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("consent_version", sa.Integer(), nullable=False),
        sa.Column("consented_at", UtcDateTime(), nullable=False),
        sa.Column("marketing_opt_in", sa.Boolean(), nullable=False),
        sa.Column("marketing_changed_at", UtcDateTime(), nullable=True),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("effective_referrals", sa.Integer(), nullable=False),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("balance_minor >= 0", name=op.f("ck_membership_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_membership_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_membership_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["membership.id"],
            name=op.f("fk_membership_referrer_id_membership"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint(
            "customer_id", "merchant_id", name=op.f("uq_membership_customer_id_merchant_id")
        ),
        sa.UniqueConstraint("referral_code", name=op.f("uq_membership_referral_code")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index("ix_membership_referrer_id", ["referrer_id"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("delta_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "balance_after_minor >= 0", name=op.f("ck_ledger_entry_balance_after_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_ledger_entry_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entry_membership_id_id", ["membership_id", "id"], unique=False
        )

    op.create_table(
        "payment_code",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_payment_code_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_payment_code_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_code")),
        sa.UniqueConstraint("membership_id", name=op.f("uq_payment_code_membership_id")),
        sa.UniqueConstraint("merchant_id", "code", name=op.f("uq_payment_code_merchant_id_code")),
    )


def downgrade() -> None:

    op.drop_table("payment_code")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_membership_id_id")

    op.drop_table("ledger_entry")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_referrer_id")

    op.drop_table("membership")
    op.drop_table("level")
    op.drop_table("customer")
    op.drop_table("merchant")
