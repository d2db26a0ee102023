"""At the till: the seller's check, the customer found by their code, the check quoted, and a
draft kept until Confirm (made again with other points or a receipt number, or cancelled).

Each step is one transaction whose reads are one statement (services/till_lookup.py): a step
of the sale form (`sell`) finds the customer and, once nothing is missing, writes the draft in
the same transaction. Wrong codes pause whoever typed them (services/limits/)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from services import policy
from services.coalition.sale_share import CertificateChoice, SaleCertificate, choices
from services.dto import MerchantView
from services.errors import InvalidAmount, SaleRefused
from services.limits.daily import refuse_over_cap
from services.policy import settlement
from services.program import Program
from services.sale_form import SaleFacts, SaleStep, next_step
from services.till_lookup import Found, Till, TillLookup, clean_receipt, code_typed

RECEIPT_MAX = 40
T = TypeVar("T")

__all__ = ["Quote", "SaleDraft", "Till", "TillService", "TillStep", "points_choices"]


@dataclass(frozen=True, slots=True)
class Quote:
    amount_minor: int
    max_points: int
    balance: int


@dataclass(frozen=True, slots=True)
class SaleDraft:
    key: str
    till: Till
    amount_minor: int
    points_spent: int
    to_pay_minor: int
    cashback: int
    receipt_no: str | None
    max_points: int = 0  # what the customer could spend on this check
    points_choices: tuple[int, ...] = ()  # the preview's points buttons, largest first
    promotion_bonus: int = 0  # of `cashback`, what a promotion adds
    promotion: str | None = None  # its name, when it adds any
    # A partner's certificate (issue 16): `amount_minor` is the check less its share.
    certificate: SaleCertificate | None = None
    certificates: tuple[CertificateChoice, ...] = ()  # the buyer's others: 🎟 buttons

    @property
    def check_minor(self) -> int:  # the whole check: the certificate's share and the rest
        share = self.certificate.share_minor if self.certificate is not None else 0
        return self.amount_minor + share


@dataclass(frozen=True, slots=True)
class TillStep:
    """A step of the sale form, done: the customer, the amount and points as they stand, the
    step that comes next, and the draft when that is the preview."""

    till: Till
    next: SaleStep
    amount_minor: int | None = None
    points: int = 0
    points_over: bool = False  # more points were asked than the check allows: none are spent
    draft: SaleDraft | None = None


def points_choices(max_points: int, current: int) -> tuple[int, ...]:
    """The points buttons of a preview: everything allowed, half of it when that is worth a
    button, and none again once some are spent; never the number already chosen."""
    steps = {max_points}
    if max_points >= 10:
        steps.add(max_points // 2)
    if current:
        steps.add(0)
    return tuple(sorted((p for p in steps if p != current), reverse=True))


def parse_check(text: str, till: Till) -> int:
    return policy.parse_amount(
        text,
        policy.currency_exponent(till.currency),
        till.max_sale_minor,
        whole_units=policy.whole_units_only(till.currency),
    )


class TillService(TillLookup):
    """The sale up to Confirm; PurchaseService confirms it (services/purchases.py)."""

    async def start(self, merchant_id: int, telegram_id: int) -> MerchantView:
        """Check the seller before asking for a code."""
        async with self.session.begin():
            await self._seller(merchant_id, telegram_id, self.clock())
            return (await self._program(merchant_id)).merchant

    async def _at_till(
        self,
        merchant_id: int,
        staff_id: int,
        code: str,
        work: Callable[[Program, Found, datetime], Awaitable[T]],
        receipt_no: str | None = None,
    ) -> T:
        """`work` on the customer behind an active code, in one transaction with the lookup.
        A wrong code is audited and committed before its refusal is raised, so counts hold."""
        async with self.session.begin():
            now = self.clock()
            program = await self._program(merchant_id)
            code = code_typed(code)
            row = await self._lookup(program, staff_id, now, code=code, receipt_no=receipt_no)
            found = self._found(program, row)
            if found is not None:
                return await work(program, found, now)
            failure = await self._missed(merchant_id, staff_id, code, now)
        raise failure

    async def find_customer(self, merchant_id: int, staff_id: int, code: str) -> Till:
        """The customer behind an active code. Wrong codes pause whoever typed them, and too
        many at one merchant lock code entry there (services/limits/)."""

        async def till(_program: Program, found: Found, _now: datetime) -> Till:
            return found.till

        return await self._at_till(merchant_id, staff_id, code, till)

    async def quote(
        self, merchant_id: int, staff_id: int, code: str, amount_text: str | None
    ) -> Quote:
        """Parse the check amount (a pre-order brings its own) and say how many points may pay
        for it."""

        async def quoted(_program: Program, found: Found, _now: datetime) -> Quote:
            till = found.till
            amount = till.order_total_minor
            if amount is None:
                amount = parse_check(amount_text or "", till)
            most = policy.max_redeemable(amount, till.level, till.balance, till.point_value)
            return Quote(amount, most, till.balance)

        return await self._at_till(merchant_id, staff_id, code, quoted)

    async def sell(
        self,
        merchant_id: int,
        staff_id: int,
        code: str,
        *,
        amount_text: str | None = None,
        amount_minor: int | None = None,
        points: int = 0,
        points_text: str | None = None,
        receipt_no: str | None = None,
    ) -> TillStep:
        """A step of the sale form, in one transaction: find the customer, take the amount
        (a pre-order's, or as typed) and the points to spend, and once nothing is missing
        (services/sale_form.py) keep the draft. More points than the check allows are
        dropped, and said."""
        receipt = clean_receipt(receipt_no, RECEIPT_MAX)

        async def step(program: Program, found: Found, now: datetime) -> TillStep:
            till = found.till
            amount = till.order_total_minor
            if amount is None:
                amount = amount_minor
            if amount is None and amount_text is not None:
                amount = parse_check(amount_text, till)
            if amount is None:
                return TillStep(till, SaleStep.AMOUNT)
            wanted = points if points_text is None else policy.parse_points(points_text)
            most = policy.max_redeemable(amount, till.level, till.balance, till.point_value)
            over = wanted > most
            chosen = 0 if over else wanted
            known = SaleFacts(True, till.receipt_required, receipt_known=receipt_no is not None)
            after = next_step(known)
            if after is not SaleStep.PREVIEW:
                return TillStep(till, after, amount, chosen, over)
            draft = await self._draft(program, found, staff_id, amount, chosen, receipt, now)
            return TillStep(till, after, amount, chosen, over, draft)

        return await self._at_till(merchant_id, staff_id, code, step, receipt)

    async def prepare(
        self,
        merchant_id: int,
        staff_id: int,
        code: str,
        amount_minor: int,
        points: int,
        receipt_no: str | None,
    ) -> SaleDraft:
        """Validate everything and keep a draft; the Confirm button carries its key."""
        receipt = clean_receipt(receipt_no, RECEIPT_MAX)

        async def draft(program: Program, found: Found, now: datetime) -> SaleDraft:
            return await self._draft(program, found, staff_id, amount_minor, points, receipt, now)

        return await self._at_till(merchant_id, staff_id, code, draft, receipt)

    async def _draft(
        self,
        program: Program,
        found: Found,
        staff_id: int,
        amount_minor: int,
        points: int,
        receipt_no: str | None,
        now: datetime,
        *,
        replaces: str | None = None,
        certificate: SaleCertificate | None = None,
    ) -> SaleDraft:
        """Check the sale against the lookup and keep it as a draft under a new key. A draft
        that `replaces` another is that one with the new numbers under the new key (its sale
        number stays; the outdated preview's buttons no longer find it), or is not made.
        A `certificate` pays its share of the check first: `amount_minor` is the rest."""
        till = found.till
        share = certificate.share_minor if certificate is not None else 0
        if till.order_total_minor is not None:
            # A pre-order's amount comes from the order.
            amount_minor = till.order_total_minor - share
        if amount_minor <= 0:
            raise InvalidAmount("zero")
        if amount_minor > till.max_sale_minor:
            raise InvalidAmount("too_large")
        most = policy.max_redeemable(amount_minor, till.level, till.balance, till.point_value)
        if points < 0 or points > most:
            raise SaleRefused("points_over_max")
        if till.telegram_id == staff_id:
            raise SaleRefused("own_purchase")
        if till.receipt_required and receipt_no is None:
            raise SaleRefused("receipt_required")
        if receipt_no and found.row.receipt_taken:
            raise SaleRefused("receipt_taken")
        cap = program.daily_amount_cap_minor
        if cap:
            refuse_over_cap(cap, found.row.spent_today, amount_minor, till.currency)
        key = secrets.token_hex(16)
        values = {
            "staff_telegram_id": staff_id,
            "amount_minor": amount_minor,
            "points_spent": points,
            "receipt_no": receipt_no,
            "created_at": now,
            "certificate_id": certificate.id if certificate is not None else None,
            "certificate_minor": share,
        }
        if replaces is not None:
            if not await self.purchases.rekey_draft(program.id, replaces, key, **values):
                raise SaleRefused("not_found")  # replaced or confirmed by a press meanwhile
        else:
            await self.purchases.add_draft(
                merchant_id=program.id,
                membership_id=found.membership_id,
                payment_code=till.code,
                cashback_minor=0,
                idempotency_key=key,
                level_before=found.level_rank,
                level_after=found.level_rank,
                made_referral_effective=False,
                refunded_minor=0,
                **values,
            )
        await self.audit.insert(
            [self.audit.row(program.id, staff_id, "sale_draft", now, details=str(amount_minor))]
        )
        paid = policy.to_pay(amount_minor, points, till.point_value)
        # The cashback quoted: with a promotion's bonus, none when cashback is off.
        promotion = settlement.promotion_at(
            program.promotions, now, program.merchant.timezone, found.level_rank
        )
        earned, bonus = settlement.earnings(
            paid, till.level, till.point_value, program.cashback_on, promotion
        )
        others: tuple[CertificateChoice, ...] = ()
        if till.open_certificates and certificate is None:  # most customers hold none
            others = await choices(self.session, program.id, found.membership_id, now)
        return SaleDraft(
            key,
            till,
            amount_minor,
            points,
            paid,
            earned + bonus,
            receipt_no,
            most,
            points_choices(most, points),
            bonus,
            promotion.name if promotion is not None and bonus else None,
            certificate,
            others,
        )
