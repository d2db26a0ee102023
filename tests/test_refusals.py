"""Errors once: a domain error is worded by its router's error handlers inside the update,
anything else gets the apology, and a pressed button is answered exactly once either way."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from db.models import ProcessedUpdate, Staff
from services.errors import NotAMember, NotStaff
from tests.telegram import hire, join
from tests.test_handlers_sale import OWNER


async def test_a_refusal_in_a_transaction_leaves_nothing_and_is_answered_once(
    tg, db, monkeypatch
) -> None:
    from services.staff import StaffService

    owner, kasia = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    listing = await owner.send("/staff")

    async def revoke_then_refuse(self, merchant_id, actor, staff_id):
        async with self.session.begin():  # a write, then the refusal: all rolled back
            row = await self.session.scalar(select(Staff))
            row.name = "Renamed"
            await self.session.flush()
            raise NotStaff()

    monkeypatch.setattr(StaffService, "revoke", revoke_then_refuse)
    recorded = await db.count(ProcessedUpdate)
    pressed = await owner.press(listing.button("Revoke Kasia"))
    assert pressed.toasts == ["Only the admins of this place can manage staff."]
    assert pressed.of(AnswerCallbackQuery)[0].show_alert
    assert await db.count(ProcessedUpdate) == recorded  # nothing written, nothing recorded
    assert await db.scalar(select(Staff.name)) == "Kasia"


async def test_an_unexpected_error_on_a_button_is_one_apology(tg, monkeypatch) -> None:
    from services.staff import StaffService

    owner, kasia = tg(OWNER, first_name="Olga"), tg(50, first_name="Kasia")
    await hire(owner, kasia)
    listing = await owner.send("/staff")

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(StaffService, "revoke", broken)
    pressed = await owner.press(listing.button("Revoke Kasia"))
    assert pressed.toasts == ["Sorry, something went wrong. Please try again."]


async def test_a_refusal_no_router_words_goes_to_the_last_resort(tg, monkeypatch) -> None:
    from services.members import MemberService

    anna = tg(101)
    await join(anna)

    async def gone(*args, **kwargs):
        raise NotAMember()

    monkeypatch.setattr(MemberService, "card", gone)
    assert (await anna.send("/card")).texts == ["Please press /start to join first."]
