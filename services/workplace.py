"""The merchant an owner or staff member works in (/merchant), and owners creating a merchant
from the chat (/merchants). Every act is audited: workplace_switch, merchant_create."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from html import unescape
from zoneinfo import ZoneInfo, available_timezones

from db.models import Merchant
from services import policy
from services._tx import in_transaction
from services.base import Service
from services.errors import NotStaff, Refused
from services.merchants import add_with_levels, new_merchant

NAME_MAX = 100
SLUG_RE = re.compile(r"^[a-z0-9]{3,20}$")  # it goes into join links: m<slug>-r<code>
SLUG_FALLBACK = "cafe"
# Letters NFKD does not take apart into a Latin letter and an accent: Cyrillic (Russian,
# Ukrainian, Belarusian), the Polish ł and a few more; á, ő, ż and the like lose their accents.
_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ъ": "", "ь": "", "ю": "yu", "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g"},
        **{"ў": "u", "ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d"},
    }
)
_TAG = re.compile(r"<[^>]*>")
# Zones that are no place's: Etc/GMT+5 is UTC-5 (POSIX signs), and the machine's own.
_NOT_A_PLACE = re.compile(r"(etc/.*|localtime|factory)", re.IGNORECASE)


class NotOwner(NotStaff):
    """Only the owners (OWNER_IDS) create merchants."""


class MerchantRefused(Refused):
    """name, slug, slug_taken, currency, timezone, timezone_etc (an Etc/ zone) or language:
    what a new merchant needs."""


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    name: str
    slug: str
    currency: str


@dataclass(frozen=True, slots=True)
class Places:
    """The merchants a person may work in, and the one they work in now."""

    places: tuple[Place, ...]
    current: int | None


@dataclass(frozen=True, slots=True)
class NewMerchant:
    """What the owner typed and chose, validated by `check`."""

    name: str
    slug: str
    currency: str
    timezone: str
    language: str


DRAFT_FIELDS = ("name", "slug", "currency", "timezone", "language")


def draft_from(values: dict[str, object]) -> NewMerchant:
    """A draft from a form's values; what is missing is empty (and refused by `check`)."""
    return NewMerchant(**{name: str(values.get(name) or "") for name in DRAFT_FIELDS})


@dataclass(frozen=True, slots=True)
class Created:
    place: Place
    again: bool = False  # the same owner's Create pressed again: nothing new was made


def _place(m: Merchant) -> Place:
    return Place(m.id, m.name, m.slug, m.currency)


def clean_name(text: str) -> str:
    """A merchant's name as typed, one line; refused when empty or over 100 characters."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX:
        raise MerchantRefused("name")
    return name


def clean_slug(text: str) -> str:
    slug = text.strip().lower()
    if not SLUG_RE.fullmatch(slug):
        raise MerchantRefused("slug")
    return slug


def slug_from(name: str) -> str:
    """A link name suggested from a merchant's name (tags dropped, Cyrillic and accented
    letters in Latin): its Latin letters and digits, else a placeholder to edit."""
    text = unescape(_TAG.sub(" ", name)).lower().translate(_LATIN)
    ascii_name = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]", "", ascii_name)[:20]
    return slug if len(slug) >= 3 else SLUG_FALLBACK


@cache
def time_zones() -> dict[str, str]:
    """Every zone's name by its lowercase spelling."""
    return {zone.lower(): zone for zone in available_timezones()}


def clean_timezone(text: str) -> str:
    """A zone's name as the database spells it, however it was typed; an Etc/ zone refused."""
    typed = text.strip()
    if _NOT_A_PLACE.fullmatch(typed):
        raise MerchantRefused("timezone_etc" if "/" in typed else "timezone")
    zone = time_zones().get(typed.lower())
    if zone is None:
        raise MerchantRefused("timezone")
    return zone


def clean_currency(text: str, known: frozenset[str]) -> str:
    """An ISO 4217 code among `known` (the handler's Babel knows them)."""
    code = text.strip().upper()
    if code not in known:
        raise MerchantRefused("currency")
    return code


