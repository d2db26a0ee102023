"""Notices about a merchant's program itself: its rules changed for the worse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class RulesChanged:
    """The program became less generous; members are asked to accept the new rules."""

    kind: ClassVar[str] = "rules_changed"
    merchant: str
