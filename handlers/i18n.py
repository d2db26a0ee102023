"""gettext catalogs from locales/: compiled .mo when present and fresh, else .po in memory.

.mo files are build products (the Dockerfile compiles them; git ignores them), so a fresh
checkout runs straight from the .po sources.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def _locales_dir() -> Path:
    """locales/ beside the packages in a checkout, else LOCALES_DIR, else ./locales."""
    beside = Path(__file__).resolve().parent.parent / "locales"
    if beside.is_dir():
        return beside
    return Path(os.environ.get("LOCALES_DIR", "locales")).resolve()


LOCALES_DIR = _locales_dir()
DOMAIN = "messages"


def compile_po(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=po_path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class CatalogI18n(I18n):
    @contextmanager
    def context(self) -> Iterator[I18n]:
        # ContextInstanceMixin keeps one context variable per class; aiogram's gettext reads
        # I18n's, so a subclass must set that one.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(p for p in self.path.iterdir() if p.is_dir()):
            po = folder / "LC_MESSAGES" / f"{self.domain}.po"
            mo = po.with_suffix(".mo")
            if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
                with mo.open("rb") as fp:
                    translations[folder.name] = gettext.GNUTranslations(fp)
            elif po.exists():
                translations[folder.name] = compile_po(po)
        return translations


def create_i18n(default_locale: str = "en", path: Path = LOCALES_DIR) -> CatalogI18n:
    return CatalogI18n(path=path, default_locale=default_locale, domain=DOMAIN)
