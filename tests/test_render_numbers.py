"""Whole numbers are written as Babel's format_decimal writes them, in every language of the
bot and in one that groups otherwise (handlers/ui/render.py whole_number)."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal

from handlers.ui import render
from services.policy import LANGUAGES

VALUES = [
    *range(-1100, 1100),
    *(sign * 10**k + d for k in range(3, 19) for d in (-1, 0, 1) for sign in (1, -1)),
    *(random.Random(7).randint(-(10**15), 10**15) for _ in range(5000)),
]


@pytest.mark.parametrize("code", [*LANGUAGES, "hi", "de", "fr"])
def test_whole_numbers_read_as_babel_writes_them(code: str, monkeypatch) -> None:
    monkeypatch.setattr(render, "locale", lambda: code)
    loc = render.babel_locale(code)
    wrong = [v for v in VALUES if render.whole_number(v) != format_decimal(v, locale=loc)]
    assert wrong == []


def test_the_bots_languages_take_the_fast_way() -> None:
    # Hindi groups 12,34,567: Babel writes it. The bot's own four need no pattern per call.
    assert render._whole_style("hi").__name__ == "<lambda>"
    assert all(render._whole_style(code).__name__ == "fast" for code in LANGUAGES)
