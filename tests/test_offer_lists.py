"""/offers lists and buttons through the production dispatcher: the active and archived lists
paged (every message within Telegram's 4096 characters, in every language), only archived
offers said so, an archived offer's page back to the archive; an identical offer saved again
after a minute is a second offer; ending a partnership drops its routes both ways, so
partnering again hands nothing out until an admin sets a route; a stale form button is worded
truthfully."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from db.models import AuditLog, CertificateOffer, HandOut, Merchant, OfferRoute, Partnership
from db.repositories.hand_out import HandOutRepo
from handlers.ui.offer_form_render import DraftAction
from handlers.ui.offers_render import EditField, OfferAction, OfferCb
from handlers.ui.partners_render import PtAction, PtCb
from services.coalition.offer_inputs import OfferTerms, Route
from services.coalition.offers import OfferService
from tests.coalition_factories import make_offer as add_offer
from tests.factories import make_merchant
from tests.offer_scene import MONEY_OFFER, OWNER, SALON, WASH, make_offer, of, ofd, partners, run
from tests.telegram import inline_buttons

SAVE = ofd(DraftAction.SAVE)
LONG = "&<>" * 20  # 60 characters, each escaped in HTML


async def many_offers(session_factory, clock, active: int, archived: int) -> None:
    async with session_factory() as session:
        main = await make_merchant(session, clock, "main")
        for n in range(active + archived):
            routes = {SALON: (HandOut.AUTO, 999_999), WASH: (HandOut.CASHIER, 0)}
            await add_offer(
                session,
                clock,
                main,
                value_minor=0,
                item=LONG,
                valid_days=365,
                total_limit=1_000_000 - n,
                per_customer_limit=999_999,
                routes=routes,
            )
        async with session.begin():
            await session.execute(
                update(CertificateOffer)
                .where(CertificateOffer.id <= archived)
                .values(archived_at=clock(), issued_count=999_000)
            )


async def with_offer(owner, session_factory, clock):
    """The partners and the money offer (#1) saved by `owner`."""
    await partners(owner, session_factory, clock)
    await make_offer(owner, *MONEY_OFFER)
    await owner.press(SAVE)
    return owner


def labels(sent) -> list[str]:
    return [text for m in sent for text in inline_buttons(m)]


@pytest.mark.parametrize("language", ["en", "ru", "pl", "hu"])
async def test_lists_are_paged_within_telegrams_limit(
    tg, db, session_factory, clock, language
) -> None:
    owner = tg(OWNER, language_code=language)
    await partners(owner, session_factory, clock)
    await many_offers(session_factory, clock, active=9, archived=30)
    shown = await owner.send("/offers")
    assert len(shown.text) <= 4096 and len([b for b in labels(shown) if b[0].isdigit()]) == 8
    second = await owner.press(shown.button("▶️"))
    assert [b for b in labels(second) if b[0].isdigit()] == ["9. " + LONG[:39] + "…"]
    assert second.button_or_none("◀️") and not second.button_or_none("▶️")
    page = await owner.press(shown.button("(30)"))  # 🗄 Archived (30)
    seen = []
    for _ in range(4):
        assert len(page.text) <= 4096, len(page.text)
        seen += [b.split(".")[0] for b in labels(page) if b[0].isdigit()]
        turn = page.button_or_none("▶️")
        if turn is None:
            break
        page = await owner.press(turn)
    assert seen == [str(n) for n in range(1, 31)]
    if language == "en":
        assert "(page 4 of 4)" in page.text
    await owner.press(of(OfferAction.ARCHIVED))
    last = await owner.press(OfferCb(action=OfferAction.ARCHIVED, page=99_999).pack())  # the last
    assert last.text == page.text


async def test_only_archived_offers_and_the_archives_back_button(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    await many_offers(session_factory, clock, active=0, archived=1)
    shown = await owner.send("/offers")
    assert "No active offers; 1 archived offer is under 🗄 Archived." in shown.text
    assert "No offers yet" not in shown.text
    page = await owner.press(of(OfferAction.SHOW, 1))
    back = await owner.press(page.button("◀️ Archived offers"))
    assert "🗄 <b>Archived offers</b>" in back.text and back.button_or_none("1. ")


async def test_an_identical_offer_after_a_minute_is_a_second_one(
    tg, db, session_factory, clock
) -> None:
    owner = await with_offer(tg(OWNER), session_factory, clock)
    versions = await db.all(select(Merchant.program_version).order_by(Merchant.id))
    terms = OfferTerms(1000, None, 3000, 30, 100, None, (Route(SALON, HandOut.AUTO, 2000),))
    terms = terms.with_route(WASH, Route(WASH, HandOut.CASHIER))
    async with session_factory() as session:  # the same press, a moment later
        again = await OfferService(session, (OWNER,), clock).add(1, OWNER, terms)
    assert again.id == 1 and await db.count(CertificateOffer) == 1
    assert await db.all(select(Merchant.program_version).order_by(Merchant.id)) == versions
    clock.advance(minutes=2)
    await make_offer(owner, *MONEY_OFFER)
    saved = await owner.press(SAVE)
    assert saved.texts[0].endswith("Saved. Your partners hand it out from now on.")
    assert await db.count(CertificateOffer) == 2
    added = await db.all(select(AuditLog.target).where(AuditLog.action == "offer_add"))
    assert added == ["1", "2"]


async def test_ending_a_partnership_drops_its_routes_both_ways(
    tg, db, session_factory, clock
) -> None:
    owner = await with_offer(tg(OWNER), session_factory, clock)
    async with session_factory() as session:  # Salon B's offer, handed out by the main place
        salon = await make_merchant(session, clock, "salon", "PLN")
        await add_offer(session, clock, salon, routes={1: (HandOut.CASHIER, 0)})

    async def hands_out(merchant_id: int) -> list[int]:
        async with session_factory() as session:
            return [r.offer_id for r in await HandOutRepo(session).routes_for_partner(merchant_id)]

    assert (await hands_out(SALON), await hands_out(1)) == ([1], [2])
    await owner.send("/partners")
    ended = await owner.press(PtCb(action=PtAction.END_OK, id=SALON, merchant_id=1).pack())
    assert "Salon B" in ended.text
    rows = await db.all(select(OfferRoute))
    assert [(r.offer_id, r.partner_merchant_id) for r in rows] == [(1, WASH)]
    async with session_factory() as session, session.begin():  # partnered again
        await session.execute(update(Partnership).values(ended_at=None))
    assert (await hands_out(SALON), await hands_out(1)) == ([], [])
    shown = await owner.send("/offers")
    assert "handed out by 1 partner" in shown.text
    await run(
        owner,
        of(OfferAction.EDIT, 1, EditField.ROUTES),
        ofd(DraftAction.PARTNER, SALON),
        ofd(DraftAction.CASHIER, SALON),
        ofd(DraftAction.ROUTES_DONE),
        SAVE,
    )
    assert await hands_out(SALON) == [1]


async def test_a_stale_button_of_another_step_is_worded_truthfully(
    tg, db, session_factory, clock
) -> None:
    owner = await with_offer(tg(OWNER, language_code="hu"), session_factory, clock)
    await owner.press(of(OfferAction.EDIT, 1, EditField.DAYS))
    kind = await owner.press(ofd(DraftAction.MONEY))  # a step this edit never asked
    assert kind.toasts == ["Ez a gomb egy másik lépésé: az utolsó üzenet gombjait használd."]
    save = await owner.press(SAVE)  # a later step's
    assert save.toasts == kind.toasts
    assert (await owner.send("45")).button_or_none("Mentés")
