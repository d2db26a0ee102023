"""the live chat: members' drafts and the messages between members and staff

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.base import UtcDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chat_draft",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("membership_id", BIG_ID, nullable=False),
        sa.Column("source_message_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_chat_draft_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_draft")),
        sa.UniqueConstraint("membership_id", name=op.f("uq_chat_draft_membership_id")),
    )
    op.create_table(
        "chat_message",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", BIG_ID, nullable=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("staff_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_to_id", BIG_ID, nullable=True),
        sa.Column("purchase_id", BIG_ID, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_chat_message_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_chat_message_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["chat_message.id"],
            name=op.f("fk_chat_message_reply_to_id_chat_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchase.id"],
            name=op.f("fk_chat_message_purchase_id_purchase"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message")),
    )
    op.create_index(
        "ix_chat_message_merchant_id_answered_at", "chat_message", ["merchant_id", "answered_at"]
    )
    op.create_index(
        "ix_chat_message_membership_id_created_at",
        "chat_message",
        ["membership_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_chat_message_membership_id_created_at", table_name="chat_message")
    op.drop_index("ix_chat_message_merchant_id_answered_at", table_name="chat_message")
    op.drop_table("chat_message")
    op.drop_table("chat_draft")
