"""Plain factory functions for service tests, and the steps several of them share."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.dto import JoinResult, MerchantView
from services.members import MemberService
from services.merchants import MerchantService
from services.notices import Notice, NoticeBody, Receipt
from tests.conftest import FakeClock

Row = TypeVar("Row")
B = TypeVar("B", bound=NoticeBody)


async def make_merchant(
    session: AsyncSession, clock: FakeClock, slug: str = "main", currency: str = "EUR"
) -> MerchantView:
    return await MerchantService(session, clock).ensure_default(
        slug=slug,
        name=f"Café {slug}",
        currency=currency,
        timezone="Europe/Warsaw",
        language="en",
    )


async def make_member(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    telegram_id: int,
    referral_code: str | None = None,
    source: str | None = None,
) -> JoinResult:
    return await MemberService(session, clock).join(
        telegram_id=telegram_id,
        merchant_id=merchant.id,
        first_name=f"User{telegram_id}",
        consent_version=merchant.rules_version,
        referral_code=referral_code,
        source=source,
    )


async def make_staff(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    telegram_id: int,
    role: str = "staff",
    name: str = "Kasia",
) -> int:
    """A staff member as an accepted invite leaves them; returns the staff row id."""
    from db.models import Staff

    async with session.begin():
        row = Staff(
            merchant_id=merchant.id,
            telegram_id=telegram_id,
            name=name,
            role=role,
            invited_by=0,
            created_at=clock(),
        )
        session.add(row)
        await session.flush()
        return row.id


async def make_reward(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    name: str = "Cappuccino",
    points_price: int = 0,
    valid_days: int = 30,
    listed: bool = True,
) -> int:
    """A reward of the merchant's (in the catalogue unless `listed` is False); its id."""
    from db.models import Reward

    async with session.begin():
        row = Reward(
            merchant_id=merchant.id,
            name=name,
            points_price=points_price,
            listed=listed,
            valid_days=valid_days,
            created_at=clock(),
        )
        session.add(row)
        await session.flush()
        return row.id


async def make_voucher(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    telegram_id: int,
    reward_id: int,
    source: str = "claim",
    points: int = 0,
    valid_days: int = 30,
) -> tuple[int, str]:
    """An open voucher of the member `telegram_id`, issued as every voucher is
    (services/rewards/issue.py): its id and code. Posts no reservation to the ledger."""
    from db.models import VoucherSource
    from db.repositories import MembershipRepo
    from db.repositories.vouchers import VoucherRepo
    from services.rewards.issue import Gift, issue

    async with session.begin():
        pair = await MembershipRepo(session).for_telegram_user(telegram_id, merchant.id)
        assert pair is not None
        gift = Gift(pair[1].id, reward_id, valid_days, VoucherSource(source), points)
        [issued] = await issue(VoucherRepo(session), merchant.id, [gift], clock())
        return issued


async def issue_code(
    session: AsyncSession, clock: FakeClock, merchant: MerchantView, tg: int
) -> str:
    from services.codes import CodeService

    return (await CodeService(session, clock).issue(merchant.id, tg)).code


async def buy(
    session: AsyncSession,
    clock: FakeClock,
    merchant: MerchantView,
    cashier: int,
    tg: int,
    amount_minor: int,
    spend: float = 0.0,
) -> Any:
    """A sale as a cashier makes it: the member's code, the amount typed, `spend` of the points
    the till allows, the preview, Confirm. Returns the SaleResult."""
    from services.sales import SaleService

    sales = SaleService(session, (), clock)
    code = await issue_code(session, clock, merchant, tg)
    quote = await sales.quote(merchant.id, cashier, code, str(amount_minor / 100))
    points = int(quote.max_points * spend)
    draft = await sales.prepare(merchant.id, cashier, code, quote.amount_minor, points, None)
    return await sales.confirm(merchant.id, cashier, draft.key)


async def credit(
    session: AsyncSession, clock: FakeClock, merchant: MerchantView, tg: int, amount: int
) -> None:
    from db.models import LedgerReason
    from db.repositories import LedgerRepo, MembershipRepo

    async with session.begin():
        pair = await MembershipRepo(session).for_telegram_user(tg, merchant.id)
        assert pair is not None
        await LedgerRepo(session).post(pair[1], amount, LedgerReason.MANUAL, clock())


async def five_wrong_codes(service: Any, merchant_id: int, staff_tg: int, prefix: str) -> Any:
    """Five wrong codes typed at the till (`prefix` + 0..4): only the fifth pauses the one
    typing them. Returns that last refusal."""
    import pytest

    from services.errors import CodeInvalid

    for attempt in range(5):
        with pytest.raises(CodeInvalid) as error:
            await service.find_customer(merchant_id, staff_tg, f"{prefix}{attempt}")
        assert error.value.paused == (attempt == 4)
    return error.value


async def in_own_session(session_factory: async_sessionmaker[AsyncSession], work: Any) -> Any:
    """What `work(session)` returns on a session of its own, as each concurrent update has one;
    a refusal (a DomainError) is returned, not raised."""
    from services.errors import DomainError

    async with session_factory() as s:
        try:
            return await work(s)
        except DomainError as error:
            return error


async def reread(session: AsyncSession, model: type[Row], ident: int | None = None) -> Row:
    """The row of `model` with id `ident` (or the only one) as the database holds it now."""
    async with session.begin():
        found = session.scalar(select(model)) if ident is None else session.get(model, ident)
        row = await found
        assert row is not None
        await session.refresh(row)
    return row


