"""/customer's form: the steps that take typed text, and where its data waits in FSM storage."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

STAFF = {"staff": True}
DATA = "care"  # FSM data: the member (or sale) the open step is about, and what was typed


class CareForm(StatesGroup):
    query = State()
    delta = State()
    reason = State()
    preview = State()  # the preview's Save and Cancel take it from here
    birthday = State()
    goodwill = State()


async def form_data(state: FSMContext) -> dict[str, Any]:
    """What the open step is about ({} when nothing is: a stale or another chat's button)."""
    data = (await state.get_data()).get(DATA)
    return data if isinstance(data, dict) else {}


async def ask(
    query: CallbackQuery, state: FSMContext, step: State, about: dict[str, Any], text: str
) -> None:
    """A button opened `step` about a member or a sale: remember which, and ask for it."""
    await state.set_state(step)
    await state.update_data({DATA: about})
    if isinstance(query.message, Message):
        await query.message.answer(text)
