"""`loyalty-bot`: run, web, worker, migrate, set-webhook, delete-webhook, backup, demo-data,
rebuild-summaries. Only the commands that talk to Telegram import aiogram (~7 s)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings, SettingsError, check_webhook_url, load_settings
from bot.logs import configure_logging

USAGE = "loyalty-bot"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=USAGE,
        description="Loyalty Bot: a loyalty program in Telegram. "
        "Settings come from the environment or a .env file (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="apply migrations, then run the bot (long polling)")
    sub.add_parser(
        "web",
        help="apply migrations, then serve Telegram's webhook, /healthz and /metrics "
        "(one of several replicas; needs PostgreSQL and Redis)",
    )
    sub.add_parser("migrate", help="apply database migrations up to the latest")
    sub.add_parser("worker", help="send queued messages (run one when IN_PROCESS_WORKER=false)")
    hook = sub.add_parser(
        "set-webhook",
        help="have Telegram send updates to URL (once per deployment, and after an upgrade)",
        description="Register the webhook (its secret, the update types the bot handles, "
        "WEBHOOK_MAX_CONNECTIONS), the command menu and the bot's description.",
    )
    hook.add_argument("url", help="https://your.domain/webhook: the reverse proxy's address")
    unhook = sub.add_parser(
        "delete-webhook", help="stop the webhook, so that `loyalty-bot run` can poll again"
    )
    for command in (hook, unhook):
        command.add_argument(
            "--drop-pending-updates", action="store_true", help="forget updates not yet taken"
        )
    copy = sub.add_parser(
        "backup",
        help="copy the SQLite database to PATH while the bot runs",
        description="A consistent copy of the SQLite database (VACUUM INTO), taken while the "
        "bot runs; PATH must not exist. Keep MARKER_KEY_FILE with it.",
    )
    copy.add_argument("path", type=Path)
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


def prepare(settings: Settings, *, redis: bool = False) -> None:
    """What a command that uses the database does first: wait for PostgreSQL (and Redis) to
    answer, then bring the schema up to date."""
    from bot.connect import wait_for_services

    settings.ensure_sqlite_dir()
    asyncio.run(wait_for_services(settings, redis=redis))
    from db.migrate import upgrade  # alembic logs as it is imported: after the waiting

    upgrade(settings.database_url)


def cmd_migrate(settings: Settings) -> int:
    prepare(settings)
    print("database is up to date")
    return 0


def cmd_run(settings: Settings) -> int:
    settings.require_token()  # fail fast, before the slow imports
    prepare(settings, redis=True)
    from bot.runner import run_polling
    from bot.webhook import refuse_if_webhook

    asyncio.run(refuse_if_webhook(settings))
    asyncio.run(run_polling(settings))
    return 0


def cmd_web(settings: Settings) -> int:
    settings.require_token()
    settings.require_webhook_mode()
    prepare(settings, redis=True)
    from bot.web import serve_webhook

    asyncio.run(serve_webhook(settings))
    return 0


def cmd_worker(settings: Settings) -> int:
    settings.require_token()
    prepare(settings)
    from bot.runner import run_worker

    asyncio.run(run_worker(settings))
    return 0


def cmd_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_token()
    settings.require_webhook_mode()
    check_webhook_url(args.url)
    prepare(settings)
    from bot.web import default_merchant
    from bot.webhook import set_webhook
    from db.engine import create_engine, create_session_factory

    async def register() -> str:
        engine = create_engine(settings.database_url)
        try:
            merchant = await default_merchant(settings, create_session_factory(engine))
        finally:
            await engine.dispose()
        return await set_webhook(
            settings, args.url, merchant.name, drop_pending=args.drop_pending_updates
        )

    print(asyncio.run(register()))
    return 0


def cmd_delete_webhook(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_token()
    from bot.webhook import delete_webhook

    print(asyncio.run(delete_webhook(settings, drop_pending=args.drop_pending_updates)))
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from db.backup import BackupRefused, backup

    try:
        size = backup(settings.database_url, args.path)
    except BackupRefused as refused:
        print(f"{USAGE}: {refused}", file=sys.stderr)
        return 2
    key = "" if settings.marker_key else f"; keep {settings.marker_key_file} with it"
    print(f"database copied to {args.path} ({size / 1e6:.1f} MB){key}")
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    prepare(settings)
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
    prepare(settings)
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
        configure_logging(settings.log_level, settings.log_format)
        plain = {"run": cmd_run, "web": cmd_web, "migrate": cmd_migrate, "worker": cmd_worker}
        if args.command in plain:
            return plain[args.command](settings)
        with_args = {
            "set-webhook": cmd_set_webhook,
            "delete-webhook": cmd_delete_webhook,
            "backup": cmd_backup,
            "demo-data": cmd_demo_data,
            "rebuild-summaries": cmd_rebuild_summaries,
        }
        return with_args[args.command](settings, args)
    except SettingsError as error:
        print(f"{USAGE}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
