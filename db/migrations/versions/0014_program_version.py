"""a version of each merchant's program, raised by the database on every change

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of db/models/program_version.py as it was at this revision: a migration does not
# change when the models do.
SQLITE = (
    """CREATE TRIGGER merchant_program_version AFTER UPDATE ON merchant
    WHEN NEW.program_version = OLD.program_version
    BEGIN UPDATE merchant SET program_version = OLD.program_version + 1 WHERE id = NEW.id; END""",
    *(
        f"""CREATE TRIGGER level_program_version_{what.lower()} AFTER {what} ON level
    BEGIN UPDATE merchant SET program_version = program_version + 1
    WHERE id = {row}.merchant_id; END"""
        for what, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    ),
)
POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION merchant_program_version() RETURNS trigger AS $$
    BEGIN
        IF NEW.program_version = OLD.program_version THEN
            NEW.program_version := OLD.program_version + 1;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER merchant_program_version BEFORE UPDATE ON merchant
    FOR EACH ROW EXECUTE FUNCTION merchant_program_version()""",
    """CREATE OR REPLACE FUNCTION level_program_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE merchant SET program_version = program_version + 1 WHERE id = OLD.merchant_id;
        ELSE
            UPDATE merchant SET program_version = program_version + 1 WHERE id = NEW.merchant_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER level_program_version AFTER INSERT OR UPDATE OR DELETE ON level
    FOR EACH ROW EXECUTE FUNCTION level_program_version()""",
)
DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS merchant_program_version",
        "DROP TRIGGER IF EXISTS level_program_version_insert",
        "DROP TRIGGER IF EXISTS level_program_version_update",
        "DROP TRIGGER IF EXISTS level_program_version_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS merchant_program_version ON merchant",
        "DROP TRIGGER IF EXISTS level_program_version ON level",
        "DROP FUNCTION IF EXISTS merchant_program_version()",
        "DROP FUNCTION IF EXISTS level_program_version()",
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("program_version", sa.Integer(), nullable=False, server_default="1")
        )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ()):
        op.execute(sql)


def downgrade() -> None:
    for sql in DROP.get(op.get_bind().dialect.name, ()):
        op.execute(sql)
    with op.batch_alter_table("merchant", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("program_version")
