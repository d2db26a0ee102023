"""/offers through the production dispatcher: a certificate offer made from the form end to end
(its row, its routes, its audit, the partners' program versions raised), saved once on a double
press, a named item's offer in Polish, edited (terms, caps, routes) and archived; with no
partners the console says how to get one."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models import AuditLog, CertificateOffer, HandOut, Merchant, OfferRoute
from handlers.ui.offer_form_render import DraftAction
from handlers.ui.offers_render import EditField, OfferAction
from services.coalition.offer_inputs import OfferTerms, Route
from services.coalition.offers import OfferService
from tests.coalition_factories import make_certificate
from tests.offer_scene import (
    ITEM_OFFER,
    MONEY_OFFER,
    OWNER,
    SALON,
    WASH,
    make_offer,
    of,
    ofd,
    partners,
    run,
)
from tests.telegram import join

SAVE = ofd(DraftAction.SAVE)


async def versions(db) -> dict[int, int]:
    return {m.id: m.program_version for m in await db.all(select(Merchant))}


async def routes(db) -> set[tuple[int, HandOut, int]]:
    rows = await db.all(select(OfferRoute))
    return {(r.partner_merchant_id, r.hand_out, r.min_purchase_minor) for r in rows}


async def audits(db, action: str) -> list[tuple[str | None, str | None]]:
    rows = await db.all(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
    return [(r.target, r.details) for r in rows]


async def test_a_money_offer_from_the_form_end_to_end(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    before = await versions(db)
    preview = await make_offer(owner, *MONEY_OFFER)
    assert (
        "🎟 <b>€10 off a check</b>\nfrom a check of €30 · valid 30 days · 100 in total · "
        "no limit per customer\n"
        "• automatically after a purchase of at least 20\xa0zł at Salon B\n"
        "• by the cashier at Car wash C\n\nSave this offer?"
    ) in preview.text
    assert await db.count(CertificateOffer) == 0  # nothing before Save
    saved = await owner.press(SAVE)
    assert saved.texts[0].endswith("Saved. Your partners hand it out from now on.")
    assert "0 of 100 handed out" in saved.texts[1] and saved.button_or_none("Archive")
    [row] = await db.all(select(CertificateOffer))
    assert (row.merchant_id, row.value_minor, row.item, row.min_check_minor) == (
        1,
        1000,
        None,
        3000,
    )
    assert (row.valid_days, row.total_limit, row.per_customer_limit) == (30, 100, None)
    assert (row.created_by, row.archived_at, row.issued_count) == (OWNER, None, 0)
    assert await routes(db) == {(SALON, HandOut.AUTO, 2000), (WASH, HandOut.CASHIER, 0)}
    assert await audits(db, "offer_add") == [(str(row.id), '{"value": 1000}')]
    after = await versions(db)
    assert after[SALON] > before[SALON] and after[WASH] > before[WASH]
    listed = await owner.send("/offers")
    assert "€10 off a check" in listed.text and listed.button_or_none("1. €10 off a check")
    log = await owner.send("/audit")
    assert "Certificate offer created, €10" in log.text
    again = await owner.press(SAVE)  # the second press of a double tap
    assert again.toasts == ["This form is no longer open. Start again with /offers."]
    assert await db.count(CertificateOffer) == 1


async def test_two_saves_at_once_save_one(tg, db, session_factory, clock) -> None:
    """Two presses in flight together (two replicas): the partners' version rows order them,
    and the second finds the first's offer."""
    await partners(tg(OWNER), session_factory, clock)
    terms = OfferTerms(500, None, 2000, 30, None, 2, (Route(SALON, HandOut.CASHIER),))

    async def save() -> int:
        async with session_factory() as session:
            return (await OfferService(session, (OWNER,), clock).add(1, OWNER, terms)).id

    first, second = await asyncio.gather(save(), save())
    assert first == second and await db.count(CertificateOffer) == 1
    assert len(await audits(db, "offer_add")) == 1


async def test_a_named_item_in_polish(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER, language_code="pl")
    await partners(owner, session_factory, clock)
    preview = await make_offer(owner, *ITEM_OFFER)
    assert "🎁 <b>Free car wash</b>" in preview.text
    assert "ważny 14 dni" in preview.text and "przy kasie w Salon B" in preview.text
    saved = await owner.press(SAVE)
    assert "Zapisano" in saved.texts[0]
    [row] = await db.all(select(CertificateOffer))
    assert (row.value_minor, row.item, row.min_check_minor, row.valid_days) == (
        0,
        "Free car wash",
        0,
        14,
    )
    assert (row.total_limit, row.per_customer_limit) == (None, 1)
    assert await routes(db) == {(SALON, HandOut.CASHIER, 0)}
    assert await audits(db, "offer_add") == [(str(row.id), '{"item": "Free car wash"}')]


