"""Telegram glue: one router per feature, collected in order; the fallback router last."""

from __future__ import annotations

from aiogram import Router


def _detached(router: Router) -> Router:
    # A router attaches to one dispatcher. Tests (and the benchmark) build a dispatcher per
    # database, exactly as production does once, so release it from the previous one.
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
    return router


def get_routers() -> list[Router]:
    from handlers import (
        about,
        audit,
        birthdays,
        business,
        business_news,
        card,
        catalog,
        certificate_give,
        certificate_redeem,
        chat,
        customer,
        errors,
        export,
        fallback,
        feedback,
        form_fallbacks,
        help,
        history,
        language,
        limits,
        merchants,
        offers,
        orders,
        partners,
        poster,
        privacy,
        profile,
        promos,
        push,
        redeem,
        refunds,
        reports,
        rewards,
        rewards_admin,
        sale,
        sale_certificates,
        settings,
        staff,
        start,
        wallet,
    )

    routers = [
        # Errors reach it after their own router's error handlers (handlers/errors.py); at the
        # dispatcher it takes them all, so no router words another's errors.
        errors.router,
        certificate_redeem.router,  # its /start c<code>, /redeem <10 digits>, 10-digit codes
        wallet.router,  # its /start links and its joins' Accept, before start's
        partners.router,  # its /start k<token> before the start router
        start.router,
        form_fallbacks.cancel_router,  # /cancel ends any form, for anyone
        about.router,  # the card's menu button works in the middle of any form
        settings.router,  # its form's typed values before any handler of free text
        redeem.router,  # a voucher's code in the sale form's code step, before the sale's
        sale.router,  # staff forms go before member handlers that match any text
        sale_certificates.router,  # the 🎟 buttons of a sale's preview
        refunds.router,
        certificate_give.router,  # 🎟 Give on a sale's confirmation (issue 16)
        customer.router,  # its form's text steps go before member handlers too
        form_fallbacks.sale_router,  # what the sale form's steps did not take
        staff.router,
        merchants.router,  # its form's steps before member handlers that match any text
        limits.router,
        push.router,
        form_fallbacks.push_router,  # what the push form's steps did not take
        business.router,
        business_news.router,
        business.form_router,  # what the card's form steps did not take
        promos.router,  # its form's typed values before member handlers of free text
        rewards_admin.router,  # its form's typed values before member handlers of free text
        offers.router,  # its form's typed values before member handlers of free text
        rewards.router,
        reports.router,
        export.router,
        poster.router,
        feedback.router,
        card.router,
        catalog.router,
        orders.router,
        history.router,
        profile.router,
        language.router,
        privacy.router,
        help.router,
        birthdays.router,
        audit.router,
        chat.router,  # a member's free text: after every form and command, before the fallback
        fallback.router,  # must stay last: it answers anything
    ]
    return [_detached(r) for r in routers]
