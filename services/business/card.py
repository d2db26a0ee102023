"""The business card members read (photo, description, address and map, opening hours, phone,
links); owners and admins edit it, each edit audited. News posts: services/business/news.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from zoneinfo import ZoneInfo

from db.models import BusinessCard
from db.repositories import BusinessRepo
from services._tx import in_transaction
from services.base import Service
from services.business.values import (
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    MAX_LINKS,
    CardField,
    CardRefused,
    CardView,
    check_length,
    link_key,
    parse_link,
    parse_links,
)
from services.errors import InvalidPhone
from services.policy import hours
from services.policy.inputs import normalize_phone
from services.staff import require_admin


class CardService(Service):
    @cached_property
    def repo(self) -> BusinessRepo:
        return BusinessRepo(self.session)

    async def _view(self, merchant_id: int) -> CardView:
        merchant = await self.merchants.get(merchant_id)
        if merchant is None:  # a forged button's merchant
            raise CardRefused("no_merchant")
        card = await self.repo.card(merchant_id)
        local_now = self.clock().astimezone(ZoneInfo(merchant.timezone))
        news = await self.repo.news_count(merchant_id)
        if card is None:
            return CardView(merchant_id, merchant.name, merchant.timezone, local_now=local_now)
        location = None
        if card.latitude is not None and card.longitude is not None:
            location = (card.latitude, card.longitude)
        return CardView(
            merchant_id,
            merchant.name,
            merchant.timezone,
            card.photo,
            card.description,
            card.address,
            location,
            hours.decode(card.opening_hours),
            card.phone,
            parse_links(card.links),
            local_now,
            news,
        )

    async def view(self, merchant_id: int) -> CardView:
        """The card inside the caller's transaction (a partner's card on a Partners page)."""
        return await self._view(merchant_id)

    async def card(self, merchant_id: int) -> CardView:
        """The card as members see it: public information about the place."""
        async with self.session.begin():
            return await self._view(merchant_id)

    async def check_admin(self, merchant_id: int, actor: int) -> None:
        """NotStaff unless the actor may edit this card: every edit step asks first."""
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)

    async def admin_card(self, merchant_id: int, actor: int) -> CardView:
        async with self.session.begin():
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            return await self._view(merchant_id)

    async def _edit(
        self,
        merchant_id: int,
        actor: int,
        field: CardField,
        change: Callable[[BusinessCard], None],
    ) -> None:
        async def work() -> None:
            await require_admin(self.staff, merchant_id, actor, self.owner_ids)
            now = self.clock()
            card = await self.repo.card_for_edit(merchant_id)
            if card is None:  # made on the first edit; two at once: the loser retries
                card = BusinessCard(merchant_id=merchant_id, updated_at=now, updated_by=actor)
                self.session.add(card)
            change(card)
            card.updated_at, card.updated_by = now, actor
            self.audit.add(merchant_id, actor, "business_card_edit", now, target=field)

        await in_transaction(self.session, work)

    async def set_photo(self, merchant_id: int, actor: int, file_id: str) -> None:
        await self._edit(merchant_id, actor, CardField.PHOTO, lambda c: _set(c, "photo", file_id))

    # What was typed is checked in `change`: after the role, so a refused person hears only
    # that they are refused.
    async def set_description(self, merchant_id: int, actor: int, text: str) -> None:
        def change(card: BusinessCard) -> None:
            card.description = check_length(text, MAX_DESCRIPTION)

        await self._edit(merchant_id, actor, CardField.DESCRIPTION, change)

    async def set_address(self, merchant_id: int, actor: int, text: str) -> None:
        def change(card: BusinessCard) -> None:
            card.address = check_length(text, MAX_ADDRESS)

        await self._edit(merchant_id, actor, CardField.ADDRESS, change)

    async def set_location(self, merchant_id: int, actor: int, lat: float, lon: float) -> None:
        def change(card: BusinessCard) -> None:
            card.latitude, card.longitude = lat, lon

        await self._edit(merchant_id, actor, CardField.LOCATION, change)

    async def set_phone(self, merchant_id: int, actor: int, text: str) -> None:
        def change(card: BusinessCard) -> None:
            try:
                card.phone = normalize_phone(text)
            except InvalidPhone:
                raise CardRefused("phone") from None

        await self._edit(merchant_id, actor, CardField.PHONE, change)

    async def set_hours(
        self, merchant_id: int, actor: int, days: tuple[int, ...], text: str
    ) -> None:
        """The same hours for each of `days` (0 = Monday); the other days stay as they were."""

        def change(card: BusinessCard) -> None:
            try:
                day = hours.parse_day(text)
            except hours.InvalidHours as error:
                raise CardRefused("hours_" + error.reason) from None
            week = hours.decode(card.opening_hours) or hours.CLOSED_WEEK
            for weekday in days:
                week = hours.with_day(week, weekday, day)
            card.opening_hours = hours.encode(week)

        await self._edit(merchant_id, actor, CardField.HOURS, change)

    async def add_link(self, merchant_id: int, actor: int, text: str) -> None:
        def change(card: BusinessCard) -> None:
            link = parse_link(text)
            links = parse_links(card.links)
            if len(links) >= MAX_LINKS:
                raise CardRefused("links_full", len(links), MAX_LINKS)
            card.links = "\n".join(f"{k.label} {k.url}" for k in (*links, link))

        await self._edit(merchant_id, actor, CardField.LINKS, change)

    async def remove_link(self, merchant_id: int, actor: int, key: int) -> None:
        def change(card: BusinessCard) -> None:
            links = parse_links(card.links)
            kept = [k for k in links if link_key(k.url) != key]
            if len(kept) == len(links):
                raise CardRefused("no_link")
            card.links = "\n".join(f"{k.label} {k.url}" for k in kept) or None

        await self._edit(merchant_id, actor, CardField.LINKS, change)

    async def clear(self, merchant_id: int, actor: int, field: CardField) -> None:
        """Remove a field: the card shows nothing for it."""
        columns = {
            CardField.LOCATION: ("latitude", "longitude"),
            CardField.HOURS: ("opening_hours",),
        }.get(field, (str(field),))

        def change(card: BusinessCard) -> None:
            for column in columns:
                _set(card, column, None)

        await self._edit(merchant_id, actor, field, change)


def _set(card: BusinessCard, column: str, value: object) -> None:
    setattr(card, column, value)
