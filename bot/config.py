"""Settings, read once in main() from the environment or a .env file and passed down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.policy import LANGUAGES

__all__ = ["LANGUAGES", "Settings", "SettingsError", "load_settings"]
DEFAULT_DB_URL = "sqlite+aiosqlite:///data/loyalty.sqlite3"
DEFAULT_MARKER_KEY_FILE = "data/marker.key"  # next to the default SQLite file
# BotFather tokens look like 123456789:AAH...; the secret part is 35 characters today.
TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,50}$")
# What Telegram accepts as a webhook's secret token.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
DATABASE_URL_HELP = (
    "sqlite+aiosqlite:///data/loyalty.sqlite3 or postgresql+asyncpg://user:password@host:5432/db"
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line, safe to print."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DB_URL
    owner_ids: Annotated[tuple[int, ...], NoDecode] = ()
    telegram_api_url: str | None = None
    redis_url: str | None = None
    default_language: str = "en"
    merchant_name: str = "My Café"
    merchant_slug: str = "main"
    merchant_currency: str = "EUR"
    merchant_timezone: str = "Europe/Berlin"
    code_ttl_seconds: int = Field(default=600, ge=60, le=86_400)
    rules_version: int = Field(default=1, ge=1)
    # The default merchant's program, in its currency; unset keeps what the database has.
    sale_limit: str | None = None  # the largest single sale, e.g. 1000.00
    receipt_required: bool | None = None
    referral_rates: Annotated[tuple[int, ...] | None, NoDecode] = None  # % by depth: 2,1,0.5
    referral_bonus: str | None = None  # to the referrer on a friend's first purchase, e.g. 5.00
    daily_purchases_flag: int | None = Field(default=None, ge=2, le=1000)
    birthday_bonus: str | None = None  # points on a member's birthday, as an amount, e.g. 5.00
    birthday_hour: int | None = Field(default=None, ge=0, le=23)  # local hour of the greeting
    points_lifetime_months: int | None = Field(default=None, ge=0, le=120)  # 0: never expire
    # A birthday entered fewer days than this before it gets no gift that year (default 30).
    birthday_lead_days: int | None = Field(default=None, ge=0, le=366)
    # The key of the markers that remember one-time rewards after erasure (bot/markers.py):
    # unset, one is created in MARKER_KEY_FILE; processes on several machines share MARKER_KEY.
    marker_key: SecretStr | None = None
    marker_key_file: str = DEFAULT_MARKER_KEY_FILE
    # Limits at the till; 0 turns one off. Wrong codes an hour before code entry locks.
    wrong_codes_hour_limit: int | None = Field(default=None, ge=0, le=10_000)
    daily_amount_flag: str | None = None  # flag a customer each time their day passes k x this
    staff_daily_purchases_flag: int | None = Field(default=None, ge=0, le=10_000)
    staff_daily_amount_flag: str | None = None  # likewise for one cashier's sales in a day
    daily_amount_cap: str | None = None  # the most one customer may buy in a day
    # Abandoned carts: the first reminder this many hours after the last change; a second at
    # 24 hours unless turned off.
    cart_reminder_hours: float = Field(default=2, gt=0, le=23)
    cart_second_reminder: bool = True
    log_level: str = "INFO"
    # Messages a second the outbox sender keeps to (Telegram allows about 30 to different chats).
    sender_rate: float = Field(default=25.0, gt=0, le=30)
    # Run the sender inside `loyalty-bot run`; false when a separate `loyalty-bot worker` runs.
    in_process_worker: bool = True
    # Messages the sender has in flight at once (raise it when the Bot API is far away).
    sender_concurrency: int = Field(default=4, ge=1, le=200)
    # How long the sender's and the scheduler's lease lasts unless renewed, in seconds: a
    # standby process takes over this long after the holder died.
    lease_seconds: float = Field(default=15.0, ge=3, le=300)
    # `loyalty-bot web`: Telegram sends updates to WEB_HOST:WEB_PORT + WEBHOOK_PATH with
    # WEBHOOK_SECRET in a header; requests without it are refused.
    webhook_secret: SecretStr | None = None
    webhook_path: str = "/webhook"
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    web_host: str = "0.0.0.0"  # in a container, behind the reverse proxy
    web_port: int = Field(default=8080, ge=1, le=65_535)
    # `loyalty-bot worker` answers /healthz and /metrics on this port; 0 turns it off.
    worker_port: int = Field(default=8081, ge=0, le=65_535)
    # text, or json: one JSON object a line (still without personal data).
    log_format: str = "text"
    # How long a command waits at start for PostgreSQL and Redis to answer (five tries with a
    # growing pause, as a container starts beside them), in seconds; 0: one try.
    services_wait_seconds: float = Field(default=30, ge=0, le=600)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: object) -> object:
        """`SETTING=` (as in .env.example, copied to .env) means unset: its default applies."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value != ""}
        return data

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError("OWNER_IDS must be Telegram user ids separated by commas")
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("referral_rates", mode="before")
    @classmethod
    def _rates(cls, value: object) -> object:
        """`2,1,0.5` (percent of the paid amount, by depth) -> basis points (200, 100, 50)."""
        if not isinstance(value, str) or not value.strip():
            return None if isinstance(value, str) else value
        parts = [p.strip() for p in value.split(",")]
        if len(parts) > 3 or not all(re.fullmatch(r"[0-9]{1,2}(\.[0-9]{1,2})?", p) for p in parts):
            raise ValueError("REFERRAL_RATES must be up to 3 percentages like 2,1,0.5")
        return tuple(round(float(p) * 100) for p in parts)

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """A URL the bot can use; the message never repeats the URL (it holds the password)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
            url.port  # noqa: B018 - a port that is not a number fails here
        except (ArgumentError, ValueError):
            raise ValueError(f"DATABASE_URL is malformed: expected {DATABASE_URL_HELP}") from None
        if url.drivername not in DRIVERS:
            raise ValueError(
                f"DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
                f"not {url.drivername}://"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(rediss?|unix)://[^\s]+$", value):
            raise ValueError("REDIS_URL must look like redis://host:6379/0")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_/-]{0,100}", value):
            raise ValueError("WEBHOOK_PATH must start with / and hold only A-Z a-z 0-9 _ - /")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("merchant_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        value = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("MERCHANT_CURRENCY must be an ISO 4217 code such as EUR")
        return value

    @field_validator("merchant_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9]{1,20}", value):
            raise ValueError("MERCHANT_SLUG must be 1-20 characters of a-z 0-9")
        return value

    @field_validator("merchant_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"MERCHANT_TIMEZONE {value!r} is not a known time zone") from exc
        return value

    def require_token(self) -> str:
        """The bot token, or a one-line SettingsError when it is missing or malformed."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise SettingsError("BOT_TOKEN is not set: get one from @BotFather and put it in .env")
        token = self.bot_token.get_secret_value().strip()
        if not TOKEN_RE.fullmatch(token):
            raise SettingsError(
                "BOT_TOKEN is malformed: expected something like 123456789:AAH... from @BotFather"
            )
        return token

    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def require_webhook_mode(self) -> str:
        """The webhook's secret, or a one-line SettingsError: `loyalty-bot web` runs as one of
        several replicas, which share nothing in memory, so it needs PostgreSQL and Redis."""
        if self.is_sqlite():
            raise SettingsError(
                "loyalty-bot web needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...); "
                "one café on SQLite runs `loyalty-bot run`"
            )
        if not self.redis_url:
            raise SettingsError(
                "loyalty-bot web needs Redis for the conversations replicas share: set REDIS_URL"
            )
        if self.webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET is not set: Telegram sends it with every update "
                "(e.g. `openssl rand -hex 32`)"
            )
        return self.webhook_secret.get_secret_value()

    def ensure_sqlite_dir(self) -> None:
        """Create the folder of a SQLite database file so a fresh checkout just runs."""
        match = re.match(r"^sqlite(\+\w+)?:///(.+)$", self.database_url)
        if match and match.group(2) != ":memory:":
            Path(match.group(2)).parent.mkdir(parents=True, exist_ok=True)


def check_webhook_url(url: str) -> str:
    """`loyalty-bot set-webhook URL`: Telegram only sends updates over HTTPS."""
    if not url.startswith("https://") or len(url) <= len("https://"):
        raise SettingsError(f"the webhook URL must start with https:// (Telegram's rule): {url}")
    return url


def load_settings() -> Settings:
    """Read settings; pydantic's multi-line errors become one SettingsError line."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        raise SettingsError(f"{field}: {first['msg']}") from None
