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
from pathlib import Path


def port(argv: list[str]) -> str | None:
    if "web" in argv:
        return os.environ.get("WEB_PORT") or "8080"
    if "worker" in argv:
        return os.environ.get("WORKER_PORT") or "8081"
    return None


def main() -> int:
    argv = Path("/proc/1/cmdline").read_bytes().decode(errors="replace").split("\0")
    number = port(argv)
    if number is None or number == "0":  # nothing to ask (WORKER_PORT=0 turns it off)
        return 0
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{number}/healthz", timeout=4) as reply:
            return 0 if reply.status == 200 else 1
    except OSError as error:  # refused, timed out, or 503 (HTTPError)
        print(f"healthz: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
