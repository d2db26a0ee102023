"""rewards: the catalogue and vouchers, stamp cards, gifts and promotions (issue 15)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# Columns with defaults on tables that hold rows already: no copy of the table, the server
# default fills them. The ids added to purchase and ledger_entry carry no foreign key, which
# SQLite could only add by copying those (large) tables; promotions and vouchers are never
# deleted while a purchase or an entry names them.
def _merchant_columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("cashback_on", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("stamps_needed", sa.SmallInteger(), nullable=True),
        sa.Column("stamp_reward_id", sa.Integer(), nullable=True),
        sa.Column("stamp_min_amount_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("stamp_step_minor", sa.BigInteger(), nullable=True),
        sa.Column("stamp_daily_once", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("welcome_reward_id", sa.Integer(), nullable=True),
        sa.Column("friend_gift_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("friend_reward_id", sa.Integer(), nullable=True),
    )


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "reward",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("photo_file_id", sa.String(200), nullable=True),
        sa.Column("points_price", sa.BigInteger(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("stock_left", sa.Integer(), nullable=True),
        sa.Column("per_member_limit", sa.Integer(), nullable=True),
        sa.Column("valid_days", sa.SmallInteger(), nullable=False),
        sa.Column("min_level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("points_price >= 0", name=op.f("ck_reward_points_price_not_negative")),
        sa.CheckConstraint(
            "stock_left IS NULL OR stock_left >= 0", name=op.f("ck_reward_stock_not_negative")
        ),
        _fk("reward", "merchant_id", "merchant", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward")),
    )
    op.create_index("ix_reward_merchant_id_archived_at", "reward", ["merchant_id", "archived_at"])
    op.create_table(
        "voucher",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", BIG_ID, nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=True),
        sa.Column("redeemed_by", sa.BigInteger(), nullable=True),
        sa.Column("purchase_id", BIG_ID, nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("points >= 0", name=op.f("ck_voucher_points_not_negative")),
        _fk("voucher", "merchant_id", "merchant", "CASCADE"),
        _fk("voucher", "membership_id", "membership", "CASCADE"),
        _fk("voucher", "reward_id", "reward", "CASCADE"),
        _fk("voucher", "purchase_id", "purchase", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher")),
        sa.UniqueConstraint("merchant_id", "code", name=op.f("uq_voucher_merchant_id_code")),
    )
    op.create_index("ix_voucher_membership_id_status", "voucher", ["membership_id", "status"])
    op.create_index("ix_voucher_status_expires_at", "voucher", ["status", "expires_at"])
    op.create_index("ix_voucher_merchant_id_claimed_at", "voucher", ["merchant_id", "claimed_at"])
    op.create_table(
        "stamp_entry",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("membership_id", BIG_ID, nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("stamps_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("purchase_id", BIG_ID, nullable=True),
        sa.Column("voucher_id", BIG_ID, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "stamps_after >= 0", name=op.f("ck_stamp_entry_stamps_after_not_negative")
        ),
        _fk("stamp_entry", "membership_id", "membership", "CASCADE"),
        _fk("stamp_entry", "purchase_id", "purchase", "SET NULL"),
        _fk("stamp_entry", "voucher_id", "voucher", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_entry")),
    )
    op.create_index("ix_stamp_entry_membership_id_id", "stamp_entry", ["membership_id", "id"])
    op.create_index("ix_stamp_entry_purchase_id", "stamp_entry", ["purchase_id"])
    op.create_table(
        "promotion",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("multiplier_pct", sa.SmallInteger(), nullable=False),
        sa.Column("extra_stamps", sa.SmallInteger(), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=True),
        sa.Column("end_minute", sa.SmallInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("min_level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "multiplier_pct >= 100", name=op.f("ck_promotion_multiplier_at_least_one")
        ),
        sa.CheckConstraint(
            "extra_stamps >= 0", name=op.f("ck_promotion_extra_stamps_not_negative")
        ),
        sa.CheckConstraint(
            "weekdays > 0 AND weekdays < 128", name=op.f("ck_promotion_weekdays_mask")
        ),
        _fk("promotion", "merchant_id", "merchant", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion")),
    )
    op.create_index("ix_promotion_merchant_id_ended_at", "promotion", ["merchant_id", "ended_at"])
    with op.batch_alter_table("merchant", schema=None, recreate="never") as batch_op:
        for column in _merchant_columns():
            batch_op.add_column(column)
    with op.batch_alter_table("membership", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("stamps", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("purchase", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("stamps_earned", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("promotion_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("ledger_entry", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("voucher_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("voucher_id")
    with op.batch_alter_table("purchase", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("promotion_id")
        batch_op.drop_column("stamps_earned")
    with op.batch_alter_table("membership", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("stamps")
    with op.batch_alter_table("merchant", schema=None, recreate="never") as batch_op:
        for column in reversed(_merchant_columns()):
            batch_op.drop_column(column.name)
    op.drop_index("ix_promotion_merchant_id_ended_at", table_name="promotion")
    op.drop_table("promotion")
    op.drop_index("ix_stamp_entry_purchase_id", table_name="stamp_entry")
    op.drop_index("ix_stamp_entry_membership_id_id", table_name="stamp_entry")
    op.drop_table("stamp_entry")
    op.drop_index("ix_voucher_merchant_id_claimed_at", table_name="voucher")
    op.drop_index("ix_voucher_status_expires_at", table_name="voucher")
    op.drop_index("ix_voucher_membership_id_status", table_name="voucher")
    op.drop_table("voucher")
    op.drop_index("ix_reward_merchant_id_archived_at", table_name="reward")
    op.drop_table("reward")
