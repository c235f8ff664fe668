"""Stripe's test cards: brands, magic `pm_card_*` / `tok_*` ids, raw-number validation and scripted outcomes."""

from __future__ import annotations

import datetime
import hashlib
import string
from dataclasses import dataclass
from typing import Any

from .errors import StripeError

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


@dataclass(frozen=True)
class CardFailure:
    code: str
    message: str
    decline_code: str | None = None
    param: str | None = None

    def error(self, status: int = 402) -> StripeError:
        return StripeError(
            status,
            "card_error",
            self.message,
            code=self.code,
            decline_code=self.decline_code,
            param=self.param,
        )


DECLINED = "Your card was declined."
GENERIC_DECLINE = CardFailure("card_declined", DECLINED, "generic_decline")
INSUFFICIENT_FUNDS = CardFailure("card_declined", "Your card has insufficient funds.", "insufficient_funds")
LOST_CARD = CardFailure("card_declined", DECLINED, "lost_card")
STOLEN_CARD = CardFailure("card_declined", DECLINED, "stolen_card")
FRAUDULENT = CardFailure("card_declined", DECLINED, "fraudulent")
VELOCITY = CardFailure(
    "card_declined",
    "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
    "card_velocity_exceeded",
)
EXPIRED_CARD = CardFailure("expired_card", "Your card has expired.", param="exp_month")
INCORRECT_CVC = CardFailure("incorrect_cvc", "Your card's security code is incorrect.", param="cvc")
PROCESSING_ERROR = CardFailure(
    "processing_error", "An error occurred while processing your card. Try again in a little bit."
)
AUTHENTICATION_REQUIRED = CardFailure(
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
    "authentication_required",
)

# How a card behaves when authentication (3-D Secure) comes into play.
NO_3DS = "none"
THREE_DS_UNLESS_SET_UP = "unless_set_up"  # 3155: off-session works once set up
THREE_DS_ALWAYS = "always"  # 3184 / 3220: off-session always needs the customer
THREE_DS_ON_SESSION_ONLY = "on_session_only"  # 0446: off-session treated as already set up


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    country: str = "US"
    decline: CardFailure | None = None  # declines on attach and on charge
    charge_failure: CardFailure | None = None  # attaches fine, every charge fails
    three_d_secure: str = NO_3DS


_CARDS = [
    TestCard("4242424242424242", "visa"),
    TestCard("4000056655665556", "visa", "debit"),
    TestCard("5555555555554444", "mastercard"),
    TestCard("2223003122003222", "mastercard"),
    TestCard("5200828282828210", "mastercard", "debit"),
    TestCard("378282246310005", "amex"),
    TestCard("6011111111111117", "discover"),
    TestCard("3056930009020004", "diners"),
    TestCard("3566002020360505", "jcb", country="JP"),
    TestCard("6200000000000005", "unionpay", country="CN"),
    TestCard("4000000000000002", "visa", decline=GENERIC_DECLINE),
    TestCard("4000000000009995", "visa", decline=INSUFFICIENT_FUNDS),
    TestCard("4000000000009987", "visa", decline=LOST_CARD),
    TestCard("4000000000009979", "visa", decline=STOLEN_CARD),
    TestCard("4000000000000069", "visa", decline=EXPIRED_CARD),
    TestCard("4000000000000127", "visa", decline=INCORRECT_CVC),
    TestCard("4000000000000119", "visa", decline=PROCESSING_ERROR),
    TestCard("4000000000006975", "visa", decline=VELOCITY),
    TestCard("4100000000000019", "visa", charge_failure=FRAUDULENT),
    TestCard("4000000000000341", "visa", charge_failure=GENERIC_DECLINE),
    TestCard("4000002500003155", "visa", three_d_secure=THREE_DS_UNLESS_SET_UP),
    TestCard("4000002760003184", "visa", three_d_secure=THREE_DS_ALWAYS),
    TestCard("4000000000003220", "visa", three_d_secure=THREE_DS_ALWAYS),
    TestCard("4000003800000446", "visa", three_d_secure=THREE_DS_ON_SESSION_ONLY),
]
_BY_NUMBER = {card.number: card for card in _CARDS}