async def check_ledger_invariant(session: AsyncSession) -> None:
    """Every balance equals the sum of its ledger and is never below zero."""
    from sqlalchemy import func, select

    from db.models import LedgerEntry, Membership

    async with session.begin():
        sums = dict(
            (
                await session.execute(
                    select(LedgerEntry.membership_id, func.sum(LedgerEntry.delta_minor)).group_by(
                        LedgerEntry.membership_id
                    )
                )
            ).all()
        )
        for m in (await session.scalars(select(Membership))).all():
            await session.refresh(m)
            assert m.balance_minor >= 0, m.id
            assert m.balance_minor == int(sums.get(m.id, 0)), (
                m.id,
                m.balance_minor,
                sums.get(m.id),
            )


def body_of(notice: Notice, kind: type[B]) -> B:
    """The notice's body, which must be of `kind`."""
    assert isinstance(notice.body, kind), notice
    return notice.body


def receipt(purchase_id: int = 12, **changes: object) -> Receipt:
    """A buyer's receipt, as a sale at a café writes it."""
    fields: dict[str, object] = {
        "purchase_id": purchase_id,
        "merchant": "Café",
        "amount": 1990,
        "spent": 0,
        "earned": 59,
        "balance": 59,
        "currency": "EUR",
        "point_value": 1,
        "level_up": False,
        "level": "Bronze",
    }
    return Receipt(**{**fields, **changes})  # type: ignore[arg-type]


async def _merchant_id(session: AsyncSession, merchant_id: int | None) -> int:
    from db.models import Merchant

    if merchant_id is not None:
        return merchant_id
    found = await session.scalar(select(Merchant.id).order_by(Merchant.id).limit(1))
    assert found is not None
    return int(found)


async def set_stamp_card(
    session: AsyncSession,
    needed: int = 10,
    reward: str = "Free cappuccino",
    *,
    merchant_id: int | None = None,
    valid_days: int = 30,
    **settings: object,
) -> int:
    """A stamp card of `needed` stamps for a new (unlisted) reward `reward`, with the other
    stamp_* and cashback_on settings given, on the merchant (the first one unless told);
    returns the reward's id. The merchant row's change reloads every program copy."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from db.models import Merchant, Reward

    async with session.begin():
        mid = await _merchant_id(session, merchant_id)
        row = Reward(
            merchant_id=mid,
            name=reward,
            points_price=0,
            listed=False,
            valid_days=valid_days,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        await session.execute(
            update(Merchant)
            .where(Merchant.id == mid)
            .values(stamps_needed=needed, stamp_reward_id=row.id, **settings)
        )
        return row.id


async def make_promotion(
    session: AsyncSession,
    name: str = "Happy hours",
    *,
    merchant_id: int | None = None,
    **fields: object,
) -> int:
    """A promotion (db/models/rewards.py: Promotion's columns as `fields`, double points all
    day every day unless told) on the merchant; the program's version is raised so every
    copy sees it. Returns its id."""
    from datetime import UTC, datetime

    from db.models import Promotion
    from db.repositories import MerchantRepo

    async with session.begin():
        mid = await _merchant_id(session, merchant_id)
        values: dict[str, object] = {"multiplier_pct": 200, "created_by": 1, **fields}
        row = Promotion(merchant_id=mid, name=name, created_at=datetime.now(UTC), **values)
        session.add(row)
        await session.flush()
        await MerchantRepo(session).bump_program(mid)
        return row.id


async def check_stamp_invariant(session: AsyncSession) -> None:
    """Every member's stamps equal the sum of their stamp entries and are never below zero."""
    from sqlalchemy import func

    from db.models import Membership, StampEntry

    async with session.begin():
        sums = dict(
            (
                await session.execute(
                    select(StampEntry.membership_id, func.sum(StampEntry.delta)).group_by(
                        StampEntry.membership_id
                    )
                )
            ).all()
        )
        rows = (await session.execute(select(Membership.id, Membership.stamps))).all()
        for member, stamps in rows:
            assert stamps >= 0, member
            assert stamps == int(sums.get(member, 0)), (member, stamps, sums.get(member))


async def make_gift_reward(
    session: AsyncSession, name: str = "Free croissant", *, merchant_id: int | None = None
) -> int:
    """A reward given, not sold (unlisted, price 0), valid 30 days; returns its id."""
    from datetime import UTC, datetime

    from db.models import Reward

    async with session.begin():
        mid = await _merchant_id(session, merchant_id)
        row = Reward(
            merchant_id=mid, name=name, points_price=0, listed=False, created_at=datetime.now(UTC)
        )
        session.add(row)
        await session.flush()
        return row.id


async def staff_cast(owner: Any, tg: Any, db: Any, session_factory: Any, clock: FakeClock) -> None:
    """The staff of the role tests: cashier 50 (Kasia) and admin 60 (Ivan, revoked) hired by
    `owner`, and admin 70 (Olga) of another merchant, "Other Bistro"."""
    from db.models import Staff
    from tests.telegram import hire

    await hire(owner, tg(50))
    await hire(owner, tg(60, first_name="Ivan"), role="admin")
    ivan_id = next(s.id for s in await db.all(select(Staff)) if s.telegram_id == 60)
    await owner.press(f"srev:{ivan_id}")
    async with session_factory() as session:
        other = await MerchantService(session, clock).ensure_default(
            slug="other", name="Other Bistro", currency="PLN", timezone="UTC", language="en"
        )
        await make_staff(session, clock, other, 70, role="admin", name="Olga")
