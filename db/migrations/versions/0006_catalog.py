"""catalog, carts, pre-orders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_catalog_item_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_item")),
    )
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_catalog_item_merchant_id_category", ["merchant_id", "category"], unique=False
        )

    op.create_table(
        "cart",
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("reminders", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_cart_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("membership_id", name=op.f("pk_cart")),
    )
    op.create_table(
        "preorder",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("purchase_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_preorder_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_preorder_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preorder")),
    )
    with op.batch_alter_table("preorder", schema=None) as batch_op:
        batch_op.create_index(
            "ix_preorder_membership_id_status", ["membership_id", "status"], unique=False
        )

    op.create_table(
        "cart_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "membership_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_cart_line_qty_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["catalog_item.id"],
            name=op.f("fk_cart_line_item_id_catalog_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["cart.membership_id"],
            name=op.f("fk_cart_line_membership_id_cart"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_line")),
        sa.UniqueConstraint(
            "membership_id", "item_id", name=op.f("uq_cart_line_membership_id_item_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("cart_line")
    with op.batch_alter_table("preorder", schema=None) as batch_op:
        batch_op.drop_index("ix_preorder_membership_id_status")

    op.drop_table("preorder")
    op.drop_table("cart")
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_item_merchant_id_category")

    op.drop_table("catalog_item")
