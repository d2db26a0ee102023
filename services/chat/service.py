"""The live chat's use cases. A member's text waits as a draft until Send; sent, it is kept
unanswered and queued to the admins and owners; a reply reaches the member in the merchant's
name. Every staff act checks the role first and is audited."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
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


@dataclass(frozen=True, slots=True)
class _Thread:
    """What a reply answers: a member's message (`reply_to`) or a purchase's rating."""

    merchant_id: int
    membership_id: int
    reply_to: int | None
    purchase_id: int | None
    text: str | None  # the member's message, or the rating's comment
    answered: bool
    answered_by: int | None


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
            customer = await self._customer(membership_id)
            body = MemberMessage(
                message_id=message.id,
                merchant=merchant.name,
                member=customer.first_name,
                member_id=membership_id,
                text=text,
            )
            admins = await alert_recipients(self.staff, merchant_id, self.owner_ids)
            notices = [Notice(admin, None, body) for admin in admins]
            await self._queue(merchant, notices, now, f"chat:{message.id}")
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

    async def _queue(
        self, merchant: Merchant, notices: list[Notice], now: datetime, prefix: str
    ) -> None:
        await enqueue(self.session, merchant.id, notices, now, prefix, merchant.default_language)

    async def _customer(self, membership_id: int) -> Customer:
        """The member's customer row; ChatRefused('left') once they left the program."""
        membership = await self.memberships.get(membership_id)
        if membership is None or membership.deleted_at is not None:
            raise ChatRefused("left")
        customer = await self.session.get(Customer, membership.customer_id)
        assert customer is not None
        return customer

    async def _thread(
        self, work_merchant_id: int, actor: int, to: ReplyTo, target_id: int
    ) -> _Thread:
        """What is answered, once the actor proved an admin of its merchant or an owner.
        An id of nothing at all is told only to an admin; anyone else is not staff."""
        if to == ReplyTo.MESSAGE:
            message = await self.chat.get(target_id)
            if message is not None and message.author == ChatAuthor.MEMBER:
                await require_admin(self.staff, message.merchant_id, actor, self.owner_ids)
                answered = message.answered_by if message.answered_at else None
                return _Thread(
                    message.merchant_id,
                    message.membership_id,
                    message.id,
                    message.purchase_id,
                    message.text,
                    answered is not None,
                    answered,
                )
        else:
            purchase = await PurchaseRepo(self.session).get(target_id)
            if purchase is not None:
                await require_admin(self.staff, purchase.merchant_id, actor, self.owner_ids)
                earlier = await self.chat.rating_reply(purchase.id)
                return _Thread(
                    purchase.merchant_id,
                    purchase.membership_id,
                    None,
                    purchase.id,
                    purchase.rating_comment,
                    earlier is not None,
                    earlier.staff_telegram_id if earlier else None,
                )
        await require_admin(self.staff, work_merchant_id, actor, self.owner_ids)
        raise ChatRefused("not_found")

    async def _target(
        self, to: ReplyTo, target_id: int, thread: _Thread, actor: int
    ) -> ReplyTarget:
        customer = await self._customer(thread.membership_id)
        answered = (
            await self._staff_name(thread.merchant_id, thread.answered_by)
            if thread.answered
            else None
        )
        merchant = await self._merchant(thread.merchant_id)
        return ReplyTarget(
            to,
            target_id,
            customer.first_name,
            thread.text,
            answered,
            merchant.name,
            thread.answered and thread.answered_by == actor,
        )

    async def reply_target(
        self, work_merchant_id: int, actor: int, to: ReplyTo, target_id: int
    ) -> ReplyTarget:
        """What an admin or owner is about to answer, with who answered it already."""
        async with self.session.begin():
            thread = await self._thread(work_merchant_id, actor, to, target_id)
            return await self._target(to, target_id, thread, actor)

    async def reply(
        self, work_merchant_id: int, actor: int, to: ReplyTo, target_id: int, text: str
    ) -> ReplyTarget:
        """Send an admin's or owner's answer to the member, in the merchant's name; audited
        `chat_reply` (a message) or `rating_reply` (a low rating). The target says who else
        answered it before this one (the answer goes all the same)."""
        text = text.strip()
        if len(text) > REPLY_LIMIT:
            raise ChatTooLong(len(text), REPLY_LIMIT)
        async with self.session.begin():
            # The role again: it may have been taken away since the button was pressed.
            thread = await self._thread(work_merchant_id, actor, to, target_id)
            target = await self._target(to, target_id, thread, actor)
            if target.by_you:  # their own earlier answer: nobody else's
                target = replace(target, answered_by=None, by_you=False)
            now = self.clock()
            if thread.reply_to is not None and not await self.chat.mark_answered(
                thread.reply_to, actor, now
            ):
                target = await self._answered_at_once(thread, target, actor)
            reply = ChatMessage(
                merchant_id=thread.merchant_id,
                membership_id=thread.membership_id,
                author=ChatAuthor.STAFF,
                staff_telegram_id=actor,
                text=text,
                reply_to_id=thread.reply_to,
                purchase_id=thread.purchase_id,
                created_at=now,
                answered_at=now,
                answered_by=actor,
            )
            self.chat.add(reply)
            await self.session.flush()
            action = "chat_reply" if to == ReplyTo.MESSAGE else "rating_reply"
            self.audit.add(thread.merchant_id, actor, action, now, target=str(target_id))
            merchant = await self._merchant(thread.merchant_id)
            customer = await self._customer(thread.membership_id)
            body = StaffReply(merchant=merchant.name, text=text)
            notice = Notice(customer.telegram_id, None, body)
            await self._queue(merchant, [notice], now, f"chatreply:{reply.id}")
            return target

    async def _answered_at_once(
        self, thread: _Thread, target: ReplyTarget, actor: int
    ) -> ReplyTarget:
        """The target, saying who answered the message a moment before this reply did."""
        message = await self.session.get(ChatMessage, thread.reply_to)
        assert message is not None
        await self.session.refresh(message)
        if message.answered_by == actor or target.answered_by is not None:
            return target
        name = await self._staff_name(thread.merchant_id, message.answered_by)
        return replace(target, answered_by=name)

    async def inbox(self, merchant_id: int, actor: int) -> Inbox:
        """The oldest unanswered messages of members, for the admins and owners."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            merchant = await self._merchant(merchant_id)
            rows, total = await self.chat.unanswered(merchant_id, INBOX_PAGE)
            entries = tuple(
                InboxEntry(row.id, name, row.membership_id, row.text, row.created_at)
                for row, name in rows
            )
            return Inbox(entries, total, merchant.timezone)
