"""Money is integer cents inside; decimals only at the API edge."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "usd"


@dataclass(frozen=True)
class FeeSplit:
    amount_cents: int
    platform_fee_cents: int
    teacher_cents: int


def split_fee(amount_cents: int, platform_fee_bps: int) -> FeeSplit:
    """The platform keeps `platform_fee_bps` basis points, rounded half up; the teacher gets the rest."""
    if amount_cents <= 0:
        raise ValueError("amount must be positive")
    fee = (Decimal(amount_cents) * platform_fee_bps / Decimal(10_000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    fee_cents = int(fee)
    return FeeSplit(amount_cents, fee_cents, amount_cents - fee_cents)


def to_decimal_amount(cents: int) -> float:
    """50.00 at the edge: a JSON number, exact for any cent amount below 2**53."""
    return float(Decimal(cents) / 100)


def to_cents(amount: Decimal | str | int) -> int:
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ValueError("amount has more than two decimal places")
    return int(value)
