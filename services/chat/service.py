"""The live chat's use cases. A member's text waits as a draft until Send; sent, it is kept
unanswered and queued to the admins and owners; a reply reaches the member in the merchant's
name. Every staff act checks the role first and is audited."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from db.models import BusinessCard, ChatAuthor, ChatMessage, Customer, Merchant
from db.repositories import ChatRepo, PurchaseRepo
from services._tx import in_transaction
from services.base import Service
from services.chat.values import (
    DRAFT_LIMIT,
    REPLY_LIMIT,
    ChatRefused,
    ChatTooLong,
    Delivered,
    Draft,
    Inbox,
    InboxEntry,
    ReplyTarget,
    ReplyTo,
)
from services.notices import MemberMessage, Notice, StaffReply
from services.outbox import enqueue
from services.policy.hours import InvalidHours, decode, next_opening
from services.staff import alert_recipients, require_admin

DRAFT_TTL = timedelta(minutes=30)
HOURLY_MESSAGES = 10  # a member's messages to the staff within an hour
INBOX_PAGE = 10


class ChatService(Service):
    @cached_property
    def chat(self) -> ChatRepo:
        return ChatRepo(self.session)

    async def _merchant(self, merchant_id: int) -> Merchant:
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        return merchant

    async def offer(
        self, merchant_id: int, membership_id: int, source_message_id: int, text: str
    ) -> Draft:
        """Keep a member's free text (their Telegram message `source_message_id`) as their one
        draft, to send or cancel."""
        text = text.strip()
        if len(text) > DRAFT_LIMIT:
            raise ChatTooLong(len(text), DRAFT_LIMIT)

        async def work() -> Draft:
            now = self.clock()
            if await self.chat.sent_since(membership_id, now - timedelta(hours=1)) >= (
                HOURLY_MESSAGES
            ):
                raise ChatRefused("too_many")
            await self.chat.put_draft(membership_id, source_message_id, text, now)
            return Draft(source_message_id, (await self._merchant(merchant_id)).name)

        return await in_transaction(self.session, work)

    async def cancel(self, membership_id: int, draft_id: int) -> bool:
        """Drop the draft; False when it was sent or cancelled already."""
        async with self.session.begin():
            return await self.chat.take_draft(draft_id, membership_id)

    async def send(self, merchant_id: int, membership_id: int, draft_id: int) -> Delivered:
        """The draft becomes a message to the staff, queued to every admin and owner."""
        async with self.session.begin():
            now = self.clock()
            draft = await self.chat.draft(membership_id)
            if draft is None or draft.source_message_id != draft_id:
                raise ChatRefused("gone")
            if draft.created_at + DRAFT_TTL < now:
                raise ChatRefused("expired")  # it stays until the next text replaces it
            text = draft.text
            if not await self.chat.take_draft(draft_id, membership_id):
                raise ChatRefused("gone")  # a second press of Send, at the same moment
            message = ChatMessage(
                merchant_id=merchant_id,
                membership_id=membership_id,
                author=ChatAuthor.MEMBER,
                text=text,
                created_at=now,
            )
            self.chat.add(message)
            await self.session.flush()
            merchant = await self._merchant(merchant_id)
            membership = await self.memberships.get(membership_id)
            assert membership is not None
            customer = await self.session.get(Customer, membership.customer_id)
            body = MemberMessage(
                message_id=message.id,
                member=customer.first_name if customer else None,
                member_id=membership_id,
                text=text,
            )
            admins = await alert_recipients(self.staff, merchant_id, self.owner_ids)
            notices = [Notice(admin, None, body) for admin in admins]
            await enqueue(
                self.session,
                merchant_id,
                notices,
                now,
                f"chat:{message.id}",
                merchant.default_language,
            )
            opens = await self._opens_at(merchant, now)
            return Delivered(message.id, merchant.name, opens)

    async def _opens_at(self, merchant: Merchant, now: datetime) -> datetime | None:
        """When the place opens next, if it is closed now (local time); None when it is open
        or has no hours."""
        card = await self.session.get(BusinessCard, merchant.id)
        week = None
        with suppress(InvalidHours):
            week = decode(card.opening_hours if card else None)
        if week is None:
            return None
        local = now.astimezone(ZoneInfo(merchant.timezone))
        opens = next_opening(week, local)
        return None if opens is None or opens == local else opens

    async def _staff_name(self, merchant_id: int, telegram_id: int | None) -> str:
        """A staff member's name; '' for an owner (the renderer says "an owner")."""
        if telegram_id is None or telegram_id in self.owner_ids:
            return ""
        staff = await self.staff.any(merchant_id, telegram_id)
        return staff.name if staff else ""

    async def _not_here(self, work_merchant_id: int, actor: int) -> ReplyTarget:
        # Nothing of that id anywhere: only an admin learns so; anyone else is not staff.
        await require_admin(self.staff, work_merchant_id, actor, self.owner_ids)
        raise ChatRefused("not_found")

    async def reply_target(
        self, work_merchant_id: int, actor: int, to: ReplyTo, target_id: int
    ) -> ReplyTarget:
        """What an admin or owner is about to answer, with who answered it already."""
        text: str | None
        async with self.session.begin():
            if to == ReplyTo.MESSAGE:
                message = await self.chat.get(target_id)
                if message is None or message.author != ChatAuthor.MEMBER:
                    return await self._not_here(work_merchant_id, actor)
                await require_admin(self.staff, message.merchant_id, actor, self.owner_ids)
                membership_id, text = message.membership_id, message.text
                answered = (
                    await self._staff_name(message.merchant_id, message.answered_by)
                    if message.answered_at is not None
                    else None
                )
            else:
                purchase = await PurchaseRepo(self.session).get(target_id)
                if purchase is None:
                    return await self._not_here(work_merchant_id, actor)
                await require_admin(self.staff, purchase.merchant_id, actor, self.owner_ids)
                membership_id, text = purchase.membership_id, purchase.rating_comment
                earlier = await self.chat.rating_reply(purchase.id)
                answered = (
                    await self._staff_name(purchase.merchant_id, earlier.staff_telegram_id)
                    if earlier is not None
                    else None
                )
            membership = await self.memberships.get(membership_id)
            if membership is None or membership.deleted_at is not None:
                raise ChatRefused("left")
            customer = await self.session.get(Customer, membership.customer_id)
            return ReplyTarget(
                to, target_id, customer.first_name if customer else None, text, answered
            )

    async def reply(
        self, work_merchant_id: int, actor: int, to: ReplyTo, target_id: int, text: str
    ) -> ReplyTarget:
        """Send an admin's or owner's answer to the member, in the merchant's name; audited
        `chat_reply` (a message) or `rating_reply` (a low rating)."""
        text = text.strip()
        if len(text) > REPLY_LIMIT:
            raise ChatTooLong(len(text), REPLY_LIMIT)
        # The role again: it may have been taken away since the button was pressed.
        target = await self.reply_target(work_merchant_id, actor, to, target_id)

        async def work() -> None:
            now = self.clock()
            if to == ReplyTo.MESSAGE:
                original = await self.chat.get(target_id)
                assert original is not None
                merchant_id, membership_id = original.merchant_id, original.membership_id
                purchase_id, reply_to = original.purchase_id, original.id
                await self.chat.mark_answered(original.id, actor, now)
            else:
                purchase = await PurchaseRepo(self.session).get(target_id)
                assert purchase is not None
                merchant_id, membership_id = purchase.merchant_id, purchase.membership_id
                purchase_id, reply_to = purchase.id, None
            reply = ChatMessage(
                merchant_id=merchant_id,
                membership_id=membership_id,
                author=ChatAuthor.STAFF,
                staff_telegram_id=actor,
                text=text,
                reply_to_id=reply_to,
                purchase_id=purchase_id,
                created_at=now,
                answered_at=now,
                answered_by=actor,
            )
            self.chat.add(reply)
            await self.session.flush()
            action = "chat_reply" if to == ReplyTo.MESSAGE else "rating_reply"
            self.audit.add(merchant_id, actor, action, now, target=str(target_id))
            membership = await self.memberships.get(membership_id)
            assert membership is not None
            customer = await self.session.get(Customer, membership.customer_id)
            assert customer is not None
            merchant = await self._merchant(merchant_id)
            body = StaffReply(merchant=merchant.name, text=text)
            await enqueue(
                self.session,
                merchant_id,
                [Notice(customer.telegram_id, None, body)],
                now,
                f"chatreply:{reply.id}",
                merchant.default_language,
            )

        async with self.session.begin():
            await work()
        return target

    async def inbox(self, merchant_id: int, actor: int) -> Inbox:
        """The oldest unanswered messages of members, for the admins and owners."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self._merchant(merchant_id)
            rows, total = await self.chat.unanswered(merchant_id, INBOX_PAGE)
            entries = []
            for row in rows:
                membership = await self.memberships.get(row.membership_id)
                customer = (
                    await self.session.get(Customer, membership.customer_id)
                    if membership
                    else None
                )
                entries.append(
                    InboxEntry(
                        row.id,
                        customer.first_name if customer else None,
                        row.membership_id,
                        row.text,
                        row.created_at,
                    )
                )
            return Inbox(tuple(entries), total, merchant.timezone)
