"""The /offers fixes through the production dispatcher: an edit keeps what another admin changed
meanwhile and audits only its own fields; a partner's threshold is read and refused in the
partner's currency and under its one-sale limit, an offer's value and minimum check under the
place's; the minimum check's example fits its rule; caps typed grouped, a per-customer cap over
the total refused, a lowered total racing hand-outs refused in words; an offer whose partners
have all ended can still be edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from db.models import AuditLog, CertificateOffer, Merchant, OfferRoute, Partnership
from db.repositories.offers import OfferRepo
from handlers.ui.offer_form_render import DraftAction
from handlers.ui.offers_render import EditField, OfferAction
from tests.factories import make_merchant, make_staff
from tests.offer_scene import MONEY_OFFER, OWNER, SALON, WASH, make_offer, of, ofd, partners, run

SAVE = ofd(DraftAction.SAVE)
ADMIN = 80


async def saved_offer(owner, db, *steps: str) -> int:
    await make_offer(owner, *(steps or MONEY_OFFER))
    await owner.press(SAVE)
    return int(await db.scalar(select(CertificateOffer.id).order_by(CertificateOffer.id.desc())))


async def with_offer(tg, db, session_factory, clock, language: str = "en") -> tuple[Any, int]:
    """The owner (in `language`), the partners, and the money offer saved: (owner, its id)."""
    owner = tg(OWNER, language_code=language)
    await partners(owner, session_factory, clock)
    return owner, await saved_offer(owner, db)


async def two_admins(tg, db, session_factory, clock) -> tuple[tuple[Any, int], Any]:
    """with_offer's, and a second admin of the main place."""
    saved = await with_offer(tg, db, session_factory, clock)
    async with session_factory() as session:
        main = await make_merchant(session, clock, "main")
        await make_staff(session, clock, main, ADMIN, "admin")
    return saved, tg(ADMIN)


async def edits(db) -> list[tuple[int, str | None]]:
    rows = await db.all(
        select(AuditLog).where(AuditLog.action == "offer_edit").order_by(AuditLog.id)
    )
    return [(r.actor_telegram_id, r.target) for r in rows]


async def test_two_admins_editing_different_fields_both_keep_theirs(
    tg, db, session_factory, clock
) -> None:
    (owner, offer_id), admin = await two_admins(tg, db, session_factory, clock)
    await owner.press(of(OfferAction.EDIT, offer_id, EditField.DAYS))  # the owner starts first
    await run(admin, of(OfferAction.EDIT, offer_id, EditField.CAPS), "50", "2", SAVE)
    await owner.send("45")
    saved = await owner.press(SAVE)
    assert "Certificates handed out from now on follow these terms." in saved.texts[0]
    assert "valid 45 days" in saved.texts[1] and "0 of 50 handed out" in saved.texts[1]
    row = await db.scalar(select(CertificateOffer))
    assert (row.valid_days, row.total_limit, row.per_customer_limit) == (45, 50, 2)
    assert await edits(db) == [
        (ADMIN, "total_limit"),
        (ADMIN, "per_customer_limit"),
        (OWNER, "valid_days"),
    ]


async def test_routes_another_admin_set_meanwhile_stay(tg, db, session_factory, clock) -> None:
    (owner, offer_id), admin = await two_admins(tg, db, session_factory, clock)
    await owner.press(of(OfferAction.EDIT, offer_id, EditField.VALUE))
    await run(
        admin,
        of(OfferAction.EDIT, offer_id, EditField.ROUTES),
        ofd(DraftAction.PARTNER, WASH),
        ofd(DraftAction.OFF, WASH),
        ofd(DraftAction.ROUTES_DONE),
        SAVE,
    )
    await run(owner, ofd(DraftAction.MONEY), "15", "40", SAVE)
    rows = await db.all(select(OfferRoute))
    assert [(r.partner_merchant_id, r.min_purchase_minor) for r in rows] == [(SALON, 2000)]
    row = await db.scalar(select(CertificateOffer))
    assert (row.value_minor, row.min_check_minor) == (1500, 4000)
    assert await edits(db) == [(ADMIN, "routes"), (OWNER, "value"), (OWNER, "min_check")]


