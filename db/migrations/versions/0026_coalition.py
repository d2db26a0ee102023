"""coalition: partnerships, certificate offers and their routes, certificates and their
ledger; a certificate's share of a purchase (issue 16)

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "certificate_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=True),
        sa.Column("min_check_minor", sa.BigInteger(), nullable=False),
        sa.Column("valid_days", sa.SmallInteger(), nullable=False),
        sa.Column("total_limit", sa.Integer(), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=True),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "min_check_minor >= 0", name=op.f("ck_certificate_offer_min_check_not_negative")
        ),
        sa.CheckConstraint(
            "total_limit IS NULL OR issued_count <= total_limit",
            name=op.f("ck_certificate_offer_issued_within_limit"),
        ),
        sa.CheckConstraint(
            "valid_days > 0", name=op.f("ck_certificate_offer_valid_days_positive")
        ),
        sa.CheckConstraint(
            "value_minor > 0 OR item IS NOT NULL",
            name=op.f("ck_certificate_offer_worth_something"),
        ),
        sa.CheckConstraint(
            "value_minor >= 0", name=op.f("ck_certificate_offer_value_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_certificate_offer_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_offer")),
    )
    with op.batch_alter_table("certificate_offer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificate_offer_merchant_id_archived_at",
            ["merchant_id", "archived_at"],
            unique=False,
        )

    op.create_table(
        "partner_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("partner_merchant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_partner_invite_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_partner_invite_partner_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_invite")),
        sa.UniqueConstraint("token", name=op.f("uq_partner_invite_token")),
    )
    op.create_table(
        "partnership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_merchant_id", sa.Integer(), nullable=False),
        sa.Column("high_merchant_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_merchant_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("ended_by_merchant_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "low_merchant_id < high_merchant_id", name=op.f("ck_partnership_pair_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["high_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_partnership_high_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["low_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_partnership_low_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership")),
        sa.UniqueConstraint(
            "low_merchant_id",
            "high_merchant_id",
            name=op.f("uq_partnership_low_merchant_id_high_merchant_id"),
        ),
    )
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partnership_high_merchant_id", ["high_merchant_id"], unique=False
        )

    op.create_table(
        "certificate",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("partner_merchant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=True),
        sa.Column("first_customer_id", BIG_ID, nullable=True),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=True),
        sa.Column("min_check_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.BigInteger(), nullable=True),
        sa.Column("source_purchase_id", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("gift_token", sa.String(length=24), nullable=True),
        sa.Column("gifted_at", UtcDateTime(), nullable=True),
        sa.Column("redeemed_at", UtcDateTime(), nullable=True),
        sa.Column("redeemed_by", sa.BigInteger(), nullable=True),
        sa.Column("purchase_id", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("value_minor >= 0", name=op.f("ck_certificate_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_certificate_customer_id_customer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["first_customer_id"],
            ["customer.id"],
            name=op.f("fk_certificate_first_customer_id_customer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_certificate_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["certificate_offer.id"],
            name=op.f("fk_certificate_offer_id_certificate_offer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_certificate_partner_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
        sa.UniqueConstraint("gift_token", name=op.f("uq_certificate_gift_token")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificate_customer_id_status", ["customer_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_certificate_merchant_id_status", ["merchant_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_certificate_offer_id_customer_id", ["offer_id", "customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_certificate_partner_merchant_id_issued_at",
            ["partner_merchant_id", "issued_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_certificate_status_expires_at", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            "uq_certificate_offer_id_source_purchase_id",
            ["offer_id", "source_purchase_id"],
            unique=True,
            sqlite_where=sa.text("source_purchase_id IS NOT NULL"),
            postgresql_where=sa.text("source_purchase_id IS NOT NULL"),
        )

    op.create_table(
        "offer_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("partner_merchant_id", sa.Integer(), nullable=False),
        sa.Column("hand_out", sa.String(10), nullable=False),
        sa.Column("min_purchase_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "min_purchase_minor >= 0", name=op.f("ck_offer_route_min_purchase_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["certificate_offer.id"],
            name=op.f("fk_offer_route_offer_id_certificate_offer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_merchant_id"],
            ["merchant.id"],
            name=op.f("fk_offer_route_partner_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_route")),
        sa.UniqueConstraint(
            "offer_id",
            "partner_merchant_id",
            name=op.f("uq_offer_route_offer_id_partner_merchant_id"),
        ),
    )
    with op.batch_alter_table("offer_route", schema=None) as batch_op:
        batch_op.create_index(
            "ix_offer_route_partner_merchant_id", ["partner_merchant_id"], unique=False
        )

    op.create_table(
        "certificate_entry",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("certificate_id", BIG_ID, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("partner_merchant_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(10), nullable=False),
        sa.Column("delta", sa.SmallInteger(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=True),
        sa.Column("purchase_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("delta IN (-1, 0, 1)", name=op.f("ck_certificate_entry_delta_unit")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_certificate_entry_certificate_id_certificate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_certificate_entry_customer_id_customer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_certificate_entry_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_entry")),
    )
    with op.batch_alter_table("certificate_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificate_entry_certificate_id", ["certificate_id"], unique=False
        )
        batch_op.create_index(
            "ix_certificate_entry_merchant_id_created_at",
            ["merchant_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_certificate_entry_partner_merchant_id_created_at",
            ["partner_merchant_id", "created_at"],
            unique=False,
        )

    # No foreign key for the certificate: SQLite could add one only by copying the table.
    with op.batch_alter_table("purchase", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("certificate_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("certificate_minor", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("certificate_minor")
        batch_op.drop_column("certificate_id")

    with op.batch_alter_table("certificate_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_certificate_entry_partner_merchant_id_created_at")
        batch_op.drop_index("ix_certificate_entry_merchant_id_created_at")
        batch_op.drop_index("ix_certificate_entry_certificate_id")

    op.drop_table("certificate_entry")
    with op.batch_alter_table("offer_route", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_route_partner_merchant_id")

    op.drop_table("offer_route")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificate_offer_id_source_purchase_id",
            sqlite_where=sa.text("source_purchase_id IS NOT NULL"),
            postgresql_where=sa.text("source_purchase_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_certificate_status_expires_at")
        batch_op.drop_index("ix_certificate_partner_merchant_id_issued_at")
        batch_op.drop_index("ix_certificate_offer_id_customer_id")
        batch_op.drop_index("ix_certificate_merchant_id_status")
        batch_op.drop_index("ix_certificate_customer_id_status")

    op.drop_table("certificate")
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_index("ix_partnership_high_merchant_id")

    op.drop_table("partnership")
    op.drop_table("partner_invite")
    with op.batch_alter_table("certificate_offer", schema=None) as batch_op:
        batch_op.drop_index("ix_certificate_offer_merchant_id_archived_at")

    op.drop_table("certificate_offer")
