"""Notices to a merchant's admins and owners about its partnerships (issue 16): another
business accepted its invite, or a partner ended the partnership."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from services.notices.codec import SPARSE


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnershipStarted:
    """`partner` accepted this merchant's invite: the two are partners now."""

    kind: ClassVar[str] = "partnership_started"
    partner: str
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnershipEnded:
    """`partner` ended the partnership; certificates handed out stay valid."""

    kind: ClassVar[str] = "partnership_ended"
    partner: str
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerInviteDeclined:
    """`partner`'s admin declined this merchant's invite link: it works no more."""

    kind: ClassVar[str] = "partner_invite_declined"
    partner: str
    place: str | None = field(default=None, metadata=SPARSE)  # the merchant, if several
