"""The commands when PostgreSQL or Redis is down or misnamed: a few tries, each logged on one
line, then one line and exit code 2, never the password, never a traceback. And what `web`
and `set-webhook` need before they start."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from tests.telegram import TEST_TOKEN
from tests.test_cli import ROOT, run

PASSWORD = "pa55word-not-to-print"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run("-m", "bot", *args, cwd=cwd, env={"PYTHONPATH": str(ROOT), **env})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with code 2 and one line on stderr (after any log lines)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("loyalty-bot: ")
    return last


def test_postgresql_down_is_one_line(tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql+asyncpg://bot:{PASSWORD}@127.0.0.1:{port}/loyalty"
    result = cli("migrate", cwd=tmp_path, DATABASE_URL=url, SERVICES_WAIT_SECONDS="0")
    assert result.stderr.strip() == (
        f"loyalty-bot: PostgreSQL at 127.0.0.1:{port} is unreachable: connection refused"
    )
    one_line_error(result)


def test_each_try_is_one_json_log_line(tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql+asyncpg://bot:{PASSWORD}@127.0.0.1:{port}/loyalty"
    env = {"DATABASE_URL": url, "SERVICES_WAIT_SECONDS": "0.15", "LOG_FORMAT": "json"}
    result = cli("migrate", cwd=tmp_path, **env)
    one_line_error(result)
    *logged, _last = result.stderr.strip().splitlines()
    records = [json.loads(line) for line in logged]
    assert [r["message"].split("(")[-1] for r in records] == [
        f"try {n} of 5, next in 0 s)" for n in range(1, 5)
    ]
    for record in records:
        assert set(record) == {"time", "level", "logger", "message"}
        assert record["level"] == "WARNING" and record["logger"] == "bot.connect"
        assert record["message"].startswith(f"PostgreSQL at 127.0.0.1:{port} is unreachable")


def test_a_malformed_database_url_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://bot:{PASSWORD}@db:notaport/loyalty"
    result = cli("migrate", cwd=tmp_path, DATABASE_URL=url)
    assert "DATABASE_URL is malformed" in one_line_error(result)
    result = cli("migrate", cwd=tmp_path, DATABASE_URL=f"postgres://bot:{PASSWORD}@db/loyalty")
    assert "must start with sqlite+aiosqlite:// or postgresql+asyncpg://" in one_line_error(result)


def test_redis_down_stops_run_at_start(tmp_path: Path) -> None:
    port = closed_port()
    redis = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    env = {"BOT_TOKEN": TEST_TOKEN, "REDIS_URL": redis, "SERVICES_WAIT_SECONDS": "0"}
    result = cli("run", cwd=tmp_path, **env)
    assert one_line_error(result) == (
        f"loyalty-bot: Redis at 127.0.0.1:{port} is unreachable: connection refused"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "loyalty-bot web needs PostgreSQL"),
        ({"DATABASE_URL": f"postgresql+asyncpg://bot:{PASSWORD}@db/x"}, "needs Redis"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://db/x", "REDIS_URL": "redis://cache:6379/0"},
            "WEBHOOK_SECRET is not set",
        ),
    ],
)
def test_web_says_what_it_needs(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = cli("web", cwd=tmp_path, BOT_TOKEN=TEST_TOKEN, **env)
    assert expected in one_line_error(result)
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_set_webhook_needs_https(tmp_path: Path) -> None:
    env = {
        "BOT_TOKEN": TEST_TOKEN,
        "DATABASE_URL": "postgresql+asyncpg://db/x",
        "REDIS_URL": "redis://cache:6379/0",
        "WEBHOOK_SECRET": "abc",
    }
    result = cli("set-webhook", "http://bot.example.org/webhook", cwd=tmp_path, **env)
    assert "the webhook URL must start with https://" in one_line_error(result)


def test_backup_makes_a_new_file_and_never_overwrites(tmp_path: Path) -> None:
    assert cli("migrate", cwd=tmp_path).returncode == 0
    copied = cli("backup", "copy.sqlite3", cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout.startswith("database copied to copy.sqlite3 (")
    assert "keep data/marker.key with it" in copied.stdout
    again = cli("backup", "copy.sqlite3", cwd=tmp_path)
    assert one_line_error(again) == "loyalty-bot: copy.sqlite3 exists already: name a new file"
    on_postgres = cli("backup", "x.dump", cwd=tmp_path, DATABASE_URL="postgresql+asyncpg://db/x")
    assert "back it up with pg_dump" in one_line_error(on_postgres)
