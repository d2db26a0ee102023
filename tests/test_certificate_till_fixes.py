"""A reviewer's findings on redeeming a certificate on its own at the till, each through the
production dispatcher: two flagging redemptions committing at once both stand; a certificate
given away between the look-up and ✅ Hand over is not redeemed for its new holder; a
colleague's redemption is named; a wrong-length code speaks of certificates too; no double
full stop after a date; /help's line for /redeem; the Russian notice's wording."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from types import SimpleNamespace

from aiogram.methods import EditMessageText
from babel.messages.pofile import read_po
from sqlalchemy import event, select, update

from db.models import AuditLog, Certificate, CertificateEntry, CertificateStatus, Customer, Outbox
from db.repositories.certificate_till import CertificateTillRepo
from handlers.ui.wallet_callbacks import WalletAction, WalletCb
from services.policy.certificates import shown_code
from tests.telegram import Sent, hire, join
from tests.test_certificate_till_handlers import (
    CASHIER,
    MEMBER,
    OWNER,
    certificate,
    certificate_for,
    till,
)

FRIEND = 102
CHANGED = "This certificate changed hands since you looked it up: type or scan its code again."


def meet_after_the_count(monkeypatch, parties: int = 2, wait: float = 2.0) -> None:
    """Each redemption's count of the day waits there for the other's (as long as `wait`): on
    PostgreSQL both transactions have counted before either queues its alert. SQLite lets one
    writer at a time, so there the first goes on when `wait` is over."""
    arrived = 0
    everyone = asyncio.Event()
    counted = CertificateTillRepo.redeemed_since

    async def count_and_meet(self, customer_id, since):
        nonlocal arrived
        count = await counted(self, customer_id, since)
        arrived += 1
        if arrived >= parties:
            everyone.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), wait)
        return count

    monkeypatch.setattr(CertificateTillRepo, "redeemed_since", count_and_meet)


async def test_two_flagging_redemptions_at_once_both_stand(
    tg, db, session_factory, clock, monkeypatch
) -> None:
    owner, kasia, _anna, _first, first = await till(tg, session_factory, clock)
    codes = [first] + [(await certificate_for(session_factory, clock))[1] for _ in range(3)]
    for code in codes[:2]:
        await kasia.press((await kasia.send(code)).button("Hand over"))
    third, fourth = await kasia.send(codes[2]), await owner.send(f"/redeem {codes[3]}")
    meet_after_the_count(monkeypatch)
    before = len(kasia.session.requests)
    await asyncio.gather(
        kasia.press(third.button("Hand over")), owner.press(fourth.button("Hand over"))
    )
    both = Sent(kasia.session.requests[before:])  # the two presses' requests interleave
    assert sorted(both.toasts) == ["Redeemed.", "Redeemed."], both.texts + both.toasts
    edits = [edit.text for edit in both.of(EditMessageText)]  # Kasia's: "not modified"
    assert edits and all("✅ Certificate redeemed: €15 for Anna." in text for text in edits)
    statuses = await db.all(select(Certificate.status))
    assert statuses == [CertificateStatus.REDEEMED] * 4
    redeemed = await db.all(
        select(CertificateEntry.id).where(CertificateEntry.reason == "redeemed")
    )
    assert len(redeemed) == 4
    flags = await db.all(select(Outbox.chat_id).where(Outbox.kind == "certificates_flag"))
    assert flags == [OWNER]  # told once


async def test_a_gift_between_look_up_and_hand_over(tg, db, session_factory, clock) -> None:
    _owner, kasia, anna, certificate_id, code = await till(tg, session_factory, clock)
    shown = await kasia.send(f"/redeem {code}")
    assert "Anna" in shown.text
    gift = WalletCb(action=WalletAction.GIFT, certificate_id=certificate_id)
    made = await anna.press(gift.pack())
    ben = tg(FRIEND, first_name="Ben")
    await join(ben)
    await ben.send("/start " + made.text.split()[-1].split("start=")[1])
    row = await certificate(db, certificate_id)
    assert row.status == CertificateStatus.OPEN and row.gifted_at is not None
    ben_holds = row.customer_id
    refused = await kasia.press(shown.button("Hand over"))
    assert refused.toasts == [CHANGED]
    assert refused.to(FRIEND) == [] and refused.to(MEMBER) == []
    row = await certificate(db, certificate_id)
    assert (row.status, row.customer_id, row.redeemed_by) == ("open", ben_holds, None)
    entries = await db.all(
        select(CertificateEntry.reason).where(CertificateEntry.certificate_id == certificate_id)
    )
    assert entries == ["issued", "gifted"]
    assert row.code != code  # a gift gives the certificate a new code: the old one is dead
    again = await kasia.send(shown_code(row.code))  # Ben's code, looked up again
    assert "Ben" in again.text and "Anna" not in again.text
    handed = await kasia.press(again.button("Hand over"))
    assert handed.toasts == ["Redeemed."] and handed.to(FRIEND)
    assert (await certificate(db, certificate_id)).customer_id == ben_holds


async def test_a_colleagues_redemption_is_named(tg, db, session_factory, clock) -> None:
    owner, kasia, _anna, certificate_id, code = await till(tg, session_factory, clock)
    olek = tg(60, first_name="Olek")
    await hire(owner, olek)
    kasias, oleks = await kasia.send(code), await olek.send(code)
    await kasia.press(kasias.button("Hand over"))
    late = await olek.press(oleks.button("Hand over"))
    assert late.toasts == [
        "This certificate was already redeemed by Kasia at 13:00: do not hand anything over."
    ]
    mine = await kasia.press(kasias.button("Hand over"))  # Kasia's own second press
    assert mine.toasts[0].startswith("This certificate was just redeemed, at ")
    assert (await certificate(db, certificate_id)).redeemed_by == CASHIER
    # The owner (no staff row) redeems the next one.
    _id, second = await certificate_for(session_factory, clock)
    kasias, owners = await kasia.send(second), await owner.send(second)
    await owner.press(owners.button("Hand over"))
    clock.advance(minutes=2)
    after_owner = await kasia.press(kasias.button("Hand over"))
    assert after_owner.toasts == [
        "This certificate was already redeemed by the owner at 13:00: do not hand anything over."
    ]
    assert await db.all(select(Certificate.redeemed_by).order_by(Certificate.id)) == [
        CASHIER,
        OWNER,
    ]


async def test_a_wrong_length_code_speaks_of_certificates_too(tg, session_factory, clock) -> None:
    _owner, kasia, _anna, _id, code = await till(tg, session_factory, clock)
    for wrong in (code[:9], code + "1"):
        said = await kasia.send(f"/redeem {wrong}")
        assert said.texts == [
            "A voucher code has 8 digits, like 1234 5678, and a gift certificate code has 10, "
            "like 12345 67890. Check it and try again."
        ]


async def test_no_double_full_stop_after_a_date(tg, db, session_factory, clock) -> None:
    await till(tg, session_factory, clock, valid_days=1)
    code = await db.scalar(select(Certificate.code))
    clock.advance(days=2)
    for language in ("ru", "hu", "pl", "en"):
        said = (await tg(CASHIER, first_name="Kasia", language_code=language).send(code)).text
        assert said.startswith("⌛") and "2026" in said, (language, said)
        assert ".." not in said, (language, said)


def test_no_catalog_puts_a_full_stop_after_a_date() -> None:
    """Babel's Russian and Hungarian dates end with a full stop ("2026 г.", "ápr. 9."), so
    no translation may put one right after a date's placeholder."""
    date = re.compile(r"\{(day|date|until|expires|valid_until)\}\.")
    for language in ("ru", "hu"):
        path = Path("locales") / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=language)
        wrong = [m.id for m in catalog if m.id and date.search(str(m.string))]
        assert wrong == [], language


