"""What the parts of one demo run share: one random stream (the same seed gives the same
data only if every draw happens in the same order), the program, the timeline, the writer,
the members' plans and accounts, and the counts the summary reports."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from demo.accounts import Accounts
from demo.habits import Habits
from demo.people import People
from demo.program import MenuItem, Program
from demo.timeline import Timeline
from demo.writer import TableWriter


@dataclass(frozen=True, slots=True)
class Run:
    rng: random.Random
    program: Program
    timeline: Timeline
    writer: TableWriter
    people: People
    habits: Habits
    accounts: Accounts
    staff_ids: list[int]  # the admin last
    menu: list[MenuItem]
    # Rows of the other tables are counted by their ids (TableWriter.added).
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("ratings", "birthdays", "carts", "pushes"), 0)
    )

    @property
    def admin_id(self) -> int:
        return self.staff_ids[-1]
