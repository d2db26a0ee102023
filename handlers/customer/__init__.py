"""/customer: find a member of this merchant by payment code, member number or phone, and take
care of them (adjust points with a reason, correct the birthday, block or unblock); and the
low-rating alert's 🎁 Goodwill points.

Every step asks the service, which checks the presser's role before anything else, so a
customer, a revoked cashier or another merchant's admin learns nothing. A cashier finds a
member by code only and sees what a sale needs (services/care/service.py says why).
"""

from __future__ import annotations

from aiogram import Router

from handlers.customer import goodwill, lookup, points, refusals
from handlers.errors import answer_refusals

router = Router(name=__name__)
answer_refusals(router, refusals.router)
router.include_routers(lookup.router, points.router, goodwill.router)
