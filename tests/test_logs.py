"""LOG_FORMAT=json: each record one line of JSON, a traceback included as one string."""

from __future__ import annotations

import json
import logging
import sys

from bot.logs import JsonFormatter


def record(message: str, *args: object, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord("bot.web", logging.ERROR, __file__, 1, message, args, exc_info)


def test_a_record_is_one_line_of_json() -> None:
    line = JsonFormatter().format(record("update %s failed: %s", 42, "RuntimeError"))
    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "update 42 failed: RuntimeError"
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.web"
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_one_string_field() -> None:
    try:
        raise ValueError("kaputt\nover two lines")
    except ValueError:
        error = sys.exc_info()[1]
    assert error is not None
    line = JsonFormatter().format(record("café closed", error=error))
    assert len(line.splitlines()) == 1
    entry = json.loads(line)
    assert entry["message"] == "café closed"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: kaputt\nover two lines")
