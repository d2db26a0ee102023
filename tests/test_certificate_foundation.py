"""The coalition's foundation (issue 16): certificate codes and links, a certificate's share
of a check, and issuing with its ledger entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Certificate, CertificateEntry, CertificateStatus, HandOut
from db.repositories.certificates import CertificateRepo
from services.policy import certificates as rules
from tests.coalition_factories import make_certificate, make_offer, make_partnership
from tests.conftest import FakeClock
from tests.factories import make_member, make_merchant


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1234567890", "1234567890"),
        ("12345 67890", "1234567890"),
        ("12345-67890", "1234567890"),
        ("123456789", None),
        ("12345678901", None),
        ("１２３４５６７８９０", None),
        ("abcdefghij", None),
    ],
)
def test_code_typed(typed: str, code: str | None) -> None:
    assert rules.code_typed(typed) == code


def test_codes_have_ten_digits_and_read_in_two_groups() -> None:
    code = rules.new_code()
    assert len(code) == 10 and code[0] != "0"
    assert rules.shown_code("1234567890") == "12345 67890"


TOKEN = "AbCdEfGhJkMnPqR2"  # 16 letters and digits


@pytest.mark.parametrize(
    ("raw", "invite", "gift", "code"),
    [
        ("k" + TOKEN, TOKEN, None, None),
        ("k" + TOKEN + "x", None, None, None),  # 17 characters: not a token
        ("k" + TOKEN[:15] + "!", None, None, None),
        ("g" + TOKEN, None, TOKEN, None),
        ("c1234567890", None, None, "1234567890"),
        ("c123", None, None, None),
        ("v12345678", None, None, None),  # a voucher's QR
        (None, None, None, None),
    ],
)
def test_payloads(raw: str | None, invite: str | None, gift: str | None, code: str | None) -> None:
    assert rules.invite_payload(raw) == invite
    assert rules.gift_payload(raw) == gift
    assert rules.code_payload(raw) == code


def test_new_token_fits_the_links() -> None:
    token = rules.new_token()
    assert rules.invite_payload("k" + token) == token
    assert rules.gift_payload("g" + token) == token


@pytest.mark.parametrize(
    ("check", "value", "minimum", "share", "refused"),
    [
        (5000, 1000, 3000, 1000, None),
        (2999, 1000, 3000, None, "min_check"),
        (1000, 1000, 0, None, "covers_check"),
        (1001, 1000, 0, 1000, None),
        (500, 0, 0, 0, None),  # a named item pays nothing of the check
    ],
)
def test_check_share(
    check: int, value: int, minimum: int, share: int | None, refused: str | None
) -> None:
    if refused is None:
        assert rules.check_share(check, value, minimum) == share
    else:
        with pytest.raises(rules.ShareRefused) as caught:
            rules.check_share(check, value, minimum)
        assert caught.value.reason == refused


def test_flag_from_the_threshold_on() -> None:
    assert [rules.flagged(n) for n in range(1, 6)] == [False, False, True, True, True]


async def test_issue_writes_the_certificate_and_its_entry(
    session: AsyncSession, clock: FakeClock
) -> None:
    cafe = await make_merchant(session, clock, "cafe")
    wash = await make_merchant(session, clock, "wash")
    await make_partnership(session, clock, cafe, wash)
    await make_member(session, clock, cafe, 501)
    offer = await make_offer(
        session, clock, wash, value_minor=1500, routes={cafe.id: (HandOut.AUTO, 2000)}
    )
    issued = await make_certificate(session, clock, offer, 501, cafe)
    async with session.begin():
        row = await session.get(Certificate, issued.id)
        assert row is not None
        assert (row.merchant_id, row.partner_merchant_id) == (wash.id, cafe.id)
        assert row.status is CertificateStatus.OPEN and row.code == issued.code
        entries = (await session.execute(select(CertificateEntry))).scalars().all()
        assert [(e.reason, e.delta, e.value_minor) for e in entries] == [("issued", 1, 1500)]
        repo = CertificateRepo(session)
        assert await repo.redeem(issued.id, cafe.id, clock(), 9) is None  # not cafe's
        done = await repo.redeem(issued.id, wash.id, clock(), 9)
        assert done is not None and done.value_minor == 1500
        assert await repo.redeem(issued.id, wash.id, clock(), 9) is None  # once
        count = await session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.status == "redeemed")
        )
        assert count == 1
