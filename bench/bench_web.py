"""Webhook replicas over HTTP (issue 13): updates a second that one and two `loyalty-bot web`
replicas answer, against a bare aiogram dispatcher behind aiohttp's webhook handler.

    python -m bench.bench_web [--updates N] [--users U] [--concurrency C] [--rounds R]
                              [--command /card]

Every server is a process of its own: `loyalty-bot web` (the production dispatcher, FSM in
Redis, PostgreSQL in a database of the bench's own made by scripts/pg_database.py), and for the
bare figure `python -m bench.bench_web serve-bare`: aiogram's SimpleRequestHandler, as
production's (the secret checked, handle_in_background=False: answered after handling), over a
Dispatcher with one handler that answers "ok". The Bot API is tests/fake_bot_api.py in this
process, answering at once.

`loyalty-bot migrate` runs first, then the three servers start at once. U members join
through the first replica (untimed), each server gets 200 untimed updates; then, R rounds over
(bare, one replica, two replicas, so a change in the machine's load falls on all three), N
updates (the command, from the U members in turn) are POSTed by C clients at once, each
waiting for its answer before it posts the next; with two replicas they go to each in turn.
Each update must be answered 200 with one message to its chat from the server it went to (the
card for /card, "ok" for the bare one), or the bench exits 1. Reported: updates a second,
the HTTP round trip (p50, p99), and the CPU seconds in the timed phase of each server, of this
process (the clients and the fake Bot API), of the machine's PostgreSQL and Redis processes,
and what the rest of the machine used meanwhile (others' work on a shared machine, and the
PostgreSQL backends that ended within the phase, whose time left with them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bench.bench_dispatcher import Result, print_table
from bench.common import bench_settings, start
from tests.fake_bot_api import FakeBotApi
from tests.replicas import (
    BotProcess,
    WebhookUser,
    deployment_env,
    forget_keys,
    pg_database,
    redis_problem,
    run_command,
)

REDIS_DB = 12  # the bench's own; its keys are deleted at the end
FIRST_USER = 7_200_000_000
WARMUP = 200
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: Sequence[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process used so far."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings; a process that ended meanwhile took its time along,
    one that started counts from zero."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def machine_busy() -> float:
    """CPU seconds all the machine's cores were busy so far (/proc/stat, idle and iowait out)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICK


def pids_named(name: str) -> list[int]:
    """The machine's processes called `name` (PostgreSQL's: the server and its backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class Spy:
    """py-spy sampling one server process from outside (it serves over HTTP, so cProfile in
    this process would see none of its work): own time by package and by function."""

    def __init__(self, pid: int, folder: Path) -> None:
        self.pid, self.path = pid, folder / f"py-spy-{pid}.txt"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.proc = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(self.pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--full-filenames",
            "--output",
            str(self.path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)  # attached before the clock starts

    async def stop(self, top: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
        await self.proc.wait()
        by_package: dict[str, int] = {}
        by_function: dict[str, int] = {}
        callers: dict[str, dict[str, int]] = {}
        for line in self.path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = [frame_name(f) for f in stack.split(";")]  # "function (file.py:123)"
            file = stack.rsplit(";", 1)[-1].partition(" (")[2].rsplit(":", 1)[0]
            n = int(count)
            by_package[package(file)] = by_package.get(package(file), 0) + n
            by_function[frames[-1]] = by_function.get(frames[-1], 0) + n
            # The caller that is not the event loop's own machinery says what the time was for.
            outer = next((f for f in reversed(frames[:-1]) if "asyncio" not in f), "")
            into = callers.setdefault(frames[-1], {})
            into[outer] = into.get(outer, 0) + n
        total = sum(by_package.values()) or 1
        print(f"--- py-spy of one replica in its timed phase: {total} samples of busy time ---")
        for title, table in (("package", by_package), ("function", by_function)):
            print(f"own time by {title}:")
            for key, n in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
                print(f"  {n / total:6.1%}  {key}")
        for key, _n in sorted(by_function.items(), key=lambda kv: -kv[1])[:3]:
            print(f"{key}, called for:")
            for caller, n in sorted(callers[key].items(), key=lambda kv: -kv[1])[:5]:
                print(f"  {n / total:6.1%}  {caller}")


def frame_name(frame: str) -> str:
    """ "write (/x/asyncio/selector_events.py:1071)" -> "write (asyncio/selector_events.py)"."""
    function, _, where = frame.partition(" (")
    path = Path(where.rsplit(":", 1)[0])
    return f"{function} ({'/'.join(path.parts[-2:])})"


def package(file: str) -> str:
    """site-packages/aiogram/... -> aiogram; the project's files by top folder."""
    parts = Path(file).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for top in ("bot", "handlers", "services", "db"):
        if top in parts:
            return f"project: {top}"
    return "stdlib: " + (
        parts[-2] if len(parts) > 1 and parts[-2] == "asyncio" else Path(file).stem
    )


