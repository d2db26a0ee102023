"""Portable SQL pieces: one construct, compiled for each dialect we support."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class epoch(FunctionElement[int]):
    """Whole seconds since 1970 of a UTC timestamp column, so reports can subtract times and
    cut them into buckets with plain integer arithmetic on SQLite and PostgreSQL alike."""

    type = BigInteger()
    name = "epoch"
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # UtcDateTime stores UTC without an offset, which strftime reads as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # FLOOR, as SQLite truncates fractions of a second: both give the same whole second.
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"
