"""`loyalty-bot`: run, migrate. Only the commands that run the bot import aiogram (~7 s)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings, SettingsError, load_settings

USAGE = "loyalty-bot"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=USAGE,
        description="Loyalty Bot: a loyalty program in Telegram. "
        "Settings come from the environment or a .env file (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="apply migrations, then run the bot (long polling)")
    sub.add_parser("migrate", help="apply database migrations up to the latest")
    sub.add_parser("worker", help="send queued messages (run one when IN_PROCESS_WORKER=false)")
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiogram logs a line per update at INFO: about 30 % of dispatcher throughput.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


def cmd_migrate(settings: Settings) -> int:
    from bot.db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def cmd_run(settings: Settings) -> int:
    settings.require_token()  # fail fast, before the slow imports
    from bot.db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.runner import run_polling

    asyncio.run(run_polling(settings))
    return 0


def cmd_worker(settings: Settings) -> int:
    settings.require_token()
    from bot.db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.runner import run_worker

    asyncio.run(run_worker(settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "migrate":
            return cmd_migrate(settings)
        if args.command == "worker":
            return cmd_worker(settings)
        return cmd_run(settings)
    except SettingsError as error:
        print(f"{USAGE}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
