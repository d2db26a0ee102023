"""Routing a message past the routers that surely cannot take it.

aiogram offers a message to each router in turn, and each router to each of its handlers'
filters, through several layers of calls that copy the update's data (some thirty entries)
every time: a /card went through sixteen routers before its own, which cost more than reading
the card. Most of those handlers start with a filter whose answer is plain from the message and
the conversation's state: a command (`Command("sale")`), a form's step (`StateFilter(...)`),
`F.text == ...`. `RoutingDispatcher` asks those first, in each handler's order, and offers the
message only to the routers where some handler may match; the others would have answered
UNHANDLED without running anything. A filter of another kind (it may read data or have effects)
stops the look-ahead there, and that router is offered the message as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from re import Pattern
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, TelegramObject

PLANNED = "message"  # the update type routed this way (commands and typed text)


@dataclass(frozen=True, slots=True)
class Seen:
    """What the look-ahead filters read from a message, read once."""

    message: Message
    raw_state: str | None
    command: tuple[str, str] | None  # (prefix, name) when the text or caption may be a command


# A filter's answer known in advance: False (rejects), True (passes), None (unknown: stop there).
Verdict = Callable[[Seen], Any]


def _seen(event: Message, raw_state: str | None) -> Seen:
    text = event.text or event.caption
    parts = text.split(maxsplit=1) if text else []
    command = None
    if parts:  # as Command.extract_command: "/name@mention args" -> ("/", "name")
        command = (parts[0][0], parts[0][1:].partition("@")[0])
    return Seen(event, raw_state, command)


def _command(flt: Command) -> Verdict | None:
    if any(isinstance(c, Pattern) for c in flt.commands):
        return None
    names, prefixes, fold = frozenset(flt.commands), flt.prefix, flt.ignore_case

    def verdict(seen: Seen) -> bool | None:
        if seen.command is None:
            return False
        prefix, name = seen.command
        if prefix not in prefixes or (name.casefold() if fold else name) not in names:
            return False
        return None  # the mention, a deep link, a magic may still reject it: aiogram decides

    return verdict


def _states(allowed: Sequence[Any]) -> Verdict | None:
    """StateFilter's rule (aiogram/filters/state.py), for the kinds of states it takes."""
    plain = {s for s in allowed if s is None or isinstance(s, str)}
    if "*" in plain:
        return lambda seen: True
    states = [s for s in allowed if isinstance(s, State | StatesGroup)]
    if len(plain) + len(states) != len(allowed):
        return None  # a StatesGroup class: rare, left to aiogram

    def verdict(seen: Seen) -> bool:
        return seen.raw_state in plain or any(s(seen.message, seen.raw_state) for s in states)

    return verdict


def _verdict(event_filter: FilterObject) -> Verdict | None:
    """How to know this filter's answer in advance, if it is of a kind whose answer only
    depends on the message and the state, and has no effects."""
    # bot/app.py runs plain-function filters on the loop: the filter is the wrapped one.
    callback = getattr(event_filter.callback, "__wrapped__", event_filter.callback)
    if event_filter.magic is not None:
        magic = event_filter.magic

        def resolved(seen: Seen) -> bool | None:
            try:
                return bool(magic.resolve(seen.message))
            except Exception:  # aiogram will raise it where it always did
                return None

        return resolved
    if isinstance(callback, Command):
        return _command(callback)
    if isinstance(callback, StateFilter):
        return _states(callback.states)
    if isinstance(callback, State | StatesGroup):
        return _states([callback])
    return None


def _handler_may_match(verdicts: Sequence[Verdict | None]) -> Callable[[Seen], bool]:
    """False only when a known filter rejects before any unknown filter is reached."""
    known: list[Verdict] = []
    for verdict in verdicts:
        if verdict is None:
            break
        known.append(verdict)

    def may_match(seen: Seen) -> bool:
        for verdict in known:
            answer = verdict(seen)
            if answer is None:
                return True
            if not answer:
                return False
        return True  # all passed, or an unknown filter comes next

    return may_match


def _may_take(router: Router) -> Callable[[Seen], bool] | None:
    """Whether `router` (with its sub-routers) may take the message; None: always offer it."""
    checks: list[Callable[[Seen], bool]] = []
    for sub in router.chain_tail:
        observer: TelegramEventObserver = sub.observers[PLANNED]
        if observer.outer_middleware._middlewares or observer._handler.filters:
            return None  # runs on every message it is offered: keep offering it
        checks += [
            _handler_may_match([_verdict(f) for f in handler.filters or ()])
            for handler in observer.handlers
        ]
    return lambda seen: any(check(seen) for check in checks)


def _fingerprint(dp: Dispatcher) -> tuple[int, ...]:
    return tuple(len(r.observers[PLANNED].handlers) for r in dp.chain_tail)


class RoutingDispatcher(Dispatcher):
    """A Dispatcher that offers a message only to the routers that may take it."""

    _plan: tuple[tuple[int, ...], list[tuple[Router, Callable[[Seen], bool] | None]]] | None
    _plan = None

    def _routes(self) -> list[tuple[Router, Callable[[Seen], bool] | None]]:
        # Built when first needed, again if a router or a handler was added since.
        fingerprint = _fingerprint(self)
        if self._plan is None or self._plan[0] != fingerprint:
            self._plan = (fingerprint, [(r, _may_take(r)) for r in self.sub_routers])
        return self._plan[1]

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        if update_type != PLANNED or not isinstance(event, Message) or observer is None:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        # aiogram's Router._propagate_event, with the look-ahead before each router.
        result, data = await observer.check_root_filters(event, **kwargs)
        if not result:
            return UNHANDLED
        kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:  # pragma: no cover - as aiogram
            return UNHANDLED
        if response is not UNHANDLED:
            return response
        seen = _seen(event, kwargs.get("raw_state"))
        for router, may_take in self._routes():
            if may_take is not None and not may_take(seen):
                continue
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                break
        return response
