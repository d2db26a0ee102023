"""What erasing a member's data does to the certificates they hold (issue 16).

Erasure is per merchant: the person leaves one program (services/members/erasure.py). A
certificate is held by the person, not by a membership, so:
- the certificates FOR that business (it accepts them) lose their holder: the open ones are
  cancelled (a `cancelled` entry each, with no customer), and the person's id is cleared from
  all of them and from their entries. Gifts they passed on stay with the friend;
- when that was their last membership, the person goes from the deployment: the same for all
  their certificates, for whichever business;
- otherwise their certificates for other businesses stay theirs: they are still a customer
  here, and those are other businesses' promises to them. Those that THIS business handed
  out to them lose their source purchase (the anonymised purchase here that earned them), the
  one thing tying them back to it; the `issued` entry names no purchase, and the redeemed or
  refunded ones name the other business's sales, so the ledger needs nothing more;
- a gift link the person made for a certificate they lose is cleared with it.
The businesses' totals stay: the entries keep their counts and values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CertificateReason
from db.repositories.certificate_privacy import CertificatePrivacyRepo
from db.repositories.certificates import CertificateRepo
from services.coalition.issue import entry_row


async def forget_certificates(
    session: AsyncSession, customer_id: int, merchant_id: int, now: datetime
) -> int:
    """Cancel the leaving member's open certificates and clear them from the rest (see the
    module's docstring for which); call it after their membership left the customer. Returns
    how many were cancelled."""
    repo = CertificatePrivacyRepo(session)
    scope: int | None = merchant_id
    if await repo.memberships_left(customer_id) == 0:
        scope = None  # the person goes from the deployment
    cancelled = await repo.cancel_open(customer_id, scope, now)
    await CertificateRepo(session).add_entries(
        [entry_row(c, CertificateReason.CANCELLED, now, customer_id=None) for c in cancelled]
    )
    await repo.unlink_handed_out(customer_id, merchant_id)
    await repo.forget_holder(customer_id, scope)
    return len(cancelled)
