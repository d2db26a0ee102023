"""Triggers that raise merchant.program_version on every change of a merchant row or of its
levels, whoever writes them: this process, another one, an operator's SQL. A process keeps a
copy of each program (services/program.py) and reads it again when the version moved.

Any UPDATE of the merchant row counts, also of its lockout times: a needless re-read now and
then is cheaper than a list of columns that a new setting could be left out of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, event

from db.models.merchants import Level, Merchant

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


def statements(dialect: str) -> tuple[str, ...]:
    """The DDL that installs the triggers on this dialect (none on others)."""
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ())


def _install(table: Any, statements_of: dict[str, tuple[str, ...]]) -> None:
    for dialect, sqls in statements_of.items():
        for sql in sqls:
            ddl = DDL(sql)  # type: ignore[no-untyped-call]
            event.listen(table, "after_create", ddl.execute_if(dialect=dialect))


# create_all (tests, a fresh database) gets them like the migration does; the level triggers
# come after the level table, the merchant ones after the merchant table.
_install(Merchant.__table__, {"sqlite": SQLITE[:1], "postgresql": POSTGRESQL[:2]})
_install(Level.__table__, {"sqlite": SQLITE[1:], "postgresql": POSTGRESQL[2:]})