def check(draft: NewMerchant) -> NewMerchant:
    """The draft as it will be stored; MerchantRefused names the first thing wrong."""
    if draft.language not in policy.LANGUAGES:
        raise MerchantRefused("language")
    if not re.fullmatch(r"[A-Z]{3}", draft.currency):
        raise MerchantRefused("currency")
    return NewMerchant(
        name=clean_name(draft.name),
        slug=clean_slug(draft.slug),
        currency=draft.currency,
        timezone=clean_timezone(draft.timezone),
        language=draft.language,
    )


class WorkplaceService(Service):
    async def places(self, actor: int, current: int | None) -> Places:
        """Where `actor` may work: every merchant for an owner, else where they are active
        staff; `current` marked if it is among them."""
        async with self.session.begin():
            if actor in self.owner_ids:
                rows = await self.merchants.every()
            else:
                rows = await self.merchants.worked_in(actor)
        places = tuple(_place(m) for m in rows)
        if not places:
            raise NotStaff()
        return Places(places, current if any(p.id == current for p in places) else None)

    async def switch(self, actor: int, merchant_id: int, previous: int | None) -> Place:
        """Work in `merchant_id` from the next update on, checked now (a revoked person, or a
        merchant that is gone, is refused)."""

        async def work() -> Place:
            merchant = await self.merchants.get(merchant_id)
            if merchant is None:
                raise NotStaff()
            if actor not in self.owner_ids and await self.staff.active(merchant_id, actor) is None:
                raise NotStaff()
            now = self.clock()
            await self.merchants.choose(actor, merchant_id, now)
            self.audit.add(merchant_id, actor, "workplace_switch", now, target=str(previous or ""))
            return _place(merchant)

        return await in_transaction(self.session, work)

    async def every(self, actor: int) -> tuple[Place, ...]:
        """Every merchant of the deployment, for an owner."""
        self.require_owner(actor)
        async with self.session.begin():
            return tuple(_place(m) for m in await self.merchants.every())

    async def suggest_slug(self, actor: int, name: str) -> str:
        """A free link name from the merchant's name (a number added if it is taken)."""
        self.require_owner(actor)
        base = slug_from(name)
        async with self.session.begin():
            for n in range(1, 100):
                slug = base if n == 1 else f"{base[: 20 - len(str(n))]}{n}"
                if await self.merchants.by_slug(slug) is None:
                    return slug
        return base

    async def slug_free(self, actor: int, text: str) -> str:
        """The typed link name, if it is well formed and no merchant has it."""
        self.require_owner(actor)
        slug = clean_slug(text)
        async with self.session.begin():
            if await self.merchants.by_slug(slug) is not None:
                raise MerchantRefused("slug_taken")
        return slug

    async def create(self, actor: int, draft: NewMerchant) -> Created:
        """The merchant with the program's defaults for its currency; the owner works in it
        from now on. The same owner pressing Create again gets the one made."""
        self.require_owner(actor)
        wanted = check(draft)

        async def work() -> Created:
            existing = await self.merchants.by_slug(wanted.slug)
            if existing is not None:
                if await self.merchants.created_by(existing.id, actor):
                    return Created(_place(existing), again=True)
                raise MerchantRefused("slug_taken")
            now = self.clock()
            merchant = new_merchant(
                slug=wanted.slug,
                name=wanted.name,
                currency=wanted.currency,
                timezone=wanted.timezone,
                language=wanted.language,
                now=now,
            )
            await add_with_levels(self.merchants, merchant)
            await self.merchants.choose(actor, merchant.id, now)
            self.audit.add(merchant.id, actor, "merchant_create", now, target=wanted.slug)
            return Created(_place(merchant))

        return await in_transaction(self.session, work)

    def utc_offset(self, timezone: str) -> timedelta:
        """The zone's offset from UTC now (summer time included)."""
        offset = self.clock().astimezone(ZoneInfo(timezone)).utcoffset()
        return offset or timedelta(0)

    def require_owner(self, actor: int) -> None:
        if actor not in self.owner_ids:
            raise NotOwner()
