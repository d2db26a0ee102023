"""A notice as an outbox payload and back: the JSON object of its fields.

The format is the one rows were written in before notices had types, so rows an older release
queued still decode: a key per field, a datetime as {"__datetime__": iso}, a date as its iso
string, a tuple as a list, and a default for each field added since (rows written before it
lack the key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

# A field written only when it differs from its default: the key was added to a payload only
# when it had something to say.
SPARSE = {"sparse": True}

T = TypeVar("T")
_HINTS: dict[type, dict[str, Any]] = {}  # each kind's field types, resolved once


class NoticeError(ValueError):
    """An outbox row this release cannot turn into a notice."""


def dump(value: object) -> str:
    """The JSON of a notice's fields."""
    return json.dumps(_plain(value), default=_default, ensure_ascii=False, separators=(",", ":"))


def load(text: str) -> Any:
    return json.loads(text, object_hook=_restore)


def build(cls: type[T], data: Mapping[str, Any]) -> T:
    """`cls` from a payload's fields; unknown keys are ignored, a missing one is an error."""
    if not isinstance(data, Mapping):
        raise NoticeError(f"{cls.__name__}: the payload is not an object")
    hints = _hints(cls)
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _typed(hints[f.name], data[f.name])
        elif f.default is MISSING and f.default_factory is MISSING:
            raise NoticeError(f"{cls.__name__}: the payload has no {f.name!r}")
    return cls(**values)


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields(value)
            if not (f.metadata.get("sparse") and getattr(value, f.name) == f.default)
        }
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):  # a tuple of parts (a receipt's certificates)
        return [_plain(part) for part in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if is_dataclass(hint) and isinstance(hint, type):
        return build(hint, value)
    if hint is date and isinstance(value, str):
        return date.fromisoformat(value)
    if get_origin(hint) is tuple and isinstance(value, list):
        return tuple(_typed(get_args(hint)[0], part) for part in value)
    return value


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _default(value: object) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _restore(obj: dict[str, Any]) -> Any:
    if "__datetime__" in obj:
        return datetime.fromisoformat(obj["__datetime__"])
    return obj
