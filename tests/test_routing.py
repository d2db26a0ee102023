"""The dispatcher's look-ahead (bot/routing.py) skips a router only when aiogram's own filters
would reject the message in every handler of it: checked against aiogram, handler by handler,
for commands, menu buttons, typed text and media, in every state of every form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.routing import RoutingDispatcher, _seen
from handlers.i18n import create_i18n
from handlers.ui.keyboards import CANCEL, MENU_CARD, MENU_CODE, MENU_INVITE, MENU_PROFILE
from tests.telegram import TEST_TOKEN, RecordingSession


def _states(dp: RoutingDispatcher) -> set[str | None]:
    found: set[str | None] = {None}
    for router in dp.chain_tail:
        for handler in router.message.handlers:
            for flt in handler.filters or ():
                callback = getattr(flt.callback, "__wrapped__", flt.callback)
                allowed = callback.states if isinstance(callback, StateFilter) else [callback]
                for state in allowed:
                    if isinstance(state, State):
                        found.add(state.state)
                    elif isinstance(state, StatesGroup):
                        found.update(type(state).__all_states_names__)
    return found


def _commands(dp: RoutingDispatcher) -> set[str]:
    return {
        command
        for router in dp.chain_tail
        for handler in router.message.handlers
        for flt in handler.filters or ()
        if isinstance(flt.callback, Command)
        for command in flt.callback.commands
        if isinstance(command, str)
    }


def _message(**fields: Any) -> Message:
    payload = {
        "message_id": 1,
        "date": datetime.now(UTC),
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ann"},
        **fields,
    }
    return Message.model_validate(payload)


async def _aiogram_would_take(router: Router, message: Message, kwargs: dict[str, Any]) -> bool:
    for sub in router.chain_tail:
        for handler in sub.message.handlers:
            passed, _ = await handler.check(message, **kwargs)
            if passed:
                return True
    return False


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_the_look_ahead_skips_only_what_aiogram_rejects(locale: str) -> None:
    settings = Settings(bot_token=TEST_TOKEN)
    dp = create_dispatcher(settings, None)  # type: ignore[arg-type]
    assert isinstance(dp, RoutingDispatcher)
    bot = create_bot(settings, session=RecordingSession())
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale(locale):
        labels = [str(x) for x in (MENU_CARD, MENU_CODE, MENU_INVITE, MENU_PROFILE, CANCEL)]
        texts = [f"/{c}" for c in _commands(dp)] + labels
        texts += ["/card@loyalty_test_bot", "/card@other_bot", "/CARD", "/start ref_x", "hello"]
        texts += ["12 500", "/", " ", "!card", "/nosuchcommand"]
        messages = [_message(text=t) for t in texts]
        messages += [
            _message(contact={"phone_number": "+100", "first_name": "Ann", "user_id": 5}),
            _message(photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]),
            _message(
                photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}],
                caption="/card",
            ),
            _message(sticker=None),
        ]
        skipped = 0
        for raw_state in _states(dp):
            for message in messages:
                kwargs = {"bot": bot, "raw_state": raw_state, "event_from_user": None}
                for _ in range(2):  # the second time, from what the dispatcher remembers
                    offered = [r.router for r in dp._offered(_seen(message, raw_state))]
                    for router in dp.sub_routers:
                        if router in offered:
                            continue
                        skipped += 1
                        taken = await _aiogram_would_take(router, message, kwargs)
                        assert not taken, (router.name, message.text, raw_state)
        assert skipped > 1000  # the look-ahead did skip, and was checked each time


def test_a_card_is_offered_to_no_form_it_is_not_in() -> None:
    """/card outside any form reaches only the routers that may take it: a form's handler
    filtered by its states group (not the states listed) would be offered every message."""
    dp = create_dispatcher(Settings(bot_token=TEST_TOKEN), None)  # type: ignore[arg-type]
    assert isinstance(dp, RoutingDispatcher)
    offered = {r.router.name for r in dp._offered(_seen(_message(text="/card"), None))}
    assert offered == {
        "handlers.form_fallbacks.cancel",
        "handlers.about",
        "handlers.business.form",
        "handlers.card",
        "handlers.profile",
        "handlers.chat",
        "handlers.fallback",
    }
