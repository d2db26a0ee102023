"""One-time rewards (the welcome bonus, a referrer's bonus for a friend's first purchase, the
birthday gift of a year) are paid once per person and merchant, even if the person erases
their data and joins again.

A person is remembered here only by a marker: HMAC-SHA256 of the merchant id and their
Telegram id under a key kept outside the database (bot/markers.py reads or creates it and
the composition root passes it to the services). The marker can't be turned back into the
Telegram id without the key, and it is different at every merchant.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Membership
from db.repositories.grants import GrantRepo

WELCOME = "welcome"
REFERRAL = "referral"  # this person's first purchase paid their referrer's bonus
REFERRAL_JOINED = "referral_joined"  # their inviter was told they joined
FRIEND_GIFT = "friend_gift"  # an invited friend's gift on their first purchase
# Scripts and tests that build a service by hand get this key; the bot, the worker and the
# scheduler always pass the deployment's own (bot/markers.py).
UNSET_KEY = b"loyalty-bot: no marker key was given"


def birthday(year: int) -> str:
    return f"birthday:{year}"


def marker(key: bytes, merchant_id: int, telegram_id: int) -> str:
    """64 hex characters standing for one person at one merchant."""
    message = f"{merchant_id}:{telegram_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def grant_once(
    session: AsyncSession, merchant_id: int, marker: str, reward: str, now: datetime
) -> bool:
    """Record a one-time reward in the caller's transaction; False when it was given before.

    The caller pays only on True. Two transactions racing for the same grant both insert;
    the unique key fails one of them, which `in_transaction` then runs again to find it given.
    """
    grants = GrantRepo(session)
    if await grants.has(merchant_id, marker, reward):
        return False
    grants.add(merchant_id, marker, reward, now)
    await session.flush()
    return True


async def keep_received(
    session: AsyncSession, key: bytes, membership: Membership, telegram_id: int
) -> None:
    """Before a membership is erased: grants for the one-time rewards it already received
    (memberships from before grants existed have none), dated when they were received."""
    grants = GrantRepo(session)
    received: list[tuple[str, datetime]] = []
    if welcomed := await grants.welcomed_at(membership.id):
        received.append((WELCOME, welcomed))
    if effective := await grants.referral_effective_at(membership.id):
        received.append((REFERRAL, effective))
    if membership.birthday_granted_year is not None:
        given = membership.birthday_granted_at or membership.joined_at
        received.append((birthday(membership.birthday_granted_year), given))
    person = marker(key, membership.merchant_id, telegram_id)
    for reward, when in received:
        await grant_once(session, membership.merchant_id, person, reward, when)
