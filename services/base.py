"""What a use case holds: the session of the update, the deployment's owners and the clock, and
the repositories most use cases read (made on first use: a repository only wraps the session)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import AuditRepo, MembershipRepo, MerchantRepo, StaffRepo
from services.clock import Clock, utc_now


class Service:
    """`owner_ids`: the deployment's owners, who may act as an admin of every merchant."""

    def __init__(
        self, session: AsyncSession, owner_ids: Iterable[int] = (), clock: Clock = utc_now
    ) -> None:
        self.session = session
        self.owner_ids = frozenset(owner_ids)
        self.clock = clock

    @cached_property
    def merchants(self) -> MerchantRepo:
        return MerchantRepo(self.session)

    @cached_property
    def memberships(self) -> MembershipRepo:
        return MembershipRepo(self.session)

    @cached_property
    def staff(self) -> StaffRepo:
        return StaffRepo(self.session)

    @cached_property
    def audit(self) -> AuditRepo:
        return AuditRepo(self.session)
