"""The sale form's next step and where a refused step goes, table by table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.errors import (
    CodeInvalid,
    CodesLocked,
    DailyCapReached,
    DomainError,
    InvalidAmount,
    NotStaff,
    SaleRefused,
    StaffPaused,
)
from services.sale_form import SaleFacts, SaleStep, after_refusal, next_step

LATER = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "step"),
    [
        (SaleFacts(False, receipt_required=False), SaleStep.AMOUNT),
        (SaleFacts(False, receipt_required=True), SaleStep.AMOUNT),  # the amount first
        (SaleFacts(True, receipt_required=False), SaleStep.PREVIEW),
        (SaleFacts(True, receipt_required=True), SaleStep.RECEIPT),
        (SaleFacts(True, receipt_required=True, receipt_known=True), SaleStep.PREVIEW),
    ],
)
def test_next_step_asks_for_what_is_missing(facts: SaleFacts, step: SaleStep) -> None:
    assert next_step(facts) is step


@pytest.mark.parametrize(
    ("at", "error", "step"),
    [
        # A mistyped code is asked for again, unless it paused the cashier or locked the till.
        (SaleStep.CODE, CodeInvalid("unknown"), SaleStep.CODE),
        (SaleStep.CODE, CodeInvalid("used"), SaleStep.CODE),
        (SaleStep.CODE, CodeInvalid("unknown", paused=True, until=LATER), SaleStep.END),
        (SaleStep.CODE, CodeInvalid("unknown", locked_until=LATER), SaleStep.END),
        # A code gone stale after the code step (/sale in one line, the amount, the preview).
        (None, CodeInvalid("unknown"), SaleStep.END),
        (SaleStep.AMOUNT, CodeInvalid("expired"), SaleStep.END),
        (SaleStep.RECEIPT, CodeInvalid("expired"), SaleStep.END),
        # A mistyped amount is asked for again at its step; at the preview it ends the form.
        (SaleStep.AMOUNT, InvalidAmount("format"), SaleStep.AMOUNT),
        (None, InvalidAmount("too_large"), SaleStep.END),
        (SaleStep.RECEIPT, InvalidAmount("too_large"), SaleStep.END),
        # A taken or missing receipt number is typed again.
        (SaleStep.RECEIPT, SaleRefused("receipt_taken"), SaleStep.RECEIPT),
        (SaleStep.RECEIPT, SaleRefused("receipt_required"), SaleStep.RECEIPT),
        (SaleStep.RECEIPT, SaleRefused("points_over_max"), SaleStep.END),
        (None, DailyCapReached(100, 500, "EUR"), SaleStep.END),
        # A seller refused ends the form wherever it was.
        (SaleStep.AMOUNT, NotStaff(), SaleStep.END),
        (SaleStep.CODE, StaffPaused(LATER), SaleStep.END),
        (SaleStep.RECEIPT, CodesLocked(LATER), SaleStep.END),
    ],
)
def test_after_refusal(at: SaleStep | None, error: DomainError, step: SaleStep) -> None:
    assert after_refusal(at, error) is step
