"""Use cases and pure policy. Knows nothing of aiogram, Telegram types or gettext."""
