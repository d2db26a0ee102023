"""Typed notices: every kind round-trips through the outbox payload and renders in every
language; rows queued in the format of earlier releases still decode; an unknown kind can be
neither built nor decoded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from db.models import Outbox, OutboxStatus
from handlers.ui.notices import notice_text
from services.campaigns.content import telegram_html_ok
from services.notices import (
    KINDS,
    BirthdayCorrection,
    BirthdayGift,
    CartReminder,
    CodesLockedAlert,
    CustomerAmountFlag,
    CustomerPurchasesFlag,
    DigestFigures,
    ExpiryWarning,
    FriendJoined,
    LowRatingAlert,
    MemberMessage,
    NewOrder,
    Notice,
    NoticeBody,
    NoticeError,
    NpsSurvey,
    OrderCancelled,
    OrderReady,
    OrderWithdrawn,
    PointsExpired,
    Push,
    PushDone,
    ReferralReversed,
    ReferralReward,
    RefundReceipt,
    RulesChanged,
    StaffAmountFlag,
    StaffJoined,
    StaffPausedAlert,
    StaffReply,
    StaffSalesFlag,
    VoucherExpiring,
    VoucherLapsed,
    WeeklyDigest,
    decode,
    encode,
)
from services.notices.care import GoodwillPoints, PointsAdjusted
from services.notices.certificate_till import CertificatesFlag, CertificateUsed
from services.notices.certificates import (
    CertificateExpired,
    CertificateExpiring,
    CertificateGiven,
    GotCertificate,
)
from services.notices.gifts import CertificateGiftTaken
from services.notices.partners import PartnerInviteDeclined, PartnershipEnded, PartnershipStarted
from services.notices.redeem import VoucherRedeemed
from tests.factories import make_merchant, receipt

LANGUAGES = ("en", "ru", "pl", "hu")
WEEK = DigestFigures(
    members=40,
    new_members=3,
    active=12,
    purchases=30,
    revenue=45_000,
    average_check=1_500.0,
    retention=0.25,
    csat=4.5,
    nps=20,
    issued=900,
    redeemed=300,
    liability=5_000,
)
FLAG = {
    "count": 5,
    "amount": 12_000,
    "limit": 5,
    "currency": "EUR",
    "member": "Anna",
    "member_id": 7,
    "staff": "Kasia",
    "purchase_id": 12,
}
LOW_RATING = LowRatingAlert(
    stars=2,
    comment="Cold coffee",
    purchase_id=12,
    amount=1_990,
    currency="EUR",
    customer="Anna",
    staff="Kasia",
    confirmed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    timezone="Europe/Warsaw",
)
CERTIFICATE = GotCertificate(
    merchant="Wash <B>",
    value=1000,
    currency="EUR",
    until=date(2026, 4, 9),
    timezone="Europe/Warsaw",
)
# One of each kind, with the optional parts filled in.
SAMPLES: list[NoticeBody] = [
    receipt(merchant="Café <Central>", spent=100, balance=459, level_up=True, level="Silver"),
    ReferralReward(
        friend="Anna", depth=1, points=560, bonus=500, balance=900, level_up=True, level="Gold"
    ),
    RefundReceipt(
        purchase_id=12,
        amount=1_000,
        returned=100,
        reversed=30,
        cash=900,
        kept=20,
        level_reversed=15,
        balance=300,
        currency="EUR",
    ),
    ReferralReversed(friend="Anna", points=60, owed=10, balance=0, level_reversed=5),
    LOW_RATING,
    FriendJoined(friend="Anna"),
    CustomerPurchasesFlag(**FLAG),  # type: ignore[arg-type]
    CustomerAmountFlag(**FLAG),  # type: ignore[arg-type]
    StaffSalesFlag(**FLAG),  # type: ignore[arg-type]
    StaffAmountFlag(**FLAG),  # type: ignore[arg-type]
    StaffPausedAlert(staff="Kasia"),
    CodesLockedAlert(merchant_id=1, merchant="Café", limit=30),
    StaffJoined(staff="Kasia", role="admin"),
    NewOrder(order_id=4, items="Latte × 2", total=900, currency="EUR"),
    OrderWithdrawn(order_id=4, items="Latte × 2"),
    OrderReady(order_id=4, merchant="Café", code="123456"),
    OrderCancelled(order_id=4, merchant="Café"),
    CartReminder(items="Latte × 2", total=900, currency="EUR"),
    BirthdayGift(merchant="Café", bonus=500, balance=800, days=14),
    BirthdayCorrection(merchant="Café", day=3, month=4, year=1990, gift_next_year=True),
    PointsExpired(points=120, balance=30),
    ExpiryWarning(points=2, days=7),
    NpsSurvey(survey="7:20260302"),
    WeeklyDigest(
        merchant="Café",
        currency="EUR",
        members=40,
        first_day=date(2026, 2, 23),
        last_day=date(2026, 3, 1),
        timezone="Europe/Warsaw",
        current=WEEK,
        previous=WEEK,
    ),
    Push(text="<b>Hot chocolate</b> is back", button_text="Menu", button_url="https://a.b/c"),
    PushDone(campaign_id=3, recipients=22, sent=21, failed=0, blocked=1),
    RulesChanged(merchant="Café"),
    MemberMessage(message_id=1, merchant="Café", member="Anna", member_id=5, text="Hi"),
    StaffReply(merchant="Café", text="Hello"),
    PointsAdjusted(merchant="Café <Nord>", delta=-20, reason="<b>mistake</b>", balance=80),
    GoodwillPoints(merchant="Café", purchase_id=7, points=100, balance=180),
    VoucherRedeemed(merchant="Café <Nord>", reward="<b>Cappuccino</b>"),
    VoucherLapsed(reward="Latte <XL>", points=300, balance=500),
    VoucherExpiring(reward="Latte <XL>", days=2),
    CertificateGiven(partner="Café <A>", certificate=CERTIFICATE),
    CertificateExpiring(certificate=CERTIFICATE, days=2),
    CertificateExpired(certificate=replace(CERTIFICATE, item="Wash <XL>", value=0)),
    CertificateUsed(merchant="Wash <Nord>", value_minor=1500, currency="EUR"),
    CertificatesFlag(member="<b>Anna</b>", count=3, place="Car <Wash>"),
    CertificateGiftTaken(merchant="Wash <&> Go", currency="HUF", value_minor=150000),
    PartnershipStarted(partner="Bistro <Nord>", place="Café"),
    PartnershipEnded(partner="Bistro <Nord>"),
    PartnerInviteDeclined(partner="Bistro <Nord>", place="Café"),
]


def test_the_samples_cover_every_kind_once() -> None:
    assert sorted(type(s).kind for s in SAMPLES) == sorted(KINDS)


@pytest.mark.parametrize("body", SAMPLES, ids=lambda b: b.kind)
def test_every_kind_round_trips_through_the_payload(body: NoticeBody) -> None:
    payload = encode(body)
    assert decode(body.kind, payload) == body
    assert Notice(1, None, body).kind == body.kind


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_a_message_in_every_language(i18n, language: str) -> None:
    with i18n.context(), i18n.use_locale(language):
        for body in SAMPLES:
            text, _ = notice_text(body)
            assert text.strip(), (language, body.kind)
            assert telegram_html_ok(text), (language, body.kind, text)


# Payloads exactly as the release before typed notices wrote them (its json.dumps with compact
# separators and unescaped text), and the bodies they are.
WRITTEN_BEFORE = [
    (
        "receipt",
        '{"purchase_id":12,"merchant":"Café","amount":1990,"spent":0,"earned":59,'
        '"balance":59,"currency":"EUR","point_value":1,"level_up":false,"level":"Bronze"}',
        receipt(),
    ),
    (
        "referral_reversed",  # level_reversed is written only when something was taken
        '{"friend":null,"points":100,"owed":0,"balance":0}',
        ReferralReversed(friend=None, points=100, owed=0, balance=0),
    ),
    (
        "referral_reversed",
        '{"friend":"Anna","points":100,"owed":40,"balance":0,"level_reversed":25}',
        ReferralReversed(friend="Anna", points=100, owed=40, balance=0, level_reversed=25),
    ),
    (
        "low_rating",
        '{"stars":1,"comment":null,"purchase_id":12,"amount":1990,"currency":"EUR",'
        '"customer":"Anna","staff":"Kasia",'
        '"confirmed_at":{"__datetime__":"2026-03-02T09:30:00+00:00"},"timezone":"UTC"}',
        replace(LOW_RATING, stars=1, comment=None, timezone="UTC"),
    ),
    (
        "staff_daily_flag",
        '{"count":5,"amount":12000,"limit":5,"currency":"EUR","member":"Anna",'
        '"member_id":7,"staff":"Kasia","purchase_id":12}',
        StaffSalesFlag(**FLAG),  # type: ignore[arg-type]
    ),
    (
        "digest",
        json.dumps(
            {
                "merchant": "Café",
                "currency": "EUR",
                "members": 40,
                "first_day": "2026-02-23",
                "last_day": "2026-03-01",
                "timezone": "Europe/Warsaw",
                "current": {f: getattr(WEEK, f) for f in WEEK.__dataclass_fields__},
                "previous": {f: getattr(WEEK, f) for f in WEEK.__dataclass_fields__},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        next(s for s in SAMPLES if isinstance(s, WeeklyDigest)),
    ),
]


@pytest.mark.parametrize(("kind", "payload", "body"), WRITTEN_BEFORE, ids=lambda x: str(x)[:20])
def test_rows_already_queued_decode_and_new_rows_are_written_the_same(
    kind: str, payload: str, body: NoticeBody
) -> None:
    assert decode(kind, payload) == body
    assert encode(body) == payload


def test_rows_from_older_releases_get_the_defaults_of_fields_added_since() -> None:
    old_flag = decode("daily_flag", '{"count":3,"member":"Anna","member_id":7,"purchase_id":9}')
    assert old_flag == CustomerPurchasesFlag(count=3, member="Anna", member_id=7, purchase_id=9)
    assert old_flag.limit is None  # rendered with the text of its time
    receipt = json.loads(WRITTEN_BEFORE[0][1])
    del receipt["point_value"]
    assert decode("receipt", json.dumps(receipt)) == WRITTEN_BEFORE[0][2]
    refund = decode(
        "refund",
        '{"purchase_id":1,"amount":500,"returned":0,"reversed":25,"balance":10,"currency":"EUR"}',
    )
    assert isinstance(refund, RefundReceipt)
    assert (refund.cash, refund.kept, refund.level_reversed) == (None, 0, 0)
    gift = decode("birthday", '{"merchant":"Café","bonus":500,"balance":500}')
    assert gift == BirthdayGift(merchant="Café", bonus=500, balance=500, days=14)


def test_an_unknown_kind_can_be_neither_built_nor_decoded() -> None:
    with pytest.raises(TypeError, match="not a notice kind"):
        Notice(1, None, {"kind": "receipt"})  # type: ignore[arg-type]
    with pytest.raises(NoticeError, match="unknown notice kind 'reciept'"):
        decode("reciept", "{}")
    with pytest.raises(NoticeError, match="Receipt: the payload has no 'purchase_id'"):
        decode("receipt", '{"merchant":"Café"}')
    with pytest.raises(NoticeError, match="digest: "):
        decode("digest", WRITTEN_BEFORE[-1][1].replace("2026-02-23", "last Monday"))
    with pytest.raises(NoticeError, match="push: "):
        decode("push", "not json")


async def test_the_sender_delivers_a_row_of_an_older_release_and_fails_an_unknown_one(
    session, clock, sender, bot
) -> None:
    merchant = await make_merchant(session, clock)
    rows = {
        "daily_flag": '{"count":3,"member":"Anna","member_id":7,"purchase_id":9}',
        "no_such_kind": "{}",
    }
    async with session.begin():
        for n, (kind, payload) in enumerate(rows.items()):
            session.add(
                Outbox(
                    merchant_id=merchant.id,
                    chat_id=100 + n,
                    kind=kind,
                    priority=0,
                    dedupe_key=f"old:{n}",
                    payload=payload,
                    language="en",
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    not_before=clock(),
                    created_at=clock(),
                )
            )
    assert await sender.drain() == 2
    sent = [m.text for m in bot.session.requests if getattr(m, "chat_id", None) == 100]
    assert sent == ["🚩 Anna has made 3 purchases today (latest: sale #9). Worth a look."]
    async with session.begin():
        failed = await session.scalar(select(Outbox).where(Outbox.kind == "no_such_kind"))
    assert failed is not None and failed.status == OutboxStatus.FAILED
    assert failed.last_error == "unknown notice kind 'no_such_kind'"
