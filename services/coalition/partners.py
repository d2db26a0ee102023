"""Partnerships (issue 16): an admin of one merchant sends a one-time link, an admin of another
merchant of the deployment accepts it, and either side may end it. Every change raises both
programs' versions (the purchase path keeps the partners' hand-out routes in its copy), is
audited, and tells the other side's admins. Members read the partners' business cards."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from db.models import Merchant, PartnerInvite, Partnership
from db.repositories.offers import OfferRepo
from db.repositories.partners import PartnerRepo
from services._tx import in_transaction
from services.coalition.partner_page import PartnerPages
from services.coalition.partner_views import (
    InvitePreview,
    OpenInvite,
    PartnerConsole,
    Partnered,
    PartnerLine,
    PartnerRefused,
)
from services.errors import NotStaff
from services.notices import (
    Notice,
    NoticeBody,
    PartnerInviteDeclined,
    PartnershipEnded,
    PartnershipStarted,
)
from services.outbox import enqueue
from services.policy.certificates import new_token
from services.staff import alert_place, alert_recipients, require_admin

INVITE_TTL = timedelta(days=7)
MAX_OPEN_INVITES = 5  # more is a sign of links sent and forgotten: revoke one first
SAME_PRESS = timedelta(minutes=1)  # a second ➕ Invite this soon gets the same link


class PartnerService(PartnerPages):
    @cached_property
    def repo(self) -> PartnerRepo:
        return PartnerRepo(self.session)

    async def _admin(self, merchant_id: int, actor: int) -> None:
        try:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
        except NotStaff:
            raise PartnerRefused("not_admin") from None

    async def console(self, merchant_id: int, actor: int) -> PartnerConsole:
        """The admin's view: current partners and the links still open."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self._merchant(merchant_id)
            partners = await self.repo.partners(merchant_id)
            invites = await self.repo.open_invites(merchant_id, self.clock())
            return PartnerConsole(
                merchant.id,
                merchant.name,
                merchant.timezone,
                tuple(PartnerLine(m.id, m.name, since) for m, since in partners),
                tuple(
                    OpenInvite(i.id, i.token, i.expires_at, number)
                    for number, i in enumerate(invites, 1)
                ),
            )

    async def create_invite(self, merchant_id: int, actor: int) -> OpenInvite:
        """A one-time link valid a week; only the merchant's admins and the owners send one,
        at most MAX_OPEN_INVITES open at a time; a double press gets the same link."""

        async def work() -> OpenInvite:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            await self.repo.lock_merchant(merchant_id)
            now = self.clock()
            still_open = await self.repo.open_invites(merchant_id, now)
            if still_open:
                newest = still_open[-1]
                if newest.created_by == actor and now - newest.created_at < SAME_PRESS:
                    return OpenInvite(newest.id, newest.token, newest.expires_at, len(still_open))
            if len(still_open) >= MAX_OPEN_INVITES:
                raise PartnerRefused("too_many")
            invite = PartnerInvite(
                merchant_id=merchant_id,
                token=new_token(),
                created_by=actor,
                created_at=now,
                expires_at=now + INVITE_TTL,
            )
            self.repo.add(invite)
            self.audit.add(merchant_id, actor, "partner_invite", now)
            await self.session.flush()
            return OpenInvite(invite.id, invite.token, invite.expires_at, len(still_open) + 1)

        return await in_transaction(self.session, work)

    async def revoke_invite(self, merchant_id: int, actor: int, invite_id: int) -> bool:
        """Withdraw one of the merchant's open links; False when it was used or closed
        already. Audited."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
            closed = await self.repo.close_invite(invite_id, merchant_id, actor, now, revoke=True)
            if closed:
                self.audit.add(merchant_id, actor, "partner_revoke", now)
            return closed

    async def _open(self, token: str, actor: int, merchant_id: int) -> PartnerInvite:
        """The invite `actor` (working in `merchant_id`, an admin there: checked by the caller
        before the link is looked at, so a customer learns nothing of it) may accept."""
        invite = await self.repo.invite(token)
        if invite is None:
            raise PartnerRefused("unknown")
        if invite.merchant_id == merchant_id:
            raise PartnerRefused("own")
        inviter = await self._merchant(invite.merchant_id)
        if invite.used_at is not None:
            if invite.partner_merchant_id is None:  # closed unaccepted: see PartnerRepo
                raise PartnerRefused(
                    "withdrawn" if invite.expires_at <= invite.used_at else "declined"
                )
            if invite.partner_merchant_id == merchant_id and await self.repo.active_between(
                invite.merchant_id, merchant_id
            ):
                raise PartnerRefused("already", inviter.name)
            raise PartnerRefused("used")
        if invite.expires_at <= self.clock():
            raise PartnerRefused("expired")
        if await self.repo.active_between(invite.merchant_id, merchant_id):
            raise PartnerRefused("already", inviter.name)
        try:  # a link outlives its sender's access only if they are an owner
            await require_admin(self.staff, invite.merchant_id, invite.created_by, self.owner_ids)
        except NotStaff:
            raise PartnerRefused("inviter_gone", inviter.name) from None
        return invite

    async def preview(self, token: str, actor: int, merchant_id: int) -> InvitePreview:
        """What accepting the link would do, for the admin who opened it."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            invite = await self._open(token, actor, merchant_id)
            inviter = await self._merchant(invite.merchant_id)
            invitee = await self._merchant(merchant_id)
            return InvitePreview(token, inviter.name, invitee.name, invitee.id)

    async def decline(self, token: str, actor: int, merchant_id: int) -> str:
        """Close the link unaccepted, audited, and tell its business's admins; the inviting
        business's name."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            invite = await self._open(token, actor, merchant_id)
            now = self.clock()
            inviter = await self._merchant(invite.merchant_id)
            if await self.repo.close_invite(invite.id, None, actor, now, revoke=False):
                invitee = await self._merchant(merchant_id)
                target = str(inviter.id)
                self.audit.add(merchant_id, actor, "partner_decline", now, target=target)
                declined = PartnerInviteDeclined(
                    partner=invitee.name, place=await alert_place(self.session, inviter.name)
                )
                await self._tell(inviter, actor, declined, f"partner_decline:{invite.id}")
            return inviter.name

    async def accept(self, token: str, actor: int, merchant_id: int) -> Partnered:
        """Partner the link's merchant with `merchant_id`, once: a second tap of Accept says
        so; two links accepted both ways make one partnership (the pair's unique key)."""

        async def work() -> Partnered:
            await self._admin(merchant_id, actor)
            invite = await self.repo.invite(token)
            if (
                invite is not None
                and invite.used_by == actor
                and invite.partner_merchant_id == merchant_id
                and await self.repo.active_between(invite.merchant_id, merchant_id)
            ):
                return await self._again(invite.merchant_id, merchant_id)
            invite = await self._open(token, actor, merchant_id)
            now = self.clock()
            if not await self.repo.use_invite(invite.id, actor, merchant_id, now):
                taken = await self.repo.invite(token, fresh=True)  # a moment ago: by whom?
                if taken is not None and (taken.used_by, taken.partner_merchant_id) == (
                    actor,
                    merchant_id,
                ):
                    return await self._again(invite.merchant_id, merchant_id)
                raise PartnerRefused("used")
            row = await self.repo.between(invite.merchant_id, merchant_id)
            if row is None:
                low, high = sorted((invite.merchant_id, merchant_id))
                row = Partnership(low_merchant_id=low, high_merchant_id=high)
                self.repo.add(row)
            elif row.ended_at is None:  # the other side's link, accepted a moment ago
                raise PartnerRefused("already", (await self._merchant(invite.merchant_id)).name)
            row.invited_by_merchant_id = invite.merchant_id
            row.started_at, row.ended_at, row.ended_by_merchant_id = now, None, None
            inviter = await self._merchant(invite.merchant_id)
            invitee = await self._merchant(merchant_id)
            await self._changed(invite.merchant_id, merchant_id)
            self.audit.add(merchant_id, actor, "partner_accept", now, target=str(inviter.id))
            started = PartnershipStarted(
                partner=invitee.name, place=await alert_place(self.session, inviter.name)
            )
            await self._tell(inviter, actor, started, f"partner_accept:{invite.id}")
            return Partnered(inviter.name, invitee.name)

        return await in_transaction(self.session, work)

    async def _again(self, inviter_id: int, invitee_id: int) -> Partnered:
        inviter, invitee = await self._merchant(inviter_id), await self._merchant(invitee_id)
        return Partnered(inviter.name, invitee.name, again=True)

    async def ending(self, merchant_id: int, actor: int, partner_id: int) -> PartnerLine:
        """The partnership an admin is about to end, for the confirmation step."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            for partner, since in await self.repo.partners(merchant_id):
                if partner.id == partner_id:
                    return PartnerLine(partner.id, partner.name, since)
            await self._never(merchant_id, partner_id)
            raise PartnerRefused("not_partners")

    async def _never(self, merchant_id: int, partner_id: int) -> None:
        """Refuses a button naming a business this one never partnered (a forged one)."""
        if await self.repo.between(merchant_id, partner_id) is None:
            raise PartnerRefused("strangers")

    async def end(self, merchant_id: int, actor: int, partner_id: int) -> str | None:
        """End the partnership, from either side; the partner's name, None when it had
        ended already. Certificates handed out stay valid: nothing here touches them; the
        routes between the two are dropped, so partnering again hands nothing out until an
        admin sets a route anew."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
            if not await self.repo.end(merchant_id, partner_id, merchant_id, now):
                await self._never(merchant_id, partner_id)
                return None
            row = await self.repo.between(merchant_id, partner_id)
            assert row is not None
            partner = await self._merchant(partner_id)
            merchant = await self._merchant(merchant_id)
            await self._changed(merchant_id, partner_id)
            await OfferRepo(self.session).drop_routes_between(merchant_id, partner_id)
            self.audit.add(merchant_id, actor, "partner_end", now, target=str(partner_id))
            ended = PartnershipEnded(
                partner=merchant.name, place=await alert_place(self.session, partner.name)
            )
            key = f"partner_end:{row.id}:{int(row.started_at.timestamp())}"
            await self._tell(partner, actor, ended, key)
            return partner.name

    async def _changed(self, a: int, b: int) -> None:
        # The purchase path keeps each side's hand-out routes in its copy of the program.
        await self.merchants.bump_program(a)
        await self.merchants.bump_program(b)

    async def _tell(self, merchant: Merchant, actor: int, body: NoticeBody, key: str) -> None:
        told = await alert_recipients(self.staff, merchant.id, self.owner_ids)
        notices = [Notice(chat, None, body) for chat in told if chat != actor]
        await enqueue(
            self.session, merchant.id, notices, self.clock(), key, merchant.default_language
        )
