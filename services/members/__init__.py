"""Members: who is writing (context.py), joining with consent (joining.py), the card and the
points history (card.py), the profile (profile.py), leaving with their data (erasure.py)."""

from __future__ import annotations

from services.members.card import CardAndHistory
from services.members.context import Context
from services.members.erasure import Erasure
from services.members.joining import Joining
from services.members.profile import ProfileSettings


class MemberService(Context, Joining, CardAndHistory, ProfileSettings, Erasure):
    """Everything a member does with their membership."""


__all__ = ["MemberService"]
