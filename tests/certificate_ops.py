"""The steps of the certificates' property test (tests/test_certificate_property.py), each
through the real services as a till, a member or a job drives them, over a small coalition:
Café A (EUR) partners Bistro B (PLN) and Salon C (EUR); A's money offer is handed out by B
automatically and by C's cashier, A's named item by B's cashier and C automatically, and B's
money offer by A automatically. A refused step is a refusal the user reads: it must change no
certificate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Certificate,
    CertificateEntry,
    Customer,
    HandOut,
    Purchase,
    PurchaseStatus,
)
from services.coalition.gifts import GiftService
from services.coalition.giving import GivingService
from services.coalition.offer_inputs import OfferTerms, Route
from services.coalition.offers import OfferService
from services.coalition.partners import PartnerService
from services.coalition.redeem import CertificateTillService
from services.coalition.sale_certificates import SaleCertificateService
from services.dto import MerchantView
from services.errors import DomainError
from services.jobs import JobService
from services.members import MemberService
from services.sales import SaleService
from tests.conftest import FakeClock
from tests.factories import issue_code, make_member, make_merchant, make_staff

ADMIN, CASHIER, MEMBER = 800, 900, 100  # + the place's or the member's index
PLACES = (("a", "EUR"), ("b", "PLN"), ("c", "EUR"))
JOINS = ({0, 1, 2}, {0, 1}, {0, 2}, {1, 2})  # member i's places: the last is not A's member


@dataclass(frozen=True)
class Buy:  # a purchase, at a partner it may hand out certificates
    place: int
    member: int
    amount: int
    spend: float


@dataclass(frozen=True)
class Tap:  # a partner's cashier gives a certificate of an offer after a sale
    purchase: int  # counted from the newest, as Refund's
    offer: int


@dataclass(frozen=True)
class Gift:  # the holder makes a gift link, a friend takes it
    certificate: int
    friend: int


@dataclass(frozen=True)
class Redeem:  # its code typed at the accepting business's till, then Hand over
    certificate: int


@dataclass(frozen=True)
class UseInSale:  # paying part of a check there, then Confirm
    certificate: int
    amount: int
    spend: float


@dataclass(frozen=True)
class Refund:
    purchase: int  # 0: the newest sale
    share: float  # of what is left; 1.0 all of it


@dataclass(frozen=True)
class Wait:  # days pass; the expiry job runs (twice)
    days: int


@dataclass(frozen=True)
class Erase:  # a member leaves one place's program
    member: int
    place: int


@dataclass(frozen=True)
class End:  # A ends its partnership with B (1) or C (2)
    partner: int


@dataclass
class World:
    session: AsyncSession
    clock: FakeClock
    places: list[MerchantView]
    offers: list[int] = field(default_factory=list)
    joined: set[tuple[int, int]] = field(default_factory=set)  # (member, place)
    purchases: list[int] = field(default_factory=list)
    typed: dict[int, int] = field(default_factory=dict)  # purchase id -> the check typed


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


async def coalition(session: AsyncSession, clock: FakeClock) -> World:
    """The three places, their admins, cashiers and members, two partnerships made by links and
    the three offers, all through the services."""
    places = [await make_merchant(session, clock, slug, currency) for slug, currency in PLACES]
    world = World(session, clock, places)
    for i, place in enumerate(places):
        await make_staff(session, clock, place, ADMIN + i, role="admin", name="Ada")
        await make_staff(session, clock, place, CASHIER + i)
    for member, where in enumerate(JOINS):
        for i in sorted(where):
            await make_member(session, clock, places[i], MEMBER + member)
            world.joined.add((member, i))
    partners = PartnerService(session, (), clock)
    for i in (1, 2):
        invite = await partners.create_invite(places[0].id, ADMIN)
        await partners.accept(invite.token, ADMIN + i, places[i].id)
    a, b, c = (p.id for p in places)
    offers = OfferService(session, (), clock)
    for at, terms in (
        (0, OfferTerms(1000, None, 2000, 5, 6, 2, (auto(b, 3000), cashier(c)))),
        (0, OfferTerms(0, "Free coffee", 0, 3, None, 1, (cashier(b), auto(c, 0)))),
        (1, OfferTerms(500, None, 1000, 4, 4, None, (auto(a, 1500),))),
    ):
        world.offers.append((await offers.add(places[at].id, ADMIN + at, terms)).id)
    return world


def auto(partner: int, at_least: int) -> Route:
    return Route(partner, HandOut.AUTO, at_least)


def cashier(partner: int) -> Route:
    return Route(partner, HandOut.CASHIER)


async def snapshot(session: AsyncSession) -> tuple[object, ...]:
    """What a refused step leaves alone: the certificates (status, holder), the number of
    their entries and the confirmed sales (with what was refunded of them). A refused sale
    may leave its draft behind, as the till does."""
    async with session.begin():
        certificates = (
            await session.execute(
                select(Certificate.id, Certificate.status, Certificate.customer_id).order_by(
                    Certificate.id
                )
            )
        ).all()
        entries = await session.scalar(select(func.count()).select_from(CertificateEntry))
        sales = (
            await session.execute(
                select(Purchase.id, Purchase.refunded_minor)
                .where(Purchase.status == PurchaseStatus.CONFIRMED)
                .order_by(Purchase.id)
            )
        ).all()
    return tuple(map(tuple, certificates)), entries, tuple(map(tuple, sales))


async def _certificate(world: World, index: int) -> Any:
    """The `index`-th certificate (mod their number) with its holder's Telegram id."""
    async with world.session.begin():
        rows = (
            await world.session.execute(
                select(
                    Certificate.id, Certificate.code, Certificate.merchant_id, Customer.telegram_id
                )
                .outerjoin(Customer, Customer.id == Certificate.customer_id)
                .order_by(Certificate.id)
            )
        ).all()
    return rows[index % len(rows)] if rows else None


