"""Certificate offers as the issuing business runs them from the chat (/offers): the list, one
offer, a new one saved once, an offer's terms, caps and routes edited, an offer archived.

Every method checks the actor's role first (owners and the merchant's admins), then reads or
changes only that merchant's offers. A change of an offer raises the program version of every
partner that hands it out or did until this change (their program copies hold the routes they
hand out, with the offer's terms), in the same transaction; every change is audited
(offer_add, offer_edit naming the field, offer_archive). Terms a certificate copies apply to
certificates handed out from then on."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property

from db.models import CertificateOffer
from db.repositories.offers import OfferRepo
from db.repositories.partners import PartnerRepo
from services._tx import in_transaction
from services.base import Service
from services.coalition.offer_inputs import OfferRefused, OfferTerms, Route, check_terms
from services.staff import require_admin

# An edited field as the audit names it -> the OfferTerms attributes (and columns) it holds.
FIELDS = {
    "value": ("value_minor", "item"),
    "min_check": ("min_check_minor",),
    "valid_days": ("valid_days",),
    "total_limit": ("total_limit",),
    "per_customer_limit": ("per_customer_limit",),
}
PAGE = 8  # offers a page of /offers lists
SAME_PRESS = timedelta(minutes=1)  # an identical offer saved by the same admin this recently


@dataclass(frozen=True, slots=True)
class Partner:
    id: int
    name: str
    currency: str
    max_sale_minor: int  # its limit for one sale: an automatic route's threshold is under it


@dataclass(frozen=True, slots=True)
class OfferPlace:
    merchant_id: int
    currency: str
    max_sale_minor: int  # the limit for one sale: an offer's value and minimum check are under it
    partners: tuple[Partner, ...]

    def partner(self, partner_id: int) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    @property
    def partner_ids(self) -> frozenset[int]:
        return frozenset(p.id for p in self.partners)


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    terms: OfferTerms  # routes of current partners only
    issued: int  # handed out so far, against the total cap
    archived: bool


@dataclass(frozen=True, slots=True)
class OfferBoard:
    place: OfferPlace
    offers: tuple[OfferView, ...]  # this page's, newest first
    archived: int  # how many archived offers there are (listed on their own)
    active: int  # how many active offers there are
    page: int = 0  # from 0
    pages: int = 1


@dataclass(frozen=True, slots=True)
class Archived:
    view: OfferView
    now: bool  # archived by this press; False: it was archived already


def changed_fields(before: OfferTerms, after: OfferTerms) -> list[str]:
    """The fields an edit changed, as the audit names them: value (the amount or the item),
    min_check, valid_days, total_limit, per_customer_limit, routes."""
    fields = [
        name
        for name, attrs in FIELDS.items()
        if any(getattr(before, a) != getattr(after, a) for a in attrs)
    ]
    if before.routes != after.routes:
        fields.append("routes")
    return fields


def _label(terms: OfferTerms) -> str:
    """The audit row's details: what the certificate is worth."""
    return json.dumps({"item": terms.item} if terms.item else {"value": terms.value_minor})


