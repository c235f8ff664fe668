"""Request bodies. Strict: unknown fields are refused, card numbers and CVCs are SecretStr."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, StrictInt

# defer_build: a function builds the validators of the bodies it receives, not of every model here.
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

PaymentMethodId = Annotated[str, Field(pattern=r"^pm_[A-Za-z0-9_]{1,120}$")]


class CardDetails(BaseModel):
    model_config = _STRICT

    card_number: SecretStr = Field(min_length=1, max_length=32)
    exp_month: StrictInt
    exp_year: StrictInt
    cvc: SecretStr = Field(min_length=1, max_length=8)
    cardholder_name: str | None = Field(default=None, max_length=200)


class AddPaymentMethodRequest(CardDetails):
    save_for_future: StrictBool = False


class ProcessPaymentRequest(BaseModel):
    model_config = _STRICT

    gig_id: StrictInt = Field(gt=0, lt=2**53)
    card_details: CardDetails | None = None
    saved_payment_method_id: PaymentMethodId | None = None
    save_card: StrictBool = False


class RefundRequestBody(BaseModel):
    model_config = _STRICT

    reason: str = Field(min_length=1, max_length=500)


class RefundDecisionBody(BaseModel):
    model_config = _STRICT

    amount: Decimal | None = Field(default=None, gt=0, le=1_000_000, decimal_places=2)
    note: str | None = Field(default=None, max_length=500)


class BookingDecisionBody(BaseModel):
    model_config = _STRICT

    reason: str | None = Field(default=None, max_length=500)
