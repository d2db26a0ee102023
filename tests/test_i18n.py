"""Every message in the code has a translation in all four catalogs, and they compile."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from handlers.i18n import compile_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ru", "pl", "hu")
PLACEHOLDER = re.compile(r"\{\w+\}")
TAG = re.compile(r"</?\w+>")


def extracted_msgids(tmp_path: Path) -> set[str]:
    """What the code asks to translate, extracted fresh from the sources."""
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "__",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as fp:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}


def catalog(language: str):
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


@pytest.fixture(scope="module")
def msgids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    ids = extracted_msgids(tmp_path_factory.mktemp("pot"))
    assert len(ids) > 50, "extraction found suspiciously few messages"
    return ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str, msgids: set[str]) -> None:
    cat = catalog(language)
    missing = []
    for msgid in sorted(msgids):
        message = cat.get(msgid)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else strings
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid[:60])
    assert not missing, f"{language}: untranslated {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language: str, msgids: set[str]) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = (message.string,) if isinstance(message.string, str) else message.string
        want_ph = set(PLACEHOLDER.findall(source))
        want_tags = sorted(TAG.findall(source))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == want_ph, (language, source[:50], text)
            assert sorted(TAG.findall(text)) == want_tags, (language, source[:50], text)
            # A translation must format with the same names the code passes.
            text.format(**{name[1:-1]: "x" for name in want_ph})


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiles(language: str) -> None:
    cat = catalog(language)
    errors = list(cat.check())
    assert not errors, errors
    buffer = io.BytesIO()
    write_mo(buffer, cat)
    assert buffer.tell() > 0
    translations = compile_po(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po")
    expected = {"en": "💳 Card", "ru": "💳 Карта", "pl": "💳 Karta", "hu": "💳 Kártya"}
    assert translations.gettext("💳 Card") == expected[language]


def test_no_stale_catalog_entries(msgids: set[str]) -> None:
    for language in LANGUAGES:
        stale = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
        assert not stale - msgids, f"{language}: entries no code uses: {stale - msgids}"