async def test_a_threshold_in_the_partners_currency_and_under_its_limit(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    steps = MONEY_OFFER[:9]  # up to Car wash C (Ft)
    await make_offer(owner, *steps)
    await run(owner, ofd(DraftAction.PARTNER, WASH), ofd(DraftAction.AUTO, WASH))
    whole = await owner.send("20,50")
    assert "Amounts in Ft are whole numbers, without decimals: send it like 1250." in whole.text
    limit = await db.scalar(select(Merchant.max_sale_minor).where(Merchant.id == WASH))
    over = await owner.send(str(limit // 100 + 1))
    assert f"That is over the limit for one sale ({limit // 100:,}\xa0Ft)." in over.text
    preview = await run(owner, "5 000", ofd(DraftAction.ROUTES_DONE))
    assert "at least 5,000\xa0Ft at Car wash C" in preview.text
    await owner.press(SAVE)
    rows = {r.partner_merchant_id: r.min_purchase_minor for r in await db.all(select(OfferRoute))}
    assert rows == {SALON: 2000, WASH: 500_000}


async def test_value_and_minimum_check_under_the_one_sale_limit(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    await make_offer(owner, ofd(DraftAction.MONEY))
    for text in ("1000,01", "5000"):
        over = await owner.send(text)
        assert "That is over the limit for one sale (€1,000). Send a smaller amount." in over.text
    asked = await owner.send("10")  # the example fits the rule: more than the value
    assert "send an amount more than €10, like 20.00." in asked.text
    over = await owner.send("1000,01")
    assert "over the limit for one sale (€1,000)" in over.text
    days = await owner.send("20.00")
    assert "For how many days" in days.text
    assert await db.count(CertificateOffer) == 0


async def test_the_minimum_checks_example_when_no_round_step_fits(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER, language_code="pl")
    await partners(owner, session_factory, clock)
    await make_offer(owner, ofd(DraftAction.MONEY))
    asked = await owner.send("1000")
    assert "większą niż 1\xa0000\xa0€, do 1\xa0000\xa0€." in asked.text
    assert "12,50" not in asked.text


async def test_caps_grouped_and_per_customer_within_the_total(
    tg, db, session_factory, clock
) -> None:
    owner = tg(OWNER)
    await partners(owner, session_factory, clock)
    await make_offer(owner, ofd(DraftAction.MONEY), "10", "30", "30")
    per = await owner.send("1 000")
    assert "How many may one customer get?" in per.text
    refused = await owner.send("1\xa0001")
    assert refused.text.endswith(
        "One customer cannot get more than the total of 1,000. Send a number up to 1,000, or "
        "press No limit."
    )
    await run(
        owner,
        "1\xa0000",
        ofd(DraftAction.PARTNER, SALON),
        ofd(DraftAction.CASHIER, SALON),
        ofd(DraftAction.ROUTES_DONE),
        SAVE,
    )
    row = await db.scalar(select(CertificateOffer))
    assert (row.total_limit, row.per_customer_limit) == (1000, 1000)


async def test_a_lowered_total_racing_hand_outs_is_refused_in_words(
    tg, db, session_factory, clock
) -> None:
    owner, offer_id = await with_offer(tg, db, session_factory, clock, "ru")
    await run(owner, of(OfferAction.EDIT, offer_id, EditField.CAPS), "5", ofd(DraftAction.NO_PER))
    async with session_factory() as session, session.begin():  # handed out meanwhile
        await session.execute(update(CertificateOffer).values(issued_count=7))
    refused = await owner.press(SAVE)
    assert refused.toasts[0].startswith(
        "Уже выдано 7 сертификатов: общий лимит не может быть меньше."
    )
    assert await db.scalar(select(CertificateOffer.total_limit)) == 100
    assert await edits(db) == []


async def test_the_edits_update_is_conditional_on_what_was_handed_out(
    tg, db, session_factory, clock
) -> None:
    """The race between the edit's read and its write: the UPDATE itself refuses."""
    _owner, offer_id = await with_offer(tg, db, session_factory, clock)
    async with session_factory() as session, session.begin():
        await session.execute(update(CertificateOffer).values(issued_count=7))
        repo = OfferRepo(session)
        assert not await repo.set_terms(offer_id, {"total_limit": 6, "valid_days": 9})
        assert await repo.set_terms(offer_id, {"total_limit": 7})
    row = await db.scalar(select(CertificateOffer))
    assert (row.total_limit, row.valid_days) == (7, 30)


async def test_an_offer_whose_partners_all_ended_can_still_be_edited(
    tg, db, session_factory, clock
) -> None:
    owner, offer_id = await with_offer(tg, db, session_factory, clock)
    async with session_factory() as session, session.begin():
        await session.execute(update(Partnership).values(ended_at=clock()))
    preview = await run(owner, of(OfferAction.EDIT, offer_id, EditField.DAYS), "45")
    assert "No current partner hands it out: nothing is handed out until you set" in preview.text
    saved = await owner.press(SAVE)
    assert "Certificates handed out from now on follow these terms." in saved.texts[0]
    assert await db.scalar(select(CertificateOffer.valid_days)) == 45
    assert await edits(db) == [(OWNER, "valid_days")]
    routes = await owner.press(of(OfferAction.EDIT, offer_id, EditField.ROUTES))
    assert "/partners" in routes.toasts[0]
