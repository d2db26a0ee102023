"""What the bot sends demo members (outbox rows, as the sender leaves them), who can still
get a message, and the visits a message brings about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.models import OutboxStatus
from demo.run import Run
from demo.timeline import DAY, EXTRA, cafe_time
from demo.writer import OUTBOX

SEND_RATE = 25  # messages a second, as the sender keeps to (bot/config.py)
BLOCKED_ERROR = "Forbidden: bot was blocked by the user"


class Messages:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.people, self.accounts = run.people, run.accounts

    def reachable(self, t: int, i: int) -> bool:
        """Not erased, has not blocked the bot, still around at `t`."""
        people = self.people
        return not self.accounts.book[i].erased and t < people.blocked_at[i] and t < people.live[i]

    def outbox(
        self,
        i: int,
        kind: str,
        key: str,
        at: datetime,
        sent_at: datetime | None,
        status: OutboxStatus = OutboxStatus.SENT,
        campaign_id: int | None = None,
    ) -> None:
        """One message to member i, sent (or refused as blocked) once."""
        self.run.writer.add(
            OUTBOX,
            {
                "merchant_id": self.run.program.merchant_id,
                "chat_id": self.people.chat(i),
                "kind": kind,
                "priority": 1,
                "dedupe_key": key,
                "payload": "{}",
                "language": self.people.lang[i],
                "campaign_id": campaign_id,
                "status": status,
                "attempts": 1,
                "not_before": at,
                "last_error": None if status == OutboxStatus.SENT else BLOCKED_ERROR,
                "created_at": at,
                "sent_at": sent_at,
            },
        )

    def bring_visit(self, i: int, earliest: int, days: int, order: Any = None) -> None:
        """A visit a message brought about, within `days` days after `earliest`."""
        rng = self.run.rng
        d = earliest // DAY + rng.randrange(days + 1)
        t = max(d * DAY + cafe_time(rng), earliest + 1800)
        if t < self.people.live[i]:
            self.run.timeline.push(t, EXTRA, i, order)