class OfferService(Service):
    @cached_property
    def repo(self) -> OfferRepo:
        return OfferRepo(self.session)

    async def _place(self, merchant_id: int, actor: int) -> OfferPlace:
        await require_admin(self.staff, merchant_id, actor, self.owner_ids)
        merchant = await self.merchants.get(merchant_id)
        assert merchant is not None
        partners = tuple(
            Partner(m.id, m.name, m.currency, m.max_sale_minor)
            for m, _since in await PartnerRepo(self.session).partners(merchant_id)
        )
        return OfferPlace(merchant_id, merchant.currency, merchant.max_sale_minor, partners)

    async def _views(self, place: OfferPlace, rows: list[CertificateOffer]) -> list[OfferView]:
        routes = await self.repo.routes([r.id for r in rows])
        views = []
        for row in rows:
            mine = tuple(
                Route(r.partner_merchant_id, r.hand_out, r.min_purchase_minor)
                for r in routes
                if r.offer_id == row.id and r.partner_merchant_id in place.partner_ids
            )
            terms = OfferTerms(
                row.value_minor,
                row.item,
                row.min_check_minor,
                row.valid_days,
                row.total_limit,
                row.per_customer_limit,
                mine,
            )
            views.append(OfferView(row.id, terms, row.issued_count, row.archived_at is not None))
        return views

    async def _one(self, place: OfferPlace, offer_id: int) -> tuple[CertificateOffer, OfferView]:
        row = await self.repo.get(place.merchant_id, offer_id)
        if row is None:
            raise OfferRefused("gone")
        [view] = await self._views(place, [row])
        return row, view

    async def place(self, merchant_id: int, actor: int) -> OfferPlace:
        """The merchant and its current partners, as the form needs them."""
        async with self.session.begin():
            return await self._place(merchant_id, actor)

    async def board(
        self, merchant_id: int, actor: int, archived: bool = False, page: int = 0
    ) -> OfferBoard:
        """A page of the list of /offers: the active offers (or the archived ones), newest
        first; a page past the end is the last."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            active, old = await self.repo.counts(merchant_id)
            pages = max(1, -(-(old if archived else active) // PAGE))
            page = min(max(page, 0), pages - 1)
            rows = list(await self.repo.listing(merchant_id, archived, page * PAGE, PAGE))
            views = await self._views(place, rows)
            return OfferBoard(place, tuple(views), old, active, page, pages)

    async def one(
        self, merchant_id: int, actor: int, offer_id: int
    ) -> tuple[OfferPlace, OfferView]:
        """One offer of this merchant (OfferRefused gone for anyone else's)."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            return place, (await self._one(place, offer_id))[1]

    async def add(self, merchant_id: int, actor: int, terms: OfferTerms) -> OfferView:
        """Save a new offer with its routes, audited; the same offer saved again by the same
        admin within a minute (a double press) is the one saved before, not a second."""

        async def work() -> OfferView:
            place = await self._place(merchant_id, actor)
            checked = check_terms(terms, place.partner_ids)
            # The issuing merchant's row lock makes a second press wait for the first save,
            # then find it below.
            await self.repo.lock_merchant(merchant_id)
            now = self.clock()
            rows = list(await self.repo.same_press(merchant_id, actor, now - SAME_PRESS))
            for view in await self._views(place, rows):
                if view.terms == checked and view.issued == 0:
                    return view  # saved by the first press
            await self.repo.bump_programs([r.partner_id for r in checked.routes])
            row = CertificateOffer(
                merchant_id=merchant_id,
                value_minor=checked.value_minor,
                item=checked.item,
                min_check_minor=checked.min_check_minor,
                valid_days=checked.valid_days,
                total_limit=checked.total_limit,
                per_customer_limit=checked.per_customer_limit,
                issued_count=0,
                created_by=actor,
                created_at=now,
            )
            offer_id = await self.repo.add(row, [_route_row(r) for r in checked.routes])
            self.audit.add(merchant_id, actor, "offer_add", now, str(offer_id), _label(checked))
            return OfferView(offer_id, checked, 0, False)

        return await in_transaction(self.session, work)

    async def update(
        self, merchant_id: int, actor: int, offer_id: int, terms: OfferTerms, base: OfferTerms
    ) -> tuple[OfferView, list[str]]:
        """Save an edit: only what it changed (`terms` against `base`, the terms read when it
        began) is applied over the offer as it is now, so two admins editing different fields
        both keep theirs; routes of partners it did not touch stay as they are. An offer whose
        partners have all ended keeps no route (it hands out nothing until one is set).
        Audited field by field; the fields changed."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            # Two edits at once take turns: the second reads the offer and its routes as the
            # first left them, so it neither undoes them nor adds a route twice.
            await self.repo.lock_merchant(merchant_id)
            row, now_view = await self._one(place, offer_id)
            if now_view.archived:
                raise OfferRefused("archived")
            edited = changed_fields(base, terms)
            merged = _merge(now_view.terms, terms, edited, _touched(base.routes, terms.routes))
            checked = check_terms(
                merged, place.partner_ids, row.issued_count, need_route="routes" in edited
            )
            fields = changed_fields(now_view.terms, checked)
            values = {a: getattr(checked, a) for f in fields for a in FIELDS.get(f, ())}
            if values and not await self.repo.set_terms(offer_id, values):
                raise OfferRefused("below_issued", await self.repo.issued(offer_id))
            touched = _touched(now_view.terms.routes, checked.routes)
            # The partners' program copies hold the terms of what they hand out too.
            routed = {r.partner_id for r in (*now_view.terms.routes, *checked.routes)}
            await self.repo.bump_programs(sorted(routed) if fields else [])
            await self.repo.drop_routes(offer_id, touched)
            await self.repo.add_routes(
                offer_id, [_route_row(r) for r in checked.routes if r.partner_id in touched]
            )
            now = self.clock()
            for field in fields:
                self.audit.add(merchant_id, actor, "offer_edit", now, field, _label(checked))
            return replace(now_view, terms=checked), fields

    async def archive(self, merchant_id: int, actor: int, offer_id: int) -> Archived:
        """Archive an offer now (its partners stop handing it out; certificates handed out
        stay valid), audited; archiving it again says it was archived already."""
        async with self.session.begin():
            place = await self._place(merchant_id, actor)
            _row, view = await self._one(place, offer_id)
            if view.archived:
                return Archived(view, False)
            now = self.clock()
            done = await self.repo.archive(merchant_id, offer_id, now)
            if done:
                await self.repo.bump_programs([r.partner_id for r in view.terms.routes])
                self.audit.add(
                    merchant_id, actor, "offer_archive", now, str(offer_id), _label(view.terms)
                )
            return Archived(replace(view, archived=True), done)


def _route_row(route: Route) -> dict[str, object]:
    return {
        "partner_merchant_id": route.partner_id,
        "hand_out": route.hand_out,
        "min_purchase_minor": route.min_purchase_minor,
    }


def _merge(now: OfferTerms, edit: OfferTerms, fields: list[str], touched: list[int]) -> OfferTerms:
    """The offer as it is now with this edit's fields and touched routes applied."""
    merged = replace(now, **{a: getattr(edit, a) for f in fields for a in FIELDS.get(f, ())})
    for partner_id in touched:
        merged = merged.with_route(partner_id, edit.route(partner_id))
    return merged


def _touched(before: tuple[Route, ...], after: tuple[Route, ...]) -> list[int]:
    """The partners whose route an edit adds, removes or changes."""
    old = {r.partner_id: r for r in before}
    new = {r.partner_id: r for r in after}
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
