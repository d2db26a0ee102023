"""The scheduler's lease (one process runs the jobs) and forgetting handled Telegram updates."""

from __future__ import annotations

from datetime import timedelta

from db import once
from services.jobs.base import JobBase

# Telegram keeps an update it could not deliver for 24 hours, so no second delivery of an
# update comes after a week: its record (db/once.py) can go.
UPDATES_KEPT = timedelta(days=7)


class Housekeeping(JobBase):
    async def forget_updates(self) -> int:
        """Delete the records of handled Telegram updates older than 7 days."""
        async with self.session.begin():
            return await once.forget_before(self.session, self.clock() - UPDATES_KEPT)
