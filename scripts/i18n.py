"""Keep the catalogs in step with the code: extract msgids, update ru/pl/hu, fill en.

python scripts/i18n.py          # after changing any user-facing string
python scripts/i18n.py --check  # exit 1 if the catalogs are behind the code (CI)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
LANGUAGES = ("en", "ru", "pl", "hu")
KEYWORDS = ["-k", "__", "-k", "N_", "-k", "ngettext:1,2"]


def pybabel(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", *args], check=True, cwd=ROOT
    )


def extract(target: Path) -> None:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--project",
        "loyalty-bot",
        "--copyright-holder",
        "Loyalty Bot contributors",
        "-o",
        str(target),
        ".",
    )


def fill_english() -> None:
    """English msgids are the English text: copy them, so every catalog is complete."""
    path = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as fp:
        write_po(fp, catalog, sort_output=True, omit_header=False, width=99)


def main() -> int:
    if "--check" in sys.argv:
        fresh = LOCALES / ".check.pot"
        extract(fresh)
        with fresh.open("rb") as a, POT.open("rb") as b:
            new, old = {m.id for m in read_po(a)}, {m.id for m in read_po(b)}
        fresh.unlink()
        if new != old:
            print(f"catalogs are behind the code: {len(new - old)} new, {len(old - new)} gone")
            return 1
        return 0
    extract(POT)
    for language in LANGUAGES:
        po = LOCALES / language / "LC_MESSAGES" / "messages.po"
        action = "update" if po.exists() else "init"
        args = [action, "-i", str(POT), "-d", str(LOCALES), "-l", language, "-w", "99"]
        if action == "update":
            args += ["--no-fuzzy-matching"]
        pybabel(*args)
    fill_english()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
