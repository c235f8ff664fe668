from datetime import UTC, datetime

import pytest

from linguaflex.cards import TEST_CARD_TOKENS, check_card, detect_brand, luhn_valid
from linguaflex.errors import CardRejected

TODAY = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3056930009020004", "diners"),
        ("3566002020360505", "jcb"),
    ],
)
def test_known_brands_pass_and_are_detected(number, brand):
    cvc = "1234" if brand == "amex" else "123"

    checked = check_card(number, 12, 2030, cvc, today=TODAY)

    assert checked.brand == brand
    assert checked.number == number


def test_every_mapped_test_card_passes_luhn():
    assert all(luhn_valid(number) for number in TEST_CARD_TOKENS)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4242424242424241", "incorrect_number"),
        ("4242", "invalid_number"),
        ("4242-4242-4242-424x", "invalid_number"),
        ("42424242424242424242", "invalid_number"),
        ("424242424242424", "invalid_number"),  # a visa cannot have 15 digits
    ],
)
def test_bad_numbers_are_refused_with_the_contract_message(number, code):
    with pytest.raises(CardRejected) as refused:
        check_card(number, 12, 2030, "123", today=TODAY)

    assert refused.value.message == "Your card number is invalid."
    assert refused.value.details == {"code": code, "param": "card_number"}
    assert refused.value.status_code == 402


def test_spaces_and_dashes_are_ignored():
    assert check_card("4242 4242-4242 4242", 12, 2030, "123", today=TODAY).number == "4242424242424242"


@pytest.mark.parametrize(
    ("month", "year", "code", "param"),
    [
        (13, 2030, "invalid_expiry_month", "exp_month"),
        (0, 2030, "invalid_expiry_month", "exp_month"),
        (12, 2025, "invalid_expiry_year", "exp_year"),
        (10, 2026, "invalid_expiry_month", "exp_month"),
        (12, 2090, "invalid_expiry_year", "exp_year"),
    ],
)
def test_expiry_must_be_valid_and_not_past(month, year, code, param):
    with pytest.raises(CardRejected) as refused:
        check_card("4242424242424242", month, year, "123", today=TODAY)

    assert refused.value.details == {"code": code, "param": param}


def test_this_month_is_still_valid():
    assert check_card("4242424242424242", 11, 2026, "123", today=TODAY)


@pytest.mark.parametrize(
    ("number", "cvc"), [("378282246310005", "123"), ("4242424242424242", "1234"), ("4242424242424242", "12a")]
)
def test_cvc_length_follows_the_brand(number, cvc):
    with pytest.raises(CardRejected) as refused:
        check_card(number, 12, 2030, cvc, today=TODAY)

    assert refused.value.details["code"] == "invalid_cvc"


def test_the_checked_card_never_shows_its_number():
    checked = check_card("4242424242424242", 12, 2030, "123", today=TODAY)

    assert "4242424242424242" not in repr(checked)
    assert "123" not in repr(checked).replace("4242", "")


def test_unknown_prefix_has_no_brand():
    assert detect_brand("9999999999999995") is None
