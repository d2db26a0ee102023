"""Loyalty Bot: the composition root (settings, app factories, middlewares, i18n, CLI)."""