async def test_no_partners_yet_says_how_to_get_one(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await owner.send("/help")
    shown = await owner.send("/offers")
    assert "/partners" in shown.text and not shown.button_or_none("New offer")
    pressed = await owner.press(of(OfferAction.NEW))  # an old button
    assert "/partners" in pressed.toasts[0]
    assert await db.count(CertificateOffer) == 0


async def saved_offer(owner, db) -> int:
    await make_offer(owner, *MONEY_OFFER)
    await owner.press(SAVE)
    return int(await db.scalar(select(CertificateOffer.id)))


async def test_editing_the_value_and_minimum_check(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    offer_id = await saved_offer(owner, db)
    before = await versions(db)
    await owner.press(of(OfferAction.SHOW, offer_id))
    preview = await run(
        owner, of(OfferAction.EDIT, offer_id, EditField.VALUE), ofd(DraftAction.MONEY), "15", "40"
    )
    assert "€15 off a check" in preview.text and "from a check of €40" in preview.text
    assert "Changes apply to certificates handed out from now on" in preview.text
    saved = await owner.press(SAVE)
    assert "Certificates handed out from now on follow these terms." in saved.texts[0]
    row = await db.scalar(select(CertificateOffer))
    assert (row.value_minor, row.min_check_minor, row.valid_days) == (1500, 4000, 30)
    edits = await audits(db, "offer_edit")
    assert [target for target, _ in edits] == ["value", "min_check"]
    after = await versions(db)
    assert after[SALON] > before[SALON] and after[WASH] > before[WASH]
    log = await owner.send("/audit")
    assert "Certificate offer edited, €15 — value" in log.text


async def test_editing_routes_and_caps(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    offer_id = await saved_offer(owner, db)
    await run(
        owner,
        of(OfferAction.EDIT, offer_id, EditField.ROUTES),
        ofd(DraftAction.PARTNER, WASH),
        ofd(DraftAction.OFF, WASH),
        ofd(DraftAction.PARTNER, SALON),
        ofd(DraftAction.CASHIER, SALON),
        ofd(DraftAction.ROUTES_DONE),
        SAVE,
    )
    assert await routes(db) == {(SALON, HandOut.CASHIER, 0)}
    await run(
        owner, of(OfferAction.EDIT, offer_id, EditField.CAPS), ofd(DraftAction.NO_TOTAL), "3"
    )
    await owner.press(SAVE)
    row = await db.scalar(select(CertificateOffer))
    assert (row.total_limit, row.per_customer_limit) == (None, 3)
    edits = [target for target, _ in await audits(db, "offer_edit")]
    assert edits == ["routes", "total_limit", "per_customer_limit"]
    unchanged = await run(owner, of(OfferAction.EDIT, offer_id, EditField.DAYS), "30", SAVE)
    assert unchanged.texts[0].endswith("Nothing changed.")
    assert len(await audits(db, "offer_edit")) == 3


async def test_a_total_cap_below_what_was_handed_out_is_refused(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    offer_id = await saved_offer(owner, db)
    for user_id in (201, 202):
        await join(tg(user_id))
        async with session_factory() as session:
            salon = await _salon(session, clock)
            await make_certificate(session, clock, offer_id, user_id, salon)
    await owner.press(of(OfferAction.EDIT, offer_id, EditField.CAPS))
    refused = await owner.send("1")
    assert "2 were handed out already: the total cannot be less." in refused.text
    await run(owner, "2", ofd(DraftAction.NO_PER), SAVE)
    assert await db.scalar(select(CertificateOffer.total_limit)) == 2


async def _salon(session, clock):
    from services.merchants import MerchantService

    return await MerchantService(session, clock).ensure_default(
        slug="salon", name="Salon B", currency="PLN", timezone="Europe/Warsaw", language="pl"
    )


async def test_archiving_asks_first_and_keeps_it_aside(tg, db, session_factory, clock) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    offer_id = await saved_offer(owner, db)
    before = await versions(db)
    asked = await owner.press(of(OfferAction.ARCHIVE, offer_id))
    assert "certificates handed out already stay valid" in asked.text
    assert await db.scalar(select(CertificateOffer.archived_at)) is None
    done = await owner.press(of(OfferAction.ARCHIVE_OK, offer_id))
    assert "Archived. Partners no longer hand it out" in done.text
    assert await db.scalar(select(CertificateOffer.archived_at)) is not None
    assert [t for t, _ in await audits(db, "offer_archive")] == [str(offer_id)]
    assert (await versions(db))[SALON] > before[SALON]
    again = await owner.press(of(OfferAction.ARCHIVE_OK, offer_id))
    assert "archived already" in again.text and len(await audits(db, "offer_archive")) == 1
    listed = await owner.send("/offers")
    assert "€10 off a check" not in listed.text
    old = await owner.press(listed.button("Archived (1)"))
    assert "€10 off a check" in old.text
    edit = await owner.press(of(OfferAction.EDIT, offer_id, EditField.DAYS))
    assert edit.toasts == ["This offer is archived: it can no longer be changed."]