def _place(world: World, merchant_id: int) -> int:
    return next(i for i, p in enumerate(world.places) if p.id == merchant_id)


async def step(world: World, op: object) -> None:
    """Do `op`; a refusal is what the user would read, and must change nothing."""
    before = await snapshot(world.session)
    try:
        await _do(world, op)
    except DomainError as refused:
        event(f"{type(op).__name__} refused: {getattr(refused, 'reason', type(refused).__name__)}")
        assert await snapshot(world.session) == before, op
    else:
        changed = await snapshot(world.session) != before
        event(f"{type(op).__name__} {'done' if changed else 'changed nothing'}")


async def _do(world: World, op: object) -> None:
    s, clock = world.session, world.clock
    sales = SaleService(s, (), clock)
    if isinstance(op, Buy):
        if (op.member, op.place) not in world.joined:
            return
        place = world.places[op.place]
        code = await issue_code(s, clock, place, MEMBER + op.member)
        quote = await sales.quote(place.id, CASHIER + op.place, code, money(op.amount))
        points = int(quote.max_points * op.spend)
        draft = await sales.prepare(place.id, CASHIER + op.place, code, op.amount, points, None)
        done = await sales.confirm(place.id, CASHIER + op.place, draft.key)
        world.purchases.append(done.purchase_id)
        world.typed[done.purchase_id] = op.amount
    elif isinstance(op, Tap) and world.purchases:
        pid = world.purchases[-1 - op.purchase % len(world.purchases)]
        async with s.begin():
            merchant_id = await s.scalar(select(Purchase.merchant_id).where(Purchase.id == pid))
        i = _place(world, int(merchant_id or 0))
        offer = world.offers[op.offer % len(world.offers)]
        await GivingService(s, (), clock).give(world.places[i].id, CASHIER + i, pid, offer)
    elif isinstance(op, Gift):
        row = await _certificate(world, op.certificate)
        if row is None or row.telegram_id is None:
            return
        gifts = GiftService(s, (), clock)
        token = await gifts.share(int(row.telegram_id), row.id)
        await gifts.take(MEMBER + op.friend, token)
    elif isinstance(op, Redeem):
        row = await _certificate(world, op.certificate)
        if row is None:
            return
        i = _place(world, row.merchant_id)
        till = CertificateTillService(s, (), clock)
        shown = await till.find(row.merchant_id, CASHIER + i, row.code)  # typed at the till
        await till.hand_over(row.merchant_id, CASHIER + i, row.id, shown.holder)
    elif isinstance(op, UseInSale):
        await _use_in_sale(world, sales, op)
    elif isinstance(op, Refund) and world.purchases:
        pid = world.purchases[-1 - op.purchase % len(world.purchases)]
        async with s.begin():
            p = await s.get(Purchase, pid)
            assert p is not None
            await s.refresh(p)
            left, merchant_id = p.amount_minor - p.refunded_minor, p.merchant_id
        if left:
            amount = left if op.share == 1.0 else max(1, int(left * op.share))
            i = _place(world, merchant_id)
            await sales.refund(merchant_id, CASHIER + i, pid, money(amount))
    elif isinstance(op, Wait):
        clock.advance(days=op.days)
        jobs = JobService(s, clock)
        await jobs.expire_certificates()
        once = await snapshot(s)
        await jobs.expire_certificates()
        assert await snapshot(s) == once  # a second run changes nothing
    elif isinstance(op, Erase) and (op.member, op.place) in world.joined:
        await MemberService(s, clock).erase(world.places[op.place].id, MEMBER + op.member)
        world.joined.discard((op.member, op.place))
    elif isinstance(op, End):
        await PartnerService(s, (), clock).end(
            world.places[0].id, ADMIN, world.places[op.partner].id
        )


async def _use_in_sale(world: World, sales: SaleService, op: UseInSale) -> None:
    s, clock = world.session, world.clock
    row = await _certificate(world, op.certificate)
    if row is None or row.telegram_id is None:
        return
    i = _place(world, row.merchant_id)
    member = int(row.telegram_id) - MEMBER
    if (member, i) not in world.joined:
        return
    place, cashier = world.places[i], CASHIER + i
    code = await issue_code(s, clock, place, int(row.telegram_id))
    quote = await sales.quote(place.id, cashier, code, money(op.amount))
    points = int(quote.max_points * op.spend)
    draft = await sales.prepare(place.id, cashier, code, op.amount, points, None)
    used = await SaleCertificateService(s, (), clock).use(place.id, cashier, draft.key, row.id)
    done = await sales.confirm(place.id, cashier, used.key)
    world.purchases.append(done.purchase_id)
    world.typed[done.purchase_id] = op.amount
    async with s.begin():
        p = await s.get(Purchase, done.purchase_id)
        assert p is not None and p.certificate_id == row.id, op
