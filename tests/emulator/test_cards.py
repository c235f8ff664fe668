"""Test cards: brands, declines field by field, attach-time declines, raw card validation."""

from __future__ import annotations

import re

import pytest
import stripe

from .helpers import INVALID_RAW_CARD_FIELDS, INVALID_RAW_CARDS, event_types_about

SUCCESS_CARDS = [
    ("pm_card_visa", "visa", "4242", "credit"),
    ("pm_card_mastercard", "mastercard", "4444", "credit"),
    ("pm_card_amex", "amex", "0005", "credit"),
    ("pm_card_discover", "discover", "1117", "credit"),
    ("pm_card_visa_debit", "visa", "5556", "debit"),
]

# (token, code, decline_code, message, param)
DECLINE_CARDS = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined.", None),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
        None,
    ),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card", "Your card was declined.", None),
    (
        "pm_card_visa_chargeDeclinedStolenCard",
        "card_declined",
        "stolen_card",
        "Your card was declined.",
        None,
    ),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", None, "Your card has expired.", "exp_month"),
    (
        "pm_card_chargeDeclinedIncorrectCvc",
        "incorrect_cvc",
        None,
        "Your card's security code is incorrect.",
        "cvc",
    ),
    (
        "pm_card_chargeDeclinedProcessingError",
        "processing_error",
        None,
        "An error occurred while processing your card. Try again in a little bit.",
        None,
    ),
]


@pytest.mark.parametrize(("token", "brand", "last4", "funding"), SUCCESS_CARDS)
def test_successful_cards_charge(client: stripe.StripeClient, pay, token, brand, last4, funding) -> None:
    payment_intent = pay(token, expand=["payment_method", "latest_charge"])

    card = payment_intent.payment_method.card
    assert payment_intent.status == "succeeded"
    assert (card.brand, card.display_brand, card.last4, card.funding, card.country) == (
        brand,
        brand,
        last4,
        funding,
        "US",
    )
    assert card.networks.available == [brand]
    assert payment_intent.latest_charge.paid is True
    assert payment_intent.latest_charge.outcome.type == "authorized"
    assert payment_intent.latest_charge.payment_method_details.card.last4 == last4


def test_each_use_of_a_magic_token_yields_a_fresh_pm_with_a_stable_fingerprint(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create()
    first = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    second = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})

    assert first.id != second.id
    assert re.fullmatch(r"pm_[A-Za-z0-9]{24}", first.id)
    assert first.card.fingerprint == second.card.fingerprint
    assert re.fullmatch(r"[A-Za-z0-9]{16}", first.card.fingerprint)
    assert first.card.three_d_secure_usage.supported is True
    assert first.card.wallet is None
    assert "cvc_check" in first.card.checks


@pytest.mark.parametrize(("token", "code", "decline_code", "message", "param"), DECLINE_CARDS)
def test_decline_cards_fail_confirm_with_stripes_error_envelope(
    client: stripe.StripeClient, pay, token, code, decline_code, message, param
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(token)

    error = raised.value.error
    assert raised.value.http_status == 402
    assert error.type == "card_error"
    assert error.code == code
    assert error.decline_code == decline_code
    assert error.message == message
    assert error.param == param
    assert error.doc_url == f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    assert error.charge.startswith("ch_")
    assert error.payment_method.id.startswith("pm_")
    payment_intent = error.payment_intent
    assert payment_intent.status == "requires_payment_method"
    assert payment_intent.payment_method is None
    assert payment_intent.latest_charge == error.charge
    last_error = payment_intent.last_payment_error
    assert (last_error.type, last_error.code, last_error.message) == ("card_error", code, message)
    assert last_error.to_dict().get("decline_code") == decline_code
    assert last_error.payment_method.id == error.payment_method.id

    charge = client.v1.charges.retrieve(error.charge)
    assert (charge.status, charge.paid, charge.failure_code, charge.failure_message) == (
        "failed",
        False,
        code,
        message,
    )
    assert charge.outcome.type in ("issuer_declined", "blocked")


@pytest.mark.parametrize(("token", "code", "decline_code", "message", "param"), DECLINE_CARDS)
def test_decline_cards_cannot_be_attached(client: stripe.StripeClient, token, code, decline_code, message, param):
    customer = client.v1.customers.create()

    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.attach(token, params={"customer": customer.id})

    assert (raised.value.code, raised.value.error.decline_code, raised.value.error.message) == (
        code,
        decline_code,
        message,
    )


def test_charge_customer_fail_card_attaches_but_every_charge_fails(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create()
    payment_method = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})

    with pytest.raises(stripe.CardError) as raised:
        pay(payment_method.id, customer=customer.id, off_session=True)

    assert payment_method.customer == customer.id
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", "generic_decline")


