"""The Docker image's HEALTHCHECK (deploy/healthcheck.py): it asks /healthz of the role the
container runs, and only a 200 is healthy."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent


def healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy/healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_role_is_asked_on_its_own_port() -> None:
    h = healthcheck()
    tini = ["/sbin/docker-init", "--", "loyalty-bot", "web"]  # compose's init: true
    assert h.health_url(tini, {}) == "http://127.0.0.1:8080/healthz"
    assert h.health_url(["python", "/usr/local/bin/loyalty-bot", "web"], {"WEB_PORT": "9000"})
    assert h.health_url(["loyalty-bot", "worker"], {}) == "http://127.0.0.1:8081/healthz"
    assert h.health_url(["loyalty-bot", "worker"], {"WORKER_PORT": "0"}) is None
    assert h.health_url(["loyalty-bot", "run"], {}) is None  # polling: no HTTP to ask
    assert h.check(["loyalty-bot", "run"], {}) == 0


async def test_only_a_200_is_healthy() -> None:
    status = 200

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok" if status == 200 else "down"}, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = str(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    h = healthcheck()
    try:
        web_role = ["loyalty-bot", "web"]
        assert await asyncio.to_thread(h.check, web_role, {"WEB_PORT": port}) == 0
        status = 503  # the database or Redis does not answer
        assert await asyncio.to_thread(h.check, web_role, {"WEB_PORT": port}) == 1
    finally:
        await runner.cleanup()
    # Nobody listens any more: unhealthy, not an exception.
    assert await asyncio.to_thread(h.check, ["loyalty-bot", "web"], {"WEB_PORT": port}) == 1
