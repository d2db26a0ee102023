"""What the partnership use cases (services/coalition/partners.py) hand to the handlers: the
admin's console, a link's preview, the members' Partners page, and the refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.business import CardView
from services.errors import Refused


class PartnerRefused(Refused):
    """Reasons: not_admin (only an admin of another business may accept), unknown (no such
    link), expired, used, declined and withdrawn (closed unaccepted by the invited side or by
    its sender's business), inviter_gone (its sender is no longer an admin of `name`), own
    (the business's own link), already (partners with `name` already), not_partners (a
    partnership that is no longer active), strangers (never partners), too_many (open links
    at the cap), gone (no such merchant: a forged button)."""

    def __init__(self, reason: str, name: str | None = None) -> None:
        super().__init__(reason)
        self.name = name


@dataclass(frozen=True, slots=True)
class PartnerLine:
    merchant_id: int
    name: str
    since: datetime


@dataclass(frozen=True, slots=True)
class OpenInvite:
    id: int
    token: str
    expires_at: datetime
    number: int = 0  # its place in the console's list of open links (1 = the oldest)


@dataclass(frozen=True, slots=True)
class PartnerConsole:
    merchant_id: int
    name: str
    timezone: str
    partners: tuple[PartnerLine, ...]
    invites: tuple[OpenInvite, ...]


@dataclass(frozen=True, slots=True)
class InvitePreview:
    token: str
    inviter: str
    invitee: str  # the business of the admin who opened the link
    invitee_id: int  # the one Accept acts for, whatever the admin works in when pressing


@dataclass(frozen=True, slots=True)
class Partnered:
    partner: str  # the business that sent the link
    invitee: str = ""  # the business that accepted it
    again: bool = False  # a second tap of Accept: nothing new happened


@dataclass(frozen=True, slots=True)
class PartnerCard:
    card: CardView
    slug: str  # for the partner's join link
    of_merchant_id: int  # whose Partners page it was opened from
    member: bool = False  # the reader is a member of the partner already


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    """One line of the members' Partners page."""

    merchant_id: int
    name: str
    summary: str | None  # the card's address, else its description


@dataclass(frozen=True, slots=True)
class PartnersPage:
    merchant_id: int
    name: str
    partners: tuple[PartnerEntry, ...]  # this page's
    page: int = 0
    pages: int = 1
