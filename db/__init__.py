"""The database layer; nothing here commits but the use cases' transactions.

base.py          the declarative base, its naming convention, column types (UTC, StrEnum states)
models/          the tables, one module per aggregate, all importable from db.models
repositories/    the queries, one module per aggregate, all importable from db.repositories
reports/         the reports' aggregations (ReportRepo) and the CSV exports' queries (ExportRepo)
engine.py        engines and sessions per backend; read-only transactions for reports
once.py          every Telegram update is handled at most once
sql.py           portable SQL pieces (epoch seconds on SQLite and PostgreSQL)
migrate.py       Alembic driven from code; migrations/ holds the revisions
"""
