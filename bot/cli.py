"""`loyalty-bot`: run, migrate, worker, demo-data, rebuild-summaries. Only the commands that
run the bot import aiogram (~7 s)."""

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
    demo = sub.add_parser(
        "demo-data",
        help="fill the default merchant with a demo program: members, purchases, ratings...",
        description="Apply migrations, then add demo members and months of their activity to "
        "the default merchant, to see the reports before going live or to benchmark them.",
    )
    demo.add_argument("--members", type=_positive, default=2000, help="default: 2000")
    demo.add_argument("--months", type=_months, default=12, help="1 to 120; default: 12")
    demo.add_argument("--seed", type=int, default=1, help="same seed, same data; default: 1")
    demo.add_argument(
        "--force", action="store_true", help="add to a merchant that already has members"
    )
    rebuild = sub.add_parser(
        "rebuild-summaries",
        help="count the report summaries again from the purchases and the ledger",
        description="Apply migrations, then write the report summaries (per member, per hour) "
        "again from the purchases and the ledger, and check them against a recount. With "
        "--check, only compare: list the differences and exit 1 if there are any.",
    )
    rebuild.add_argument(
        "--check", action="store_true", help="compare only, write nothing; exit 1 on a difference"
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _months(text: str) -> int:
    value = _positive(text)
    if value > 120:
        raise argparse.ArgumentTypeError("at most 120 months")
    return value


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiogram logs a line per update at INFO: about 30 % of dispatcher throughput.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


def cmd_migrate(settings: Settings) -> int:
    from db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def cmd_run(settings: Settings) -> int:
    settings.require_token()  # fail fast, before the slow imports
    from db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.runner import run_polling

    asyncio.run(run_polling(settings))
    return 0


def cmd_worker(settings: Settings) -> int:
    settings.require_token()
    from db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.runner import run_worker

    asyncio.run(run_worker(settings))
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.demo_data import demo_for_default_merchant
    from demo.generator import ProgramNotEmpty

    try:
        s = asyncio.run(
            demo_for_default_merchant(
                settings,
                members=args.members,
                months=args.months,
                seed=args.seed,
                force=args.force,
            )
        )
    except ProgramNotEmpty as refused:
        print(
            f"{USAGE}: merchant {refused.slug!r} already has {refused.members} members; "
            "demo data would mix with them (use --force to add it anyway)",
            file=sys.stderr,
        )
        return 2
    print(f"demo data for merchant {settings.merchant_slug!r}, {s.first_day} to {s.last_day}:")
    print(
        f"members {s.members} (erased {s.erased}), purchases {s.purchases}, "
        f"refunds {s.refunds}, ratings {s.ratings}, NPS answers {s.nps_answers}"
    )
    print(
        f"ledger entries {s.ledger_entries}, birthday bonuses {s.birthday_bonuses}, "
        f"campaigns {s.campaigns} ({s.pushes} pushes sent), cart reminders {s.cart_reminders}, "
        f"pre-orders {s.preorders}, outbox rows {s.outbox}"
    )
    print(f"took {s.seconds:.1f} s")
    return 0


def cmd_rebuild_summaries(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings.ensure_sqlite_dir()
    upgrade(settings.database_url)
    from bot.summaries import rebuild_summaries

    return asyncio.run(rebuild_summaries(settings, check=args.check))


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
        if args.command == "demo-data":
            return cmd_demo_data(settings, args)
        if args.command == "rebuild-summaries":
            return cmd_rebuild_summaries(settings, args)
        return cmd_run(settings)
    except SettingsError as error:
        print(f"{USAGE}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
