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

from collections.abc import Callable, Iterator, Sequence
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


@dataclass(frozen=True, slots=True)
class Known:
    verdict: Verdict
    keyed: bool  # the answer depends on the command and the state only (not on the message)


@dataclass(frozen=True, slots=True)
class Route:
    """Whether a router may take a message: when one of its handlers whose answer depends on
    the command and the state only may (`by_key`, remembered per key), or one of the others
    may (`live`, asked each time). `always`: offer it every message."""

    router: Router
    by_key: Callable[[Seen], bool]
    live: Callable[[Seen], bool] | None
    always: bool = False


def _seen(event: Message, raw_state: str | None) -> Seen:
    text = event.text or event.caption
    parts = text.split(maxsplit=1) if text else []
    command = None
    if parts:  # as Command.extract_command: "/name@mention args" -> ("/", "name")
        command = (parts[0][0], parts[0][1:].partition("@")[0])
    return Seen(event, raw_state, command)


def _command(flt: Command) -> Known | None:
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

    return Known(verdict, keyed=True)


def _states(allowed: Sequence[Any]) -> Known | None:
    """StateFilter's rule (aiogram/filters/state.py), for the kinds of states it takes."""
    plain = {s for s in allowed if s is None or isinstance(s, str)}
    if "*" in plain:
        return Known(lambda seen: True, keyed=True)
    states = [s for s in allowed if isinstance(s, State | StatesGroup)]
    if len(plain) + len(states) != len(allowed):
        return None  # a StatesGroup class: rare, left to aiogram

    def verdict(seen: Seen) -> bool:
        return seen.raw_state in plain or any(s(seen.message, seen.raw_state) for s in states)

    return Known(verdict, keyed=True)


def _known(event_filter: FilterObject) -> Known | None:
    """How to know this filter's answer in advance, if it is of a kind whose answer only
    depends on the message and the state, and has no effects."""
    # bot/app.py runs plain-function filters on the loop: the filter is the wrapped one.
    callback = getattr(event_filter.callback, "__wrapped__", event_filter.callback)
    if event_filter.magic is not None:
        magic = event_filter.magic

        def resolved(seen: Seen) -> bool | None:
            try:
                return bool(magic.resolve(seen.message))
            except Exception:  # noqa: BLE001 - unknown here; aiogram raises it as it always did
                return None

        return Known(resolved, keyed=False)
    if isinstance(callback, Command):
        return _command(callback)
    if isinstance(callback, StateFilter):
        return _states(callback.states)
    if isinstance(callback, State | StatesGroup):
        return _states([callback])
    return None


def _handler_may_match(filters: Sequence[FilterObject]) -> tuple[Callable[[Seen], bool], bool]:
    """False only when a known filter rejects before any unknown filter is reached."""
    known: list[Known] = []
    for event_filter in filters:
        found = _known(event_filter)
        if found is None:
            break
        known.append(found)
    verdicts = [k.verdict for k in known]

    def may_match(seen: Seen) -> bool:
        for verdict in verdicts:
            answer = verdict(seen)
            if answer is None:
                return True
            if not answer:
                return False
        return True  # all passed, or an unknown filter comes next

    return may_match, all(k.keyed for k in known)


def _route(router: Router) -> Route:
    """Whether `router` (with its sub-routers) may take the message."""
    keyed: list[Callable[[Seen], bool]] = []
    live: list[Callable[[Seen], bool]] = []
    for sub in router.chain_tail:
        observer: TelegramEventObserver = sub.observers[PLANNED]
        if observer.outer_middleware._middlewares or observer._handler.filters:
            return Route(router, _any([]), None, always=True)  # runs on every message offered
        for handler in observer.handlers:
            check, by_key = _handler_may_match(handler.filters or ())
            (keyed if by_key else live).append(check)
    return Route(router, _any(keyed), _any(live) if live else None)


def _any(checks: list[Callable[[Seen], bool]]) -> Callable[[Seen], bool]:
    return lambda seen: any(check(seen) for check in checks)


def _parts(dp: Dispatcher) -> list[list[Any]]:
    """The lists that grow when a router, a message handler, an outer middleware or a filter
    of all of a router's messages is added anywhere in the tree."""
    observers = [r.observers[PLANNED] for r in dp.chain_tail]
    return [r.sub_routers for r in dp.chain_tail] + [
        part
        for o in observers
        for part in (o.handlers, o.outer_middleware._middlewares, o._handler.filters or [])
    ]


class RoutingDispatcher(Dispatcher):
    """A Dispatcher that offers a message only to the routers that may take it."""

    # The routes, and the tree's lists with their lengths when the routes were worked out.
    _plan: tuple[list[Route], list[list[Any]], list[int]] | None = None
    # Per (command, state): the answers of the routes whose answer depends on nothing else.
    _answers: dict[tuple[Any, ...], list[bool]]

    def _routes(self) -> list[Route]:
        # Worked out when first needed, and again when a router or a handler was added since.
        if self._plan is None or list(map(len, self._plan[1])) != self._plan[2]:
            parts = _parts(self)
            self._plan = ([_route(r) for r in self.sub_routers], parts, list(map(len, parts)))
            self._answers = {}
        return self._plan[0]

    def _offered(self, seen: Seen) -> Iterator[Route]:
        routes = self._routes()
        key = (seen.command, seen.raw_state)
        answers = self._answers.get(key)
        if answers is None:
            answers = [route.by_key(seen) for route in routes]
            if len(self._answers) >= 4096:  # commands are typed by people: keep it bounded
                self._answers.clear()
            self._answers[key] = answers
        for route, answer in zip(routes, answers, strict=True):
            if answer or route.always or (route.live is not None and route.live(seen)):
                yield route

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
        for route in self._offered(_seen(event, kwargs.get("raw_state"))):
            router = route.router
            if route.always or router.sub_routers:
                response = await router.propagate_event(update_type, event, **kwargs)
            else:  # Router.propagate_event's layers, for a router with neither outer middleware
                # nor filters of its own (_route) nor sub-routers: its handlers in turn
                observer = router.observers[update_type]
                response = await observer.trigger(event, **{**kwargs, "event_router": router})
                if response is REJECTED:  # pragma: no cover - as aiogram
                    response = UNHANDLED
            if response is not UNHANDLED:
                break
        return response