class Bench:
    def __init__(self, args: argparse.Namespace, folder: Path, database_url: str) -> None:
        self.args, self.folder, self.database_url = args, folder, database_url
        self.api = FakeBotApi()
        self.secret = "bench-" + secrets.token_hex(16)
        self.redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        self.first = FIRST_USER + secrets.randbelow(10_000_000)
        self.processes: list[BotProcess] = []
        self.client: aiohttp.ClientSession | None = None
        self.users: list[WebhookUser] = []

    def env(self, name: str, command: str = "web") -> dict[str, str]:
        return deployment_env(
            self.api,
            name,
            command,
            database_url=self.database_url,
            redis_url=self.redis_url,
            secret=self.secret,
            merchant_name="Bench Café",
            merchant_currency="EUR",
            merchant_timezone="Europe/Berlin",
        )

    def server(self, name: str, command: str = "web", module: str = "bot") -> BotProcess:
        process = BotProcess(name, command, self.env(name, command), self.folder, module)
        self.processes.append(process)
        return process

    async def join(self, server: BotProcess) -> None:
        """Untimed: the U users join (no news), eight at a time."""
        assert self.client is not None
        self.users = [
            WebhookUser(self.api, self.client, self.secret, self.first + k, f"User{k}")
            for k in range(self.args.users)
        ]

        async def one(user: WebhookUser) -> None:
            rules = await user.send(server, "/start")
            joined = await user.press(server, rules.button("✅"))
            if joined.toasts != ["Welcome!"]:
                raise SystemExit(f"warm-up: user {user.id} did not join: {joined.toasts}")
            await user.press(server, "mk:1:0:join")

        for k in range(0, len(self.users), 8):
            await asyncio.gather(*(one(u) for u in self.users[k : k + 8]))

    async def load(
        self, name: str, servers: Sequence[BotProcess], n: int, expect: str, timed: bool = True
    ) -> Result:
        """N updates by C clients, to `servers` in turn; checked, timed, CPU counted."""
        command = self.args.command
        updates = [(servers[i % len(servers)], self.users[i % len(self.users)]) for i in range(n)]
        latencies = [0.0] * n
        failures: list[str] = []
        before = len(self.api.calls)
        queue = iter(range(n))

        async def client() -> None:
            for i in queue:
                server, user = updates[i]
                t0 = time.perf_counter()
                status = await user.post(server, user.message(command), self.secret)
                latencies[i] = time.perf_counter() - t0
                if status != 200:
                    failures.append(f"update {i} to {server.name}: HTTP {status}")

        pids = [s.pid for s in servers]
        cpu0, own0, pg0 = cpu_of(pids), time.process_time(), cpu_of(pids_named("postgres"))
        redis0 = cpu_of(pids_named("redis-server"))
        busy0, t0 = machine_busy(), time.perf_counter()
        await asyncio.gather(*(client() for _ in range(self.args.concurrency)))
        seconds = time.perf_counter() - t0
        busy, own = machine_busy() - busy0, time.process_time() - own0
        cpu, pg = used(cpu0, cpu_of(pids)), used(pg0, cpu_of(pids_named("postgres")))
        redis = used(redis0, cpu_of(pids_named("redis-server")))
        rest = busy - cpu - own - pg - redis
        sent = [
            c
            for c in self.api.calls[before:]
            if c.method == "sendMessage" and c.via in {s.name for s in servers}
        ]
        wrong = [c.text[:60] for c in sent if expect not in c.text]
        if failures or wrong or len(sent) != n:
            raise SystemExit(
                f"{name}: {len(sent)} answers to {n} updates, {len(wrong)} unexpected "
                f"{wrong[:3]}, {failures[:3]}"
            )
        if timed:
            print(
                f"{name}: CPU in the timed phase: servers {cpu:.1f} s "
                f"({cpu / seconds:.0%} of one core), this process (clients, fake Bot API) "
                f"{own:.1f} s ({own / seconds:.0%}), PostgreSQL {pg:.1f} s ({pg / seconds:.0%}), "
                f"Redis {redis:.1f} s ({redis / seconds:.0%}), the rest of the machine "
                f"{rest:.1f} s ({rest / seconds:.0%}: other work, and PostgreSQL backends that "
                "ended meanwhile)"
            )
        return Result(name, n, seconds, latencies, len(sent), cpu)

    async def run(self) -> list[Result]:
        args = self.args
        card = "loyalty card" if args.command == "/card" else ""
        self.client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.concurrency * 2),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        try:
            # Importing aiogram takes seconds: the three start at once.
            servers = [
                self.server("bare", "serve-bare", module="bench.bench_web"),
                self.server("web1"),
                self.server("web2"),
            ]
            for server in servers:
                await server.start()
            for server in servers:
                await server.healthy(self.client, within=120)
            bare, web1, web2 = servers
            t0 = time.perf_counter()
            await self.join(web1)
            print(f"warm-up: {args.users} members joined, {time.perf_counter() - t0:.1f} s")
            await self.load("warm", [bare], WARMUP, "ok", timed=False)
            await self.load("warm", [web1], WARMUP, card, timed=False)
            await self.load("warm", [web2], WARMUP, card, timed=False)
            results = []
            # Rounds in turn, so a change in the machine's load falls on every scenario.
            for r in range(1, args.rounds + 1):
                results.append(
                    await self.load(f"bare (one reply) #{r}", [bare], args.updates, "ok")
                )
                spy = Spy(web1.pid, self.folder) if args.profile and r == 1 else None
                if spy is not None:
                    await spy.start()
                results.append(await self.load(f"one replica #{r}", [web1], args.updates, card))
                if spy is not None:
                    await spy.stop(args.profile)
                results.append(
                    await self.load(f"two replicas #{r}", [web1, web2], args.updates, card)
                )
            return results
        finally:
            await asyncio.gather(*(p.stop(grace=10) for p in self.processes))
            await self.client.close()
            await forget_keys(self.redis_url, range(self.first, self.first + args.users))


