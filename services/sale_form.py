"""The steps of a sale at the till, and which one comes next: pure, asked by handlers/sale.py.

A sale takes the customer's code, then the amount (a pre-order brings its own), then a receipt
number when the merchant requires one, then the preview with Confirm. A refused input is asked
for again when typing it again can help; any other refusal ends the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.errors import CodeInvalid, DomainError, InvalidAmount, SaleRefused


class SaleStep(StrEnum):
    CODE = "code"  # the customer's 6-digit code (or their QR)
    AMOUNT = "amount"  # the check's amount
    RECEIPT = "receipt"  # the receipt number, before the preview
    PREVIEW = "preview"  # the draft, with its points buttons and Confirm
    END = "end"  # the form is over


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """What the form knows so far."""

    amount_known: bool  # typed, or the total of a pre-order
    receipt_required: bool  # the merchant wants a receipt number on every sale
    receipt_known: bool = False


def next_step(facts: SaleFacts) -> SaleStep:
    """The step that asks for what is missing; the preview once nothing is."""
    if not facts.amount_known:
        return SaleStep.AMOUNT
    if facts.receipt_required and not facts.receipt_known:
        return SaleStep.RECEIPT
    return SaleStep.PREVIEW


RETYPE_RECEIPT = frozenset({"receipt_taken", "receipt_required"})


def after_refusal(step: SaleStep | None, error: DomainError) -> SaleStep:
    """Where the form goes when what was typed at `step` (None: no step of the form, such as
    /sale in one line) was refused: a mistyped code or amount is asked for again, unless
    the wrong code paused the cashier or locked code entry; a taken or missing receipt number
    is asked for again wherever it was found out; anything else ends the form."""
    if isinstance(error, CodeInvalid):
        stopped = error.paused or error.locked_until is not None
        return SaleStep.CODE if step is SaleStep.CODE and not stopped else SaleStep.END
    if isinstance(error, InvalidAmount):
        return SaleStep.AMOUNT if step is SaleStep.AMOUNT else SaleStep.END
    if isinstance(error, SaleRefused) and error.reason in RETYPE_RECEIPT:
        return SaleStep.RECEIPT
    return SaleStep.END
