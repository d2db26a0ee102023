"""Certificates past their time expire, each with its `expired` ledger entry, and their holders
are told; holders of certificates running out within two days are reminded once (not of one
handed out inside those two days: its notice or receipt just said until when). Run twice, the
job does it once: the expiry is a conditional update, each notice has its certificate's key.

A holder is told by the business that accepts the certificate (its outbox rows), in their
language, else that business's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.models import CertificateReason
from db.repositories.certificate_expiry import CertificateExpiryRepo
from db.repositories.certificates import CertificateRepo
from services.coalition.issue import entry_row
from services.jobs.base import JobBase
from services.jobs.voucher_lapse import WARN_DAYS, days_left
from services.notices import CertificateExpired, CertificateExpiring, Notice
from services.notices.certificates import GotCertificate
from services.outbox import enqueue_keyed_for
from services.rewards.issue import last_day


def _got(row: Any) -> GotCertificate:
    return GotCertificate(
        merchant=row.name,
        value=row.value_minor,
        currency=row.currency,
        item=row.item,
        until=last_day(row.expires_at, row.timezone).date(),
        timezone=row.timezone,
    )


class CertificateExpiry(JobBase):
    async def expire_certificates(self) -> int:
        """Open certificates past expires_at expire in one UPDATE, their entries in one
        INSERT; a notice per certificate (keyed by it, so once). Returns messages queued."""
        async with self.session.begin():
            now = self.clock()
            repo = CertificateExpiryRepo(self.session)
            languages = {m.id: m.default_language for m in await self.jobs.merchants()}
            queued = await self._remind(repo, now, languages)
            expired = await repo.expire_due(now)
            if not expired:
                return queued
            await CertificateRepo(self.session).add_entries(
                [
                    entry_row(row, CertificateReason.EXPIRED, now, customer_id=row.customer_id)
                    for row in expired
                ]
            )
            told = await repo.told([row.id for row in expired])
            queued += await self._tell(
                told,
                languages,
                now,
                lambda row: (CertificateExpired(certificate=_got(row)), "certificate_expired"),
            )
        return queued

    async def _remind(
        self, repo: CertificateExpiryRepo, now: datetime, languages: dict[int, str]
    ) -> int:
        window = timedelta(days=WARN_DAYS)
        expiring = [
            row
            for row in await repo.expiring(now, now + window)
            if row.expires_at - row.issued_at > window
        ]
        return await self._tell(
            expiring,
            languages,
            now,
            lambda row: (
                CertificateExpiring(certificate=_got(row), days=days_left(now, row.expires_at)),
                "certificate_expiring",
            ),
        )

    async def _tell(
        self, rows: list[Any], languages: dict[int, str], now: datetime, body: Any
    ) -> int:
        """A notice per row to its holder, from the business that accepts it: one set for
        every business (services/outbox.py `enqueue_keyed_for`)."""
        keyed = []
        for row in rows:
            notice, kind = body(row)
            language = languages.get(row.merchant_id, "en")
            notice_row = Notice(row.telegram_id, None, notice)
            keyed.append((row.merchant_id, notice_row, f"{kind}:{row.id}", language))
        return await enqueue_keyed_for(self.session, keyed, now)
