"""Partnerships (issue 16): an admin of one merchant sends a one-time link, an admin of another
merchant of the deployment accepts it, and either side may end it. Every change raises both
programs' versions (the purchase path keeps the partners' hand-out routes in its copy), is
audited, and tells the other side's admins. Members read the partners' business cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from db.models import Merchant, PartnerInvite, Partnership
from db.repositories.offers import OfferRepo
from db.repositories.partners import PartnerRepo
from services._tx import in_transaction
from services.base import Service
from services.business import BusinessService, CardView
from services.errors import NotStaff, Refused
from services.notices import Notice, NoticeBody, PartnershipEnded, PartnershipStarted
from services.outbox import enqueue
from services.policy.certificates import new_token
from services.staff import alert_place, alert_recipients, require_admin

INVITE_TTL = timedelta(days=7)


class PartnerRefused(Refused):
    """Reasons: not_admin (only an admin of another business may accept), unknown (no such
    link), expired, used, own (the business's own link), already (partners already),
    not_partners (a partnership that is not, or no longer, active), gone (no such merchant:
    a forged button)."""


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


@dataclass(frozen=True, slots=True)
class Partnered:
    partner: str  # the business that sent the link
    again: bool = False  # a second tap of Accept: nothing new happened


@dataclass(frozen=True, slots=True)
class PartnerCard:
    card: CardView
    slug: str  # for the partner's join link
    of_merchant_id: int  # whose Partners page it was opened from


@dataclass(frozen=True, slots=True)
class PartnersPage:
    merchant_id: int
    name: str
    partners: tuple[PartnerCard, ...]


class PartnerService(Service):
    @cached_property
    def repo(self) -> PartnerRepo:
        return PartnerRepo(self.session)

    @cached_property
    def cards(self) -> BusinessService:
        return BusinessService(self.session, self.owner_ids, self.clock)

    async def _merchant(self, merchant_id: int) -> Merchant:
        merchant = await self.merchants.get(merchant_id)
        if merchant is None:  # a forged button's merchant
            raise PartnerRefused("gone")
        return merchant

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
                tuple(OpenInvite(i.id, i.token, i.expires_at) for i in invites),
            )

    async def create_invite(self, merchant_id: int, actor: int) -> OpenInvite:
        """A one-time link valid a week; only the merchant's admins and the owners send one."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
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
            return OpenInvite(invite.id, invite.token, invite.expires_at)

    async def revoke_invite(self, merchant_id: int, actor: int, invite_id: int) -> bool:
        """Close one of the merchant's open links; False when it was used or closed already."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            return await self.repo.close_invite(invite_id, merchant_id, self.clock())

    async def _open(self, token: str, actor: int, merchant_id: int) -> PartnerInvite:
        """The invite `actor` (working in `merchant_id`, an admin there: checked by the caller
        before the link is looked at, so a customer learns nothing of it) may accept."""
        invite = await self.repo.invite(token)
        if invite is None:
            raise PartnerRefused("unknown")
        if invite.merchant_id == merchant_id:
            raise PartnerRefused("own")
        if invite.used_at is not None:
            mine = invite.used_by == actor and invite.partner_merchant_id == merchant_id
            raise PartnerRefused("already" if mine else "used")
        if invite.expires_at <= self.clock():
            raise PartnerRefused("expired")
        if await self.repo.active_between(invite.merchant_id, merchant_id):
            raise PartnerRefused("already")
        return invite

    async def preview(self, token: str, actor: int, merchant_id: int) -> InvitePreview:
        """What accepting the link would do, for the admin who opened it."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            invite = await self._open(token, actor, merchant_id)
            inviter = await self._merchant(invite.merchant_id)
            invitee = await self._merchant(merchant_id)
            return InvitePreview(token, inviter.name, invitee.name)

    async def decline(self, token: str, actor: int, merchant_id: int) -> str:
        """The link lapses unused; the inviting business's name."""
        async with self.session.begin():
            await self._admin(merchant_id, actor)
            invite = await self._open(token, actor, merchant_id)
            await self.repo.close_invite(invite.id, None, self.clock())
            return (await self._merchant(invite.merchant_id)).name

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
                return Partnered((await self._merchant(invite.merchant_id)).name, again=True)
            invite = await self._open(token, actor, merchant_id)
            now = self.clock()
            if not await self.repo.use_invite(invite.id, actor, merchant_id, now):
                taken = await self.repo.invite(token, fresh=True)  # a moment ago: by whom?
                if taken is not None and (taken.used_by, taken.partner_merchant_id) == (
                    actor,
                    merchant_id,
                ):
                    return Partnered((await self._merchant(invite.merchant_id)).name, again=True)
                raise PartnerRefused("used")
            row = await self.repo.between(invite.merchant_id, merchant_id)
            if row is None:
                low, high = sorted((invite.merchant_id, merchant_id))
                row = Partnership(low_merchant_id=low, high_merchant_id=high)
                self.repo.add(row)
            elif row.ended_at is None:  # the other side's link, accepted a moment ago
                raise PartnerRefused("already")
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
            return Partnered(inviter.name)

        return await in_transaction(self.session, work)

    async def ending(self, merchant_id: int, actor: int, partner_id: int) -> PartnerLine:
        """The partnership an admin is about to end, for the confirmation step."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            for partner, since in await self.repo.partners(merchant_id):
                if partner.id == partner_id:
                    return PartnerLine(partner.id, partner.name, since)
            raise PartnerRefused("not_partners")

    async def end(self, merchant_id: int, actor: int, partner_id: int) -> str | None:
        """End the partnership, from either side; the partner's name, None when it had
        ended already. Certificates handed out stay valid: nothing here touches them; the
        routes between the two are dropped, so partnering again hands nothing out until an
        admin sets a route anew."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
            if not await self.repo.end(merchant_id, partner_id, merchant_id, now):
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

    async def has_partners(self, merchant_id: int) -> bool:
        async with self.session.begin():
            return await self.repo.has_partners(merchant_id)

    async def page(self, merchant_id: int) -> PartnersPage:
        """The members' Partners page: each partner's business card (public information)."""
        async with self.session.begin():
            merchant = await self._merchant(merchant_id)
            partners = await self.repo.partners(merchant_id)
            cards = [
                PartnerCard(await self.cards.view(m.id), m.slug, merchant_id) for m, _ in partners
            ]
            return PartnersPage(merchant.id, merchant.name, tuple(cards))

    async def partner_card(self, merchant_id: int, partner_id: int) -> PartnerCard:
        """A partner's card opened from `merchant_id`'s Partners page, while they partner."""
        async with self.session.begin():
            if not await self.repo.active_between(merchant_id, partner_id):
                raise PartnerRefused("not_partners")
            partner = await self._merchant(partner_id)
            return PartnerCard(await self.cards.view(partner_id), partner.slug, merchant_id)
