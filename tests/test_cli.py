"""The command line: fast help, clear errors, migrations without aiogram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def cli_without_aiogram(args: list[str], cwd: Path) -> str:
    """`bot.cli.main(args)` in a fresh interpreter in `cwd`: it exits 0 and never imports
    aiogram; returns what it printed."""
    result = run(
        "-c",
        f"import sys; from bot.cli import main; rc = main({args!r}); "
        "print('aiogram' in sys.modules); sys.exit(rc)",
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    return result.stdout


def test_help_lists_commands_without_importing_aiogram() -> None:
    probe = run(
        "-c", "import sys, bot.cli; bot.cli.build_parser(); print('aiogram' in sys.modules)"
    )
    assert probe.stdout.strip() == "False"
    result = run("-m", "bot", "--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "migrate" in result.stdout


def test_missing_token_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run("-m", "bot", "run", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_TOKEN is not set" in result.stderr and "Traceback" not in result.stderr


def test_malformed_token_is_refused(tmp_path: Path) -> None:
    result = run(
        "-m", "bot", "run", cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "BOT_TOKEN": "nope"}
    )
    assert result.returncode == 2 and "BOT_TOKEN is malformed" in result.stderr


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = run(
        "-m",
        "bot",
        "migrate",
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "MERCHANT_TIMEZONE": "Mars/Olympus"},
    )
    assert result.returncode == 2 and "MERCHANT_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_sqlite_file_under_data(tmp_path: Path) -> None:
    cli_without_aiogram(["migrate"], tmp_path)
    assert (tmp_path / "data" / "loyalty.sqlite3").exists()


def test_env_example_copied_to_env_works(tmp_path: Path) -> None:
    """A newcomer copies .env.example to .env and fills in the token: the empty settings in it
    mean "the default", and the bot's settings load."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    token = "123456789:" + "A" * 35
    (tmp_path / ".env").write_text(
        example.replace("\nBOT_TOKEN=\n", f"\nBOT_TOKEN={token}\n"), encoding="utf-8"
    )
    code = (
        "from bot.config import load_settings; s = load_settings(); "
        f"print(s.require_token() == {token!r}, s.owner_ids, s.receipt_required, "
        "s.birthday_hour)"
    )
    result = run("-c", code, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "()", "None", "None"]
