"""The rewards' settings as pure rules (issue 15): which changes take something from members,
which are refused (members must earn something; a card needs its reward), what a typed stamp
count or a reward's button or name becomes."""

from __future__ import annotations

import pytest

from services.policy.program_changes import (
    SettingKey,
    SettingRefused,
    gift_refusal,
    parse_setting,
    worse_change,
    worse_setting,
)
from services.program_gifts import RewardChoice, reward_value

K = SettingKey


@pytest.mark.parametrize(
    ("key", "before", "after", "worse"),
    [
        (K.CASHBACK, True, False, True),  # cashback turned off
        (K.CASHBACK, False, True, False),
        (K.STAMPS, 10, 12, True),  # more stamps needed
        (K.STAMPS, 12, 10, False),
        (K.STAMPS, 10, None, True),  # the card turned off
        (K.STAMPS, None, 10, False),  # a card turned on
        (K.STAMP_MIN, 0, 500, True),  # min amount raised
        (K.STAMP_MIN, 500, 0, False),
        (K.STAMP_STEP, 500, 1000, True),  # step raised
        (K.STAMP_STEP, 1000, 500, False),
        (K.STAMP_STEP, None, 500, True),  # per purchase -> per step: small checks earn none
        (K.STAMP_STEP, 500, None, True),  # per step -> per purchase: big checks earn less
        (K.STAMP_DAILY, False, True, True),  # at most one a day turned on
        (K.STAMP_DAILY, True, False, False),
        (K.STAMP_REWARD, 3, 4, True),  # the card's reward swapped
        (K.STAMP_REWARD, None, 4, False),
        (K.STAMP_REWARD, None, "Free cappuccino", False),  # a new gift named
        (K.WELCOME_REWARD, 3, None, True),  # a gift removed
        (K.WELCOME_REWARD, None, 3, False),
        (K.FRIEND_REWARD, 3, None, True),
        (K.FRIEND_REWARD, 3, "Muffin", True),
        (K.FRIEND_GIFT, 500, 200, True),  # a gift lowered
        (K.FRIEND_GIFT, 0, 200, False),
        (K.FRIEND_GIFT, 200, 0, True),
    ],
)
def test_worse_for_members(key, before, after, worse) -> None:
    assert worse_setting(key, before, after) is worse
    assert worse_change(key, before, after, card_runs=True) is worse


@pytest.mark.parametrize(
    ("key", "before", "after", "worse"),
    [
        (K.STAMP_MIN, 0, 500, False),  # a card being set up takes nothing from anyone
        (K.STAMP_STEP, None, 500, False),
        (K.STAMP_DAILY, False, True, False),
        (K.STAMP_REWARD, 3, 4, False),
        (K.STAMPS, 10, 12, True),  # the count is the card itself: judged as it is
        (K.CASHBACK, True, False, True),
        (K.WELCOME_REWARD, 3, None, True),
    ],
)
def test_details_of_a_card_that_does_not_run_are_never_worse(key, before, after, worse) -> None:
    assert worse_change(key, before, after, card_runs=False) is worse


@pytest.mark.parametrize(
    ("key", "after", "cashback_on", "card_runs", "has_reward", "reason"),
    [
        (K.CASHBACK, False, True, False, False, "stamps_first"),
        (K.CASHBACK, False, True, False, True, "stamps_first"),  # a reward but no count
        (K.CASHBACK, False, True, True, True, None),  # stamps instead of cashback
        (K.CASHBACK, True, False, True, True, None),
        (K.STAMPS, None, False, True, True, "cashback_off"),  # members would earn nothing
        (K.STAMPS, None, True, True, True, None),
        (K.STAMPS, 10, True, False, False, "stamp_reward"),
        (K.STAMPS, 10, True, False, True, None),
        (K.STAMP_MIN, 500, False, True, True, None),
    ],
)
def test_refusals_of_cashback_and_the_card(
    key, after, cashback_on, card_runs, has_reward, reason
) -> None:
    got = gift_refusal(
        key, after, cashback_on=cashback_on, card_runs=card_runs, has_reward=has_reward
    )
    assert got == reason


@pytest.mark.parametrize(
    ("typed", "stored", "reason"),
    [
        ("10", 10, None),
        ("2", 2, None),
        ("50", 50, None),
        ("0", None, None),  # the card off
        ("1", None, "range_or_off"),
        ("51", None, "range_or_off"),
        ("-5", None, "format"),
        ("abc", None, "format"),
        ("1e9", None, "format"),
        ("²", None, "format"),
        ("99999999999999999999", None, "range_or_off"),
    ],
)
def test_stamps_needed_typed(typed, stored, reason) -> None:
    if reason is None:
        assert parse_setting(K.STAMPS, typed, 2) == stored
        return
    with pytest.raises(SettingRefused) as refused:
        parse_setting(K.STAMPS, typed, 2)
    assert refused.value.reason == reason


REWARDS = (RewardChoice(3, "Cookie"), RewardChoice(4, "Old mug", archived=True))


@pytest.mark.parametrize(
    ("key", "picked", "text", "value", "reason"),
    [
        (K.STAMP_REWARD, 3, None, 3, None),
        (K.STAMP_REWARD, 4, None, None, "reward"),  # archived: not offered
        (K.STAMP_REWARD, 99, None, None, "reward"),  # another merchant's, or forged
        (K.STAMP_REWARD, 0, None, None, "reward"),  # the card has no "no gift"
        (K.WELCOME_REWARD, 0, None, None, None),  # no gift
        (K.WELCOME_REWARD, None, "  Free   cappuccino ", "Free cappuccino", None),
        (K.WELCOME_REWARD, None, "cookie", 3, None),  # an existing reward's name
        (K.WELCOME_REWARD, None, "Old mug", "Old mug", None),  # archived: a new gift
        (K.FRIEND_REWARD, None, "   ", None, "reward_name"),
        (K.FRIEND_REWARD, None, "x" * 61, None, "reward_name"),
    ],
)
def test_a_reward_setting_chosen(key, picked, text, value, reason) -> None:
    if reason is None:
        assert reward_value(key, REWARDS, picked, text) == value
        return
    with pytest.raises(SettingRefused) as refused:
        reward_value(key, REWARDS, picked, text)
    assert refused.value.reason == reason
