"""Card data checks made before Stripe is called, and the test-mode token map.

The card number and CVC live only in local variables of the request; nothing here logs or keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from linguaflex.errors import CardRejected

INVALID_NUMBER = "Your card number is invalid."

# (brand, prefixes, valid lengths, cvc length)
_BRANDS: tuple[tuple[str, tuple[str, ...], tuple[int, ...], int], ...] = (
    ("amex", ("34", "37"), (15,), 4),
    ("diners", ("300", "301", "302", "303", "304", "305", "36", "38", "39"), (14, 16, 17, 18, 19), 3),
    ("discover", ("6011", "644", "645", "646", "647", "648", "649", "65"), (16, 17, 18, 19), 3),
    ("jcb", ("3528", "3529", "353", "354", "355", "356", "357", "358"), (16, 17, 18, 19), 3),
    ("unionpay", ("62",), (16, 17, 18, 19), 3),
    ("mastercard", ("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"), (16,), 3),
    ("visa", ("4",), (13, 16, 19), 3),
)

# Stripe's documented test cards and the PaymentMethod tokens that stand for them in test mode.
TEST_CARD_TOKENS: dict[str, str] = {
    "4242424242424242": "pm_card_visa",
    "4000056655665556": "pm_card_visa_debit",
    "5555555555554444": "pm_card_mastercard",
    "5200828282828210": "pm_card_mastercard_debit",
    "378282246310005": "pm_card_amex",
    "6011111111111117": "pm_card_discover",
    "3056930009020004": "pm_card_diners",
    "3566002020360505": "pm_card_jcb",
    "6200000000000005": "pm_card_unionpay",
    "4000000000000002": "pm_card_visa_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000009987": "pm_card_visa_chargeDeclinedLostCard",
    "4000000000009979": "pm_card_visa_chargeDeclinedStolenCard",
    "4000000000000069": "pm_card_chargeDeclinedExpiredCard",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000000119": "pm_card_chargeDeclinedProcessingError",
    "4000000000000341": "pm_card_chargeCustomerFail",
    "4000002500003155": "pm_card_authenticationRequiredOnSetup",
    "4000002760003184": "pm_card_authenticationRequired",
}


@dataclass(frozen=True)
class CheckedCard:
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    brand: str

    def __repr__(self) -> str:  # never let a traceback or debugger print the number
        return f"CheckedCard(brand={self.brand!r}, last4={self.number[-4:]!r})"


def _ascii_digits(text: str) -> bool:
    """str.isdigit() also accepts superscripts and full-width digits; cards are ASCII."""
    return text.isascii() and text.isdigit()


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def detect_brand(number: str) -> tuple[str, tuple[int, ...], int] | None:
    for brand, prefixes, lengths, cvc_length in _BRANDS:
        if number.startswith(prefixes):
            return brand, lengths, cvc_length
    return None


def _reject(message: str, code: str, param: str) -> CardRejected:
    return CardRejected(message, {"code": code, "param": param})


def check_card(number: str, exp_month: int, exp_year: int, cvc: str, today: datetime | None = None) -> CheckedCard:
    """Validate as Stripe would at PaymentMethod creation; raise CardRejected with Stripe's codes."""
    digits = number.replace(" ", "").replace("-", "")
    if not _ascii_digits(digits) or not 12 <= len(digits) <= 19:
        raise _reject(INVALID_NUMBER, "invalid_number", "card_number")
    known = detect_brand(digits)
    if known is not None and len(digits) not in known[1]:
        raise _reject(INVALID_NUMBER, "invalid_number", "card_number")
    if not luhn_valid(digits):
        raise _reject(INVALID_NUMBER, "incorrect_number", "card_number")
    if not 1 <= exp_month <= 12:
        raise _reject("Your card's expiration month is invalid.", "invalid_expiry_month", "exp_month")
    now = today or datetime.now(UTC)
    if exp_year < now.year or exp_year > now.year + 50:
        raise _reject("Your card's expiration year is invalid.", "invalid_expiry_year", "exp_year")
    if exp_year == now.year and exp_month < now.month:
        raise _reject("Your card's expiration month is invalid.", "invalid_expiry_month", "exp_month")
    cvc_length = known[2] if known else 3
    if not _ascii_digits(cvc) or len(cvc) != cvc_length:
        raise _reject("Your card's security code is invalid.", "invalid_cvc", "cvc")
    brand = known[0] if known else "unknown"
    return CheckedCard(digits, exp_month, exp_year, cvc, brand)