def test_decline_emits_charge_failed_and_payment_failed(client: stripe.StripeClient, pay) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay("pm_card_visa_chargeDeclined")

    types = event_types_about(client, raised.value.error.payment_intent.id)
    assert set(types) == {"payment_intent.created", "charge.failed", "payment_intent.payment_failed"}


# --- raw card numbers (real accounts usually lack raw card data access) ----------------------------------

RAW_BRANDS = [
    ("4242424242424242", "123", "visa"),
    ("5555555555554444", "123", "mastercard"),
    ("378282246310005", "1234", "amex"),
    ("6011111111111117", "123", "discover"),
]


def _create_raw(client: stripe.StripeClient, number: str, exp_month=12, exp_year=2034, cvc="123"):
    card = {"number": number, "exp_month": exp_month, "exp_year": exp_year}
    if cvc is not None:
        card["cvc"] = cvc
    return client.v1.payment_methods.create(
        params={"type": "card", "card": card, "billing_details": {"name": "Ana Lima"}}
    )


@pytest.mark.emulator_only
@pytest.mark.parametrize(("number", "cvc", "brand"), RAW_BRANDS)
def test_raw_card_numbers_create_payment_methods(client: stripe.StripeClient, number, cvc, brand) -> None:
    payment_method = _create_raw(client, number, cvc=cvc)

    assert payment_method.card.brand == brand
    assert payment_method.card.last4 == number[-4:]
    assert (payment_method.card.exp_month, payment_method.card.exp_year) == (12, 2034)
    assert payment_method.card.checks.cvc_check == "pass"
    assert payment_method.billing_details.name == "Ana Lima"
    assert payment_method.customer is None
    assert _create_raw(client, number, cvc=cvc).card.fingerprint == payment_method.card.fingerprint


@pytest.mark.emulator_only
@pytest.mark.parametrize(INVALID_RAW_CARD_FIELDS, INVALID_RAW_CARDS)
def test_invalid_raw_card_data_is_a_402_card_error(
    client, number, exp_month, exp_year, cvc, code, message, field
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        _create_raw(client, number, exp_month, exp_year, cvc)

    assert raised.value.http_status == 402
    assert (raised.value.error.type, raised.value.code, raised.value.error.message) == (
        "card_error",
        code,
        message,
    )
    assert raised.value.error.param == f"card[{field}]"


@pytest.mark.emulator_only
def test_past_month_of_this_year_is_an_invalid_expiry_month(client: stripe.StripeClient, emulator) -> None:
    emulator.advance_clock(0)  # the emulator clock is wall time unless advanced
    import datetime

    today = datetime.date.today()
    if today.month == 1:
        pytest.skip("no earlier month this year")
    with pytest.raises(stripe.CardError) as raised:
        _create_raw(client, "4242424242424242", today.month - 1, today.year)

    assert raised.value.code == "invalid_expiry_month"


@pytest.mark.emulator_only
def test_raw_decline_card_declines_when_charged(client: stripe.StripeClient, pay) -> None:
    payment_method = _create_raw(client, "4000000000009995")

    with pytest.raises(stripe.CardError) as raised:
        pay(payment_method.id)

    assert raised.value.error.decline_code == "insufficient_funds"


@pytest.mark.emulator_only
def test_missing_card_fields_are_missing_params(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.create(params={"type": "card", "card": {"number": "4242424242424242"}})

    assert raised.value.error.message == "Missing required param: card[exp_month]."


def test_payment_methods_list_by_customer_and_type_and_detach(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    kept = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    dropped = client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})

    detached = client.v1.payment_methods.detach(dropped.id)
    listed = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})

    assert detached.customer is None
    assert [pm.id for pm in listed.data] == [kept.id]
    assert client.v1.payment_methods.retrieve(kept.id).customer == customer.id


def test_attach_requires_customer(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.attach("pm_card_visa", params={})

    assert raised.value.error.message == "Missing required param: customer."


def test_attach_and_detach_emit_events(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    payment_method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.payment_methods.detach(payment_method.id)

    assert set(event_types_about(client, payment_method.id)) == {"payment_method.attached", "payment_method.detached"}
