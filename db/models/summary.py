"""Summaries the reports read instead of every purchase and ledger entry (db/reports/): a row
per member who bought, and a row per merchant, hour and kind of flow. Kept exact in the
transaction of each sale, refund and ledger entry (db/repositories/summary.py); rebuilt from
the purchases and the ledger, or checked against them, by `loyalty-bot rebuild-summaries`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime

SALE = "sale"  # HourSummary.kind of purchases
STARS = "stars:"  # and of ratings, "stars:1" to "stars:5"; every other kind is a LedgerReason
HOUR = 3600


class MemberSummary(Base):
    """A member's purchases that count (confirmed, not wholly refunded): how many, their
    revenue (amounts less refunds), and when the first, the second and the last were made.
    Whether a member had bought, twice, lately, or at all by an instant is read from here;
    the purchases themselves only for members who bought on both sides of it."""

    __tablename__ = "member_summary"
    # Rows of a merchant lie together (SQLite: the primary key is the table), so a report
    # reads its members as one range.
    __table_args__ = ({"sqlite_with_rowid": False},)

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    purchases: Mapped[int] = mapped_column(Integer)
    revenue_minor: Mapped[int] = mapped_column(BigInteger)
    first_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    second_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HourSummary(Base):
    """What moved in one UTC hour of a merchant, by kind: purchases that count and their
    revenue (kind "sale", on the hour of the purchase, refunds included), ratings given by
    stars ("stars:5", on the hour of the rating), or ledger entries of one reason and their
    points. A local day is whole hours in every timezone on a whole-hour
    offset; reports read the rest of a day from the purchases and the ledger."""

    __tablename__ = "hour_summary"
    __table_args__ = ({"sqlite_with_rowid": False},)

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # its start, epoch seconds
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # money for sales, points otherwise
