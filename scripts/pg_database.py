"""Create or drop a scratch PostgreSQL database for one test run, so parallel runs on one
server do not drop each other's tables. Prints the URL to use; prints the given URL unchanged
when the server can't be reached (the tests then skip with their reason).

    python scripts/pg_database.py create postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python scripts/pg_database.py drop   postgresql+asyncpg://postgres@127.0.0.1:5432/ci_123
"""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def main(action: str, url: str) -> str:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return url
    try:
        if action == "create":
            name = f"loyalty_ci_{os.getpid()}"
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
            return parsed.set(database=name).render_as_string(hide_password=False)
        if parsed.database and parsed.database.startswith("loyalty_ci_"):
            await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        return url
    finally:
        await conn.close()


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], sys.argv[2])))
