"""Moved to services.policy (see its package docstring). This stays only for demo/, which is
being reworked elsewhere; new code imports services.policy. Delete it once demo/ does too."""

from services.policy import LANGUAGES, cafe_unit, level_for, new_referral_code

__all__ = ["LANGUAGES", "cafe_unit", "level_for", "new_referral_code"]
