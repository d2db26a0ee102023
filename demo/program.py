"""The merchant the demo fills: its settings as the simulation reads them, and what the demo
adds before the members come (three staff members and a café menu)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import CatalogItem, Level, Membership, Merchant, Staff, StaffRole
from demo.writer import table_of
from services import policy
from services.dto import LevelInfo

# Telegram user ids have at most 52 significant bits: demo staff get ids above that (and
# demo customers, see people.py), so nothing the bot might send them can reach a real person.
DEMO_STAFF_BASE = 1 << 53
DEMO_STAFF = (("Kasia", StaffRole.STAFF), ("Marek", StaffRole.STAFF), ("Anna", StaffRole.ADMIN))
# (category, title, price in café euros): the demo catalog and pre-orders.
MENU = (
    ("Coffee", "Cappuccino", 3.8),
    ("Coffee", "Flat white", 4.2),
    ("Coffee", "Latte", 4.0),
    ("Bakery", "Croissant", 2.9),
    ("Bakery", "Cinnamon roll", 3.5),
    ("Bakery", "Sourdough loaf", 6.5),
    ("Cakes", "Cheesecake", 5.5),
    ("Cakes", "Apple pie", 4.9),
    ("Breakfast", "Avocado toast", 9.5),
    ("Breakfast", "Granola bowl", 7.0),
)

MenuItem = tuple[str, str, int]  # (category, title, price in minor units)


@dataclass(frozen=True, slots=True)
class Program:
    """The merchant's settings; bonuses set as money are here in points."""

    merchant_id: int
    tz: ZoneInfo
    default_language: str
    rules_version: int
    point_value: int
    welcome_bonus: int
    birthday_bonus: int
    birthday_hour: int
    birthday_days: int
    max_sale: int
    unit: int  # a café euro in the merchant's currency (policy.cafe_unit)
    step: int  # prices end in 10 cents, or the like
    # What settles a sale and a refund (services/policy/settlement.py):
    levels: tuple[LevelInfo, ...]  # by rank
    rates_bp: tuple[int, ...]  # referral shares, nearest referrer first
    referral_bonus_minor: int  # money, on a friend's first purchase

    @property
    def first_rank(self) -> int:
        return self.levels[0].rank

    def price(self, eur: float) -> int:
        """A price of `eur` café euros in minor units, rounded to the step."""
        return max(self.step, round(eur * self.unit / self.step) * self.step)


async def load_program(conn: AsyncConnection, merchant_id: int) -> Program:
    """The merchant and its levels; ValueError if either is missing."""
    merchant_table, level_table = table_of(Merchant), table_of(Level)
    merchant = (
        await conn.execute(select(merchant_table).where(merchant_table.c.id == merchant_id))
    ).one_or_none()
    if merchant is None:
        raise ValueError(f"no merchant with id {merchant_id}")
    # LevelInfo's fields are the level table's columns of the same names.
    columns = [level_table.c[f.name] for f in dataclasses.fields(LevelInfo)]
    where = level_table.c.merchant_id == merchant_id
    levels = [LevelInfo(*row) for row in await conn.execute(select(*columns).where(where))]
    if not levels:
        raise ValueError(f"merchant {merchant_id} has no levels")
    value: int = merchant.point_value_minor
    unit = policy.cafe_unit(merchant.currency)
    rates = (merchant.referral_bp_1, merchant.referral_bp_2, merchant.referral_bp_3)
    return Program(
        merchant_id=merchant.id,
        tz=ZoneInfo(merchant.timezone),
        default_language=merchant.default_language,
        rules_version=merchant.rules_version,
        point_value=value,
        welcome_bonus=policy.bonus_points(merchant.welcome_bonus_minor, value),
        birthday_bonus=policy.bonus_points(merchant.birthday_bonus_minor, value),
        birthday_hour=merchant.birthday_hour,
        birthday_days=merchant.birthday_bonus_days,
        max_sale=merchant.max_sale_minor,
        unit=unit,
        step=max(1, unit // 10),
        levels=tuple(sorted(levels, key=lambda lv: lv.rank)),
        rates_bp=rates,
        referral_bonus_minor=merchant.referral_bonus_minor,
    )


async def add_staff(conn: AsyncConnection, program: Program, since: datetime) -> list[int]:
    """The demo staff's Telegram ids (the admin last), added unless already there."""
    staff = table_of(Staff)
    wanted = [DEMO_STAFF_BASE + k for k in range(len(DEMO_STAFF))]
    have = set(
        (
            await conn.execute(
                select(staff.c.telegram_id).where(
                    staff.c.merchant_id == program.merchant_id, staff.c.telegram_id.in_(wanted)
                )
            )
        )
        .scalars()
        .all()
    )
    rows = [
        {
            "merchant_id": program.merchant_id,
            "telegram_id": tg,
            "name": name,
            "role": role,
            "invited_by": 0,
            "created_at": since,
            "revoked_at": None,
            "paused_until": None,
        }
        for tg, (name, role) in zip(wanted, DEMO_STAFF, strict=True)
        if tg not in have
    ]
    if rows:
        await conn.execute(insert(staff), rows)
    return wanted


async def add_menu(conn: AsyncConnection, program: Program, since: datetime) -> list[MenuItem]:
    """The demo menu in the merchant's currency; added to a catalog that has nothing yet."""
    catalog = table_of(CatalogItem)
    has_catalog = await conn.scalar(
        select(func.count())
        .select_from(catalog)
        .where(catalog.c.merchant_id == program.merchant_id)
    )
    menu = [(category, title, program.price(eur)) for category, title, eur in MENU]
    if not has_catalog:
        await conn.execute(
            insert(catalog),
            [
                {
                    "merchant_id": program.merchant_id,
                    "category": category,
                    "title": title,
                    "price_minor": price,
                    "photo": None,
                    "archived": False,
                    "created_at": since,
                }
                for category, title, price in menu
            ],
        )
    return menu


async def taken_referral_codes(conn: AsyncConnection) -> set[str]:
    """Referral codes already in use (unique across merchants)."""
    membership = table_of(Membership)
    return set((await conn.execute(select(membership.c.referral_code))).scalars().all())
