"""The image's HEALTHCHECK (python:slim has no curl): GET /healthz of the process the container
runs, 200 healthy, anything else or no answer unhealthy.

`loyalty-bot web` answers on WEB_PORT (8080), `loyalty-bot worker` on WORKER_PORT (8081).
`loyalty-bot run` polls and serves no HTTP: it is healthy while it runs, which Docker already
sees. The command is read from PID 1, so one image serves every role without a setting.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


def health_url(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    """Where the command `argv` answers /healthz; None when it serves no HTTP."""
    if "web" in argv:
        port = env.get("WEB_PORT") or "8080"
    elif "worker" in argv:
        port = env.get("WORKER_PORT") or "8081"
    else:
        return None
    return None if port == "0" else f"http://127.0.0.1:{port}/healthz"  # WORKER_PORT=0: off


def check(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """The exit status Docker reads: 0 healthy, 1 not."""
    url = health_url(argv, env)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as reply:
            return 0 if reply.status == 200 else 1
    except OSError as error:  # refused, timed out, or 503 (HTTPError)
        print(f"healthz: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    pid1 = Path("/proc/1/cmdline").read_bytes().decode(errors="replace").split("\0")
    sys.exit(check(pid1, os.environ))
