"""The key of the pseudonymous markers (services/grants.py): from MARKER_KEY, else from a
file outside the database, created on the first run.

The key must not live in the database: with it, a marker is a Telegram id away from being
recognised; without it, a copy of the database says nothing about who left. Several processes
(bot, worker) on different machines must share one key: set MARKER_KEY to the file's content.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from bot.config import Settings, SettingsError

MIN_KEY_CHARS = 32


def marker_key(settings: Settings) -> bytes:
    """MARKER_KEY, or the key in MARKER_KEY_FILE (created once, readable by this user only)."""
    text = settings.marker_key.get_secret_value().strip() if settings.marker_key else ""
    if text:  # MARKER_KEY= (empty, as in .env.example) means unset
        if len(text) < MIN_KEY_CHARS:
            raise SettingsError(f"MARKER_KEY must be at least {MIN_KEY_CHARS} characters")
        return text.encode()
    return _key_file(Path(settings.marker_key_file))


def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_KEY_CHARS:
        raise SettingsError(f"{path} does not hold a marker key; restore it from a backup")
    return text.encode()


def _create(path: Path) -> None:
    """Write a fresh key to a private temporary file, then link it into place: a process
    starting at the same moment either wins the link or reads the winner's complete file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_bytes(32).hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
