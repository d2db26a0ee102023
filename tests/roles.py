"""The loop every role test of a console runs: each act tried by someone who may not, who is
refused in words, learns no secret, logs no error and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest


async def assert_acts_refused(
    user: Any,
    acts: Sequence[tuple[str, str, bool]],
    answers: Sequence[str],
    secrets: Sequence[str],
    state: Callable[[], Awaitable[object]],
    caplog: pytest.LogCaptureFixture,
    *,
    other: bool,
) -> None:
    """Each (kind "send" or "press", data, acts on an object) of `acts` by `user`: one of
    `answers` said, none of `secrets`, no error logged, `state()` unchanged. Someone of
    `other` merchant only tries the acts on an object (on their own place they are allowed)."""
    for kind, data, on_object in acts:
        if other and not on_object:
            continue
        before = await state()
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            sent = await (user.send(data) if kind == "send" else user.press(data))
        said = sent.texts + sent.toasts
        assert any(a in text for text in said for a in answers), (data, said)
        assert not any(s in text for text in said for s in secrets), (data, said)
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], data
        assert await state() == before, data