async def test_help_and_the_menu_say_voucher_or_certificate(tg, session_factory, clock) -> None:
    _owner, kasia, _anna, _id, _code = await till(tg, session_factory, clock)
    assert "Redeem a voucher or a gift certificate" in (await kasia.send("/help")).text
    russian = await tg(CASHIER, first_name="Kasia", language_code="ru").send("/help")
    assert "Погасить ваучер или подарочный сертификат" in russian.text


async def test_the_russian_holder_reads_a_fitting_wish(tg, session_factory, clock) -> None:
    _owner, kasia, _anna, _id, _code = await till(tg, session_factory, clock)
    ivan = tg(FRIEND, first_name="Ivan", language_code="ru")
    await join(ivan)
    _id, his = await certificate_for(session_factory, clock, holder=FRIEND)
    handed = await kasia.press((await kasia.send(his)).button("Hand over"))
    [told] = handed.to(FRIEND)
    assert "использован в Test Café" in told and "отдыха" not in told
    assert told.endswith("Хорошего дня!")


async def test_a_gift_landing_between_the_read_and_the_update(
    tg, db, session_factory, clock, monkeypatch
) -> None:
    """The Hand over's read still sees Anna, but Ben holds it when the update runs (a gift
    committing in between): the conditional update, not the read, refuses."""
    _owner, kasia, _anna, certificate_id, code = await till(tg, session_factory, clock)
    shown = await kasia.send(code)
    anna_holds = (await certificate(db, certificate_id)).customer_id
    await join(tg(FRIEND, first_name="Ben"))
    async with session_factory() as s, s.begin():
        ben_holds = await s.scalar(select(Customer.id).where(Customer.telegram_id == FRIEND))
        await s.execute(update(Certificate).values(customer_id=ben_holds))
    reads = CertificateTillRepo.for_till

    async def read_before_the_gift(self, merchant_id, **which):
        row = await reads(self, merchant_id, **which)
        stale = SimpleNamespace(**(row._asdict() | {"customer_id": anna_holds}))
        monkeypatch.setattr(CertificateTillRepo, "for_till", reads)  # later reads are true
        return stale

    monkeypatch.setattr(CertificateTillRepo, "for_till", read_before_the_gift)
    refused = await kasia.press(shown.button("Hand over"))
    assert refused.toasts == [CHANGED]
    row = await certificate(db, certificate_id)
    assert (row.status, row.customer_id) == (CertificateStatus.OPEN, ben_holds)
    assert await db.all(select(AuditLog.id).where(AuditLog.action == "certificate_redeem")) == []


async def test_the_hand_over_reads_the_merchant_once(tg, engine, session_factory, clock) -> None:
    """The holder's notice takes the merchant's language from the program the hand-over
    holds: the merchant's row is not read again (the till's seller check reads what it
    needs of it with the staff row)."""
    _owner, kasia, _anna, _id, first = await till(tg, session_factory, clock)
    await kasia.press((await kasia.send(first)).button("Hand over"))  # the program cached
    _id, second = await certificate_for(session_factory, clock)
    shown = await kasia.send(second)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        handed = await kasia.press(shown.button("Hand over"))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert handed.toasts == ["Redeemed."]
    assert [s for s in statements if s.startswith("SELECT merchant.id, merchant.slug")] == []
