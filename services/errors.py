"""Domain errors. Handlers map each to a message in the user's language."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base of every error a user can be told about."""


class Refused(DomainError):
    """A refusal for one of a few reasons (named in each subclass), which a handler words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAMember(DomainError):
    """The user has no membership (no consent yet) in this merchant."""


class UnknownMerchant(DomainError):
    pass


class OutdatedRules(DomainError):
    """The consent button was for an older version of the rules; show the current ones."""


class InvalidBirthday(Refused):
    """Reasons: 'format', 'date' (no such day), 'future', 'too_old', 'too_young'."""


class BirthdayLocked(DomainError):
    """A birthday, once set, changes only through an admin (so offers can't be farmed)."""


class MemberNotFound(Refused):
    """Staff named a member by a payment code or #number that is no member here.

    Reasons: 'format' (neither a 6-digit code nor #number), 'not_found'."""


class InvalidPhone(DomainError):
    pass


class NotOwnContact(DomainError):
    """The shared contact belongs to someone else."""


class UnsupportedLanguage(DomainError):
    pass


class InvalidLevels(DomainError):
    pass


class InvalidAmount(DomainError):
    """Reasons: format, decimals, whole, zero, too_large, points_format, refund_too_large.

    `whole`: the whole part of an amount with decimals in a whole-units currency."""

    def __init__(self, reason: str, whole: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.whole = whole


class NotStaff(DomainError):
    """The user has no staff role in this merchant (or it was revoked)."""


class InviteInvalid(Refused):
    """Reasons: unknown, used, expired, revoked (the person's access was withdrawn since)."""


class StaffPaused(DomainError):
    """Too many wrong codes: the staff member may try again after `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(str(until))
        self.until = until


class CodeInvalid(DomainError):
    """Reasons: unknown, expired, used. `paused` is set when this attempt caused a pause
    (until `until`); `locked_until` when code entry at the whole merchant is locked."""

    def __init__(
        self,
        reason: str,
        paused: bool = False,
        until: datetime | None = None,
        locked_until: datetime | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.paused = paused
        self.until = until
        self.locked_until = locked_until


class CodesLocked(DomainError):
    """Too many wrong codes at the merchant in the last hour: code entry reopens at `until`,
    or when an owner or admin resumes it."""

    def __init__(self, until: datetime) -> None:
        super().__init__(str(until))
        self.until = until


class SaleRefused(Refused):
    """Reasons: points_over_max, receipt_required, receipt_taken, code_used, expired_draft,
    balance_changed, not_found, already_confirmed."""


class DailyCapReached(SaleRefused):
    """The sale would take the customer's checks today over the merchant's daily cap."""

    def __init__(self, left_minor: int, cap_minor: int, currency: str) -> None:
        super().__init__("daily_cap")
        self.left_minor = left_minor
        self.cap_minor = cap_minor
        self.currency = currency


class RatingRefused(Refused):
    """Reasons: not_found, not_yours, already_rated, bad_value."""


class PushRefused(DomainError):
    """Reasons: too_long (with the count), html, url, button_text, segment, time, past (a
    moment already gone), audience."""

    def __init__(self, reason: str, count: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.count = count


class ReportRefused(Refused):
    """Reasons: range (two dates, first <= last <= today, three years at most), kpi (unknown
    report name)."""


class CertificateRefused(Refused):
    """A certificate between partners (issue 16) that cannot be used, gifted or handed out.
    Reasons: format (not 10 digits), unknown (no certificate has the code), elsewhere (another
    business's: `place` names it), redeemed, expired, cancelled, not_joined (its holder has not
    joined this business yet), min_check, covers_check (services/policy/certificates.py),
    gifted (given away once already), own (a gift link opened by its giver), not_partners,
    limit (the offer's total or per-customer cap reached), archived (the offer is no longer
    handed out)."""

    def __init__(self, reason: str, place: str | None = None) -> None:
        super().__init__(reason)
        self.place = place
