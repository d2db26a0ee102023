"""Domain errors. Handlers map each to a message in the user's language."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can be told about."""


class NotAMember(DomainError):
    """The user has no membership (no consent yet) in this merchant."""


class UnknownMerchant(DomainError):
    pass


class OutdatedRules(DomainError):
    """The consent button was for an older version of the rules; show the current ones."""


class InvalidBirthday(DomainError):
    """Reasons: 'format', 'date' (no such day), 'future', 'too_old', 'too_young'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BirthdayLocked(DomainError):
    """A birthday, once set, changes only through an admin (so offers can't be farmed)."""


class InvalidPhone(DomainError):
    pass


class NotOwnContact(DomainError):
    """The shared contact belongs to someone else."""


class UnsupportedLanguage(DomainError):
    pass


class InvalidLevels(DomainError):
    pass