async def main_async(args: argparse.Namespace) -> int:
    if problem := await redis_problem(f"redis://127.0.0.1:6379/{REDIS_DB}"):
        raise SystemExit(problem)
    database_url = await pg_database("create", args.database)
    if database_url == args.database:
        raise SystemExit(f"PostgreSQL at {args.database} unreachable")
    try:
        with tempfile.TemporaryDirectory(prefix="loyalty-bench-web-") as tmp:
            bench = Bench(args, Path(tmp), database_url)
            await bench.api.start()
            try:
                # Once, before the servers start, as docker-compose.yml's `migrate` step.
                await run_command(["migrate"], bench.env("migrate"), Path(tmp))
                results = await bench.run()
            finally:
                await bench.api.close()
    finally:
        await pg_database("drop", database_url)
    print()
    print_table(results, extra=[("CPU ms/upd", lambda r: f"{r.cpu / r.updates * 1000:.2f}")])
    print()
    for k in range(0, len(results), 3):
        bare, one, two = results[k : k + 3]
        print(
            f"round {k // 3 + 1}: one replica / bare {one.rate / bare.rate:.3f} of the "
            f"throughput, two replicas / bare {two.rate / bare.rate:.3f}, two replicas / one "
            f"{two.rate / one.rate:.2f}x; server CPU per update: bare "
            f"{bare.cpu / bare.updates * 1000:.2f} ms, one replica "
            f"{one.cpu / one.updates * 1000:.2f} ms, two {two.cpu / two.updates * 1000:.2f} ms"
        )
    return 0


def serve_bare() -> None:
    """The bare server: a Dispatcher with one handler that answers "ok", behind the webhook
    handler production uses, on WEB_PORT, with /healthz for the bench to wait on."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    from bench.bench_dispatcher import bare_dispatcher
    from bot.app import create_bot
    from bot.heap import settle

    settings = bench_settings(
        "sqlite+aiosqlite://", telegram_api_url=os.environ["TELEGRAM_API_URL"]
    )
    bot = create_bot(settings)
    dp = bare_dispatcher(reply=True)
    app = web.Application()
    handler = SimpleRequestHandler(
        dp, bot, handle_in_background=False, secret_token=os.environ["WEBHOOK_SECRET"]
    )
    app.router.add_post("/webhook", handler.handle)

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    settle()
    web.run_app(
        app,
        host="127.0.0.1",
        port=int(os.environ["WEB_PORT"]),
        access_log=None,
        print=None,
        handle_signals=True,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000, help="timed updates (default 2000)")
    parser.add_argument("--users", type=int, default=100, help="members (default 100)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="clients posting at once (default 16)"
    )
    parser.add_argument(
        "--command", choices=["/card", "/help"], default="/card", help="what members send"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="bare, one, two replicas, this many times over"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="TOP",
        help="sample the one replica of round 1 with py-spy (pip install py-spy) and print its "
        "TOP packages and functions by own time (figures of that round are then not comparable)",
    )
    parser.add_argument(
        "--database",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server (the bench makes a database of its own there and drops it)",
    )
    args = parser.parse_args(argv)
    if min(args.updates, args.users, args.concurrency, args.rounds) < 1:
        parser.error("--updates, --users, --concurrency and --rounds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else list(argv))[:1] == ["serve-bare"]:
        serve_bare()
        return 0
    args = parse_args(argv)
    start(
        f"updates={args.updates} users={args.users} concurrency={args.concurrency} "
        f"command={args.command} rounds={args.rounds}; servers: bare, one `loyalty-bot web`, two"
    )
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