_MAGIC_NUMBERS = {
    "visa": "4242424242424242",
    "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444",
    "mastercard_debit": "5200828282828210",
    "amex": "378282246310005",
    "amex_threeDSecureNotSupported": "378282246310005",
    "discover": "6011111111111117",
    "diners": "3056930009020004",
    "jcb": "3566002020360505",
    "unionpay": "6200000000000005",
    "visa_chargeDeclined": "4000000000000002",
    "chargeDeclined": "4000000000000002",
    "visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedInsufficientFunds": "4000000000009995",
    "visa_chargeDeclinedLostCard": "4000000000009987",
    "chargeDeclinedLostCard": "4000000000009987",
    "visa_chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "visa_chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "visa_chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119",
    "visa_chargeDeclinedProcessingError": "4000000000000119",
    "visa_chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "radarBlock": "4100000000000019",
    "chargeDeclinedFraudulent": "4100000000000019",
    "chargeCustomerFail": "4000000000000341",
    "visa_chargeCustomerFail": "4000000000000341",
    "authenticationRequiredOnSetup": "4000002500003155",
    "authenticationRequired": "4000002760003184",
    "threeDSecure2Required": "4000000000003220",
    "authenticationRequiredSetupForOffSession": "4000003800000446",
}


def magic_number(payment_method_or_token: str) -> str | None:
    """Card number behind a `pm_card_*` or `tok_*` test id, or None when the id is not magic."""
    for prefix in ("pm_card_", "tok_"):
        if payment_method_or_token.startswith(prefix):
            return _MAGIC_NUMBERS.get(payment_method_or_token[len(prefix) :])
    return None


def lookup(number: str) -> TestCard:
    return _BY_NUMBER.get(number) or TestCard(number, _brand_from_bin(number))


def _brand_from_bin(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65", "644", "645", "646", "647", "648", "649")):
        return "discover"
    if number.startswith(("36", "30", "38")):
        return "diners"
    if number.startswith("35"):
        return "jcb"
    if number.startswith("62"):
        return "unionpay"
    return "unknown"


@dataclass(frozen=True)
class RawCard:
    number: str
    exp_month: int
    exp_year: int
    cvc: str | None


def validate_raw(card: dict[str, Any], today: datetime.date) -> RawCard:
    """Check raw card data the way Stripe does when it is first submitted (402 card errors)."""
    number = (card.get("number") or "").replace(" ", "")
    if not number.isdigit() or not 12 <= len(number) <= 19:
        raise _invalid("invalid_number", "Your card number is not a valid credit card number.", "number")
    if not _luhn_valid(number):
        raise _invalid("incorrect_number", "Your card number is incorrect.", "number")
    exp_month = _int_or_none(card.get("exp_month"))
    exp_year = _int_or_none(card.get("exp_year"))
    if exp_month is None or not 1 <= exp_month <= 12:
        raise _invalid("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month")
    if exp_year is not None and exp_year < 100:
        exp_year += 2000
    if exp_year is None or exp_year < today.year or exp_year > today.year + 50:
        raise _invalid("invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year")
    if exp_year == today.year and exp_month < today.month:
        raise _invalid("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month")
    cvc = card.get("cvc") or None
    expected_cvc_length = 4 if lookup(number).brand == "amex" else 3
    if cvc is not None and (not cvc.isdigit() or len(cvc) != expected_cvc_length):
        raise _invalid("invalid_cvc", "Your card's security code is invalid.", "cvc")
    return RawCard(number, exp_month, exp_year, cvc)


def _invalid(code: str, message: str, field: str) -> StripeError:
    return StripeError(402, "card_error", message, code=code, param=f"card[{field}]")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def fingerprint(number: str) -> str:
    """Stable per card number, 16 alphanumerics like Stripe's."""
    value = int.from_bytes(hashlib.sha256(number.encode()).digest(), "big")
    chars = []
    for _ in range(16):
        value, remainder = divmod(value, 62)
        chars.append(_BASE62[remainder])
    return "".join(chars)


def card_details(raw: RawCard, cvc_check: str | None) -> dict[str, Any]:
    """The `card` hash of a PaymentMethod."""
    test_card = lookup(raw.number)
    return {
        "brand": test_card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": cvc_check},
        "country": test_card.country,
        "display_brand": test_card.brand,
        "exp_month": raw.exp_month,
        "exp_year": raw.exp_year,
        "fingerprint": fingerprint(raw.number),
        "funding": test_card.funding,
        "generated_from": None,
        "last4": raw.number[-4:],
        "networks": {"available": [test_card.brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": test_card.brand != "amex"},
        "wallet": None,
    }
