"""Staff: one-time invites, roles, revocation. Every staff and admin act is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Staff, StaffInvite, StaffRole
from db.repositories import CustomerRepo, MerchantRepo, StaffRepo
from services._tx import in_transaction
from services.base import Service
from services.errors import InviteInvalid, NotStaff
from services.notices import Notice, StaffJoined
from services.outbox import enqueue

INVITE_TTL = timedelta(hours=24)
_TOKEN_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    telegram_id: int
    name: str
    role: StaffRole


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: StaffRole
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Joined:
    merchant_id: int
    merchant_name: str
    role: StaffRole


async def alert_recipients(
    repo: StaffRepo, merchant_id: int, owner_ids: frozenset[int]
) -> list[int]:
    """Telegram ids to alert about a merchant: its admins and the owners."""
    return sorted(set(await repo.admin_ids(merchant_id)) | owner_ids)


async def require_admin(
    repo: StaffRepo, merchant_id: int, actor: int, owner_ids: frozenset[int]
) -> None:
    """Owners and the merchant's active admins pass; anyone else gets NotStaff."""
    if actor in owner_ids:
        return
    staff = await repo.active(merchant_id, actor)
    if staff is None or staff.role != StaffRole.ADMIN:
        raise NotStaff()


async def alert_place(session: AsyncSession, merchant_name: str) -> str | None:
    """The merchant's name for the top of a staff alert; None while the deployment has one
    merchant (nobody needs telling which)."""
    return merchant_name if await MerchantRepo(session).count() > 1 else None


def new_invite_token() -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(16))


class StaffService(Service):
    async def role(self, merchant_id: int, telegram_id: int) -> StaffRole | None:
        """owner, admin, staff or None. Owners come from OWNER_IDS and hold every merchant."""
        if telegram_id in self.owner_ids:
            return StaffRole.OWNER
        async with self.session.begin():
            staff = await self.staff.active(merchant_id, telegram_id)
            return staff.role if staff else None

    async def _require_admin(self, merchant_id: int, actor: int) -> None:
        await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    async def create_invite(self, merchant_id: int, actor: int, role: str) -> Invite:
        """A deep-link token valid 24 hours, usable once; only admins and owners invite."""
        if role not in (StaffRole.STAFF, StaffRole.ADMIN):
            raise ValueError(role)
        chosen = StaffRole(role)
        async with self.session.begin():
            await self._require_admin(merchant_id, actor)
            now = self.clock()
            invite = StaffInvite(
                merchant_id=merchant_id,
                token=new_invite_token(),
                role=chosen,
                created_by=actor,
                created_at=now,
                expires_at=now + INVITE_TTL,
            )
            self.staff.add(invite)
            self.audit.add(merchant_id, actor, "staff_invite", now, target=chosen)
            return Invite(invite.token, chosen, invite.expires_at)

    async def accept_invite(self, token: str, telegram_id: int, name: str | None) -> Joined:
        """Use an invite once. The same person tapping the link twice is welcomed again."""

        async def work() -> Joined:
            now = self.clock()
            invite = await self.staff.invite(token)
            if invite is None:
                raise InviteInvalid("unknown")
            merchant = await self.merchants.get(invite.merchant_id)
            assert merchant is not None
            if invite.used_at is not None:
                if invite.used_by != telegram_id:
                    raise InviteInvalid("used")
                # The same person tapping their link again; a revoked one is not let back in.
                active = await self.staff.active(invite.merchant_id, telegram_id)
                if active is None:
                    raise InviteInvalid("revoked")
                return Joined(merchant.id, merchant.name, active.role)
            if invite.expires_at <= now:
                raise InviteInvalid("expired")
            if not await self.staff.use_invite(invite.id, telegram_id, now):
                raise InviteInvalid("used")  # someone else took it a moment ago
            display = (name or "—")[:64]
            staff = await self.staff.any(invite.merchant_id, telegram_id)
            if staff is None:
                self.staff.add(
                    Staff(
                        merchant_id=invite.merchant_id,
                        telegram_id=telegram_id,
                        name=display,
                        role=invite.role,
                        invited_by=invite.created_by,
                        created_at=now,
                    )
                )
            else:  # re-hired after a revocation, or promoted; an admin is never demoted by a link
                keep_admin = staff.revoked_at is None and staff.role == StaffRole.ADMIN
                staff.role = StaffRole.ADMIN if keep_admin else invite.role
                staff.revoked_at, staff.name = None, display
            self.audit.add(invite.merchant_id, telegram_id, "staff_join", now, target=invite.role)
            role = staff.role if staff is not None else invite.role
            # The owners and the admins hear it, in this transaction: a second tap of the
            # link returned above, so it is said once.
            told = await alert_recipients(self.staff, invite.merchant_id, self.owner_ids)
            place = await alert_place(self.session, merchant.name)
            joined = StaffJoined(staff=display, role=role, place=place)
            notices = [Notice(chat, None, joined) for chat in told if chat != telegram_id]
            await enqueue(
                self.session,
                invite.merchant_id,
                notices,
                now,
                f"staff_join:{invite.id}",
                merchant.default_language,
            )
            return Joined(merchant.id, merchant.name, role)

        return await in_transaction(self.session, work)

    async def members(self, merchant_id: int, actor: int) -> list[StaffMember]:
        async with self.session.begin():
            await self._require_admin(merchant_id, actor)
            rows = await self.staff.list_active(merchant_id)
            return [StaffMember(s.id, s.telegram_id, s.name, s.role) for s in rows]

    async def revoke(self, merchant_id: int, actor: int, staff_id: int) -> StaffMember | None:
        """Revoked staff lose access at once: every staff act checks the role afresh."""
        async with self.session.begin():
            await self._require_admin(merchant_id, actor)
            staff = await self.staff.get(staff_id)
            if staff is None or staff.merchant_id != merchant_id or staff.revoked_at is not None:
                return None
            now = self.clock()
            staff.revoked_at = now
            self.audit.add(merchant_id, actor, "staff_revoke", now, target=str(staff.id))
            return StaffMember(staff.id, staff.telegram_id, staff.name, staff.role)

    async def admins(self, merchant_id: int) -> list[int]:
        """Telegram ids to alert: the merchant's admins and the owners."""
        async with self.session.begin():
            return await alert_recipients(self.staff, merchant_id, self.owner_ids)

    async def remember_new_colleague_language(self, telegram_id: int, language: str) -> bool:
        """The language of someone who may just have joined as an admin: the alerts go to
        admins (a cashier's is kept from their next message, as before); False when they
        are no admin after all."""

        async def work() -> bool:
            places = await self.merchants.worked_in(telegram_id)
            roles = [await self.staff.active(m.id, telegram_id) for m in places]
            if not any(r is not None and r.role == StaffRole.ADMIN for r in roles):
                return False
            await CustomerRepo(self.session).remember_staff_language(
                telegram_id, language, self.clock()
            )
            return True

        return await in_transaction(self.session, work)

    async def remember_language(self, telegram_id: int, language: str) -> None:
        """The language an owner or staff member who is not a customer writes in: the alerts
        to them are written in it (customers' languages are on their customer row)."""

        async def work() -> None:
            await CustomerRepo(self.session).remember_staff_language(
                telegram_id, language, self.clock()
            )

        await in_transaction(self.session, work)
