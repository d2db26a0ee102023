"""GET /healthz and GET /metrics, for the web replicas and the worker.

/healthz asks the database (`SELECT 1`) and Redis (PING) at once, each within a short timeout:
200 when both answer, 503 naming the one that did not, so a load balancer or Docker takes a
replica that cannot serve out of rotation. It does not ask Telegram: a Bot API outage would
take every replica out at once, and they could do nothing about it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.connect import ping_database, ping_redis, reason
from bot.metrics import CONTENT_TYPE, Metrics

HEALTH_SECONDS = 2.0  # per check: well inside a healthcheck's own timeout


async def health(engine: AsyncEngine, redis: Any | None) -> tuple[int, dict[str, str]]:
    """(HTTP status, body): each service "ok" or "down: <reason>"; Redis only when used."""
    checks: dict[str, Awaitable[None]] = {"database": ping_database(engine, HEALTH_SECONDS)}
    if redis is not None:
        checks["redis"] = ping_redis(redis, HEALTH_SECONDS)
    results = await asyncio.gather(*checks.values(), return_exceptions=True)
    body = {
        name: "ok" if result is None else f"down: {reason(result, HEALTH_SECONDS)}"
        for name, result in zip(checks, results, strict=True)
    }
    healthy = all(state == "ok" for state in body.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "down", **body}


def add_ops_routes(
    app: web.Application, engine: AsyncEngine, redis: Any | None, metrics: Metrics
) -> None:
    """/healthz and /metrics on `app`. `redis`: a redis.asyncio client, or None."""

    async def healthz(_request: web.Request) -> web.Response:
        status, body = await health(engine, redis)
        return web.json_response(body, status=status)

    async def metrics_text(_request: web.Request) -> web.Response:
        body = await metrics.render(engine)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_text)
