"""The rules a newcomer reads (issue 15) name the stamp card, the gifts, promotions and
vouchers, written from the settings in the reader's language."""

from __future__ import annotations

import pytest

from tests.test_handlers_sale import OWNER
from tests.test_point_value import plain
from tests.test_settings_gifts import CAPPUCCINO, add_reward, set_merchant

# language, what the stamp card's line says, a word of the vouchers' line
CARD_LINES = [
    (
        "en",
        "Stamp card: collect 10 stamps, one per purchase from €5, at most one a day, "
        f"for {CAPPUCCINO}.",
        "reserved when you claim a voucher",
    ),
    (
        "ru",
        "Карта штампов: соберите 10 штампов, один за покупку от 5 €, не больше одного в "
        f"день, — и получите {CAPPUCCINO}.",
        "резервируются",
    ),
    (
        "pl",
        "Karta pieczątek: zbierz 10 pieczątek, jedna za zakup od 5 €, najwyżej jedna "
        f"dziennie, a dostaniesz {CAPPUCCINO}.",
        "rezerwowane",
    ),
    (
        "hu",
        "Pecsétkártya: gyűjts 10 pecsétet (vásárlásonként egy, 5 € összegtől, legfeljebb "
        f"napi egy), és a jutalmad: {CAPPUCCINO}.",
        "lefoglaljuk",
    ),
]


@pytest.mark.parametrize(("language", "card", "vouchers"), CARD_LINES)
async def test_the_rules_name_the_stamp_card_and_the_gifts(
    tg, db, language, card, vouchers
) -> None:
    await tg(OWNER).send("/settings")  # the first update makes the merchant
    reward = await add_reward(db, CAPPUCCINO)
    gift = await add_reward(db, "Croissant")
    await set_merchant(
        db,
        stamps_needed=10,
        stamp_reward_id=reward,
        stamp_min_amount_minor=500,
        stamp_daily_once=True,
        welcome_reward_id=gift,
        friend_reward_id=gift,
    )
    rules = await tg(101, language_code=language).send("/start")
    assert card in plain(rules.text), rules.text
    assert vouchers in rules.text
    assert rules.text.count("Croissant") == 2  # the welcome gift and the friend's
