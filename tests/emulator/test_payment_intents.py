"""PaymentIntent status machine: create, confirm, 3-D Secure, off-session, capture, cancel, update, list."""

from __future__ import annotations

import json
import logging
import re

import pytest
import stripe

from .helpers import INVALID_RAW_CARD_FIELDS, INVALID_RAW_CARDS, event_types_about


def test_create_without_payment_method_requires_one(client: stripe.StripeClient) -> None:
    payment_intent = client.v1.payment_intents.create(
        params={"amount": 1500, "currency": "usd", "description": "Lesson pack", "metadata": {"order": "o1"}}
    )

    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", payment_intent.id)
    assert payment_intent.client_secret.startswith(f"{payment_intent.id}_secret_")
    assert payment_intent.status == "requires_payment_method"
    assert payment_intent.latest_charge is None
    assert payment_intent.automatic_payment_methods.enabled is True
    assert (payment_intent.amount, payment_intent.currency, payment_intent.description) == (
        1500,
        "usd",
        "Lesson pack",
    )


def test_create_then_confirm_succeeds_and_emits_events(client: stripe.StripeClient) -> None:
    created = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
        }
    )
    confirmed = client.v1.payment_intents.confirm(created.id)

    assert created.status == "requires_confirmation"
    assert confirmed.status == "succeeded"
    assert confirmed.amount_received == 2000
    charge = client.v1.charges.retrieve(confirmed.latest_charge)
    assert (charge.status, charge.captured, charge.amount_captured, charge.payment_intent) == (
        "succeeded",
        True,
        2000,
        created.id,
    )
    assert set(event_types_about(client, created.id)) == {
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    }


def test_return_url_required_when_dashboard_payment_methods_may_redirect(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(
            params={"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )

    assert "you must provide a `return_url`" in raised.value.error.message


def test_confirm_with_return_url_is_fine_for_a_card(client: stripe.StripeClient) -> None:
    payment_intent = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": "https://example.com/return",
        }
    )

    assert payment_intent.status == "succeeded"


def test_all_supported_create_params_round_trip(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create()
    payment_intent = pay(
        customer=customer.id,
        metadata={"booking": "b-1"},
        description="Lesson",
        receipt_email="ana@example.com",
        statement_descriptor_suffix="LESSON",
    )

    charge = client.v1.charges.retrieve(payment_intent.latest_charge)
    assert payment_intent.receipt_email == "ana@example.com"
    assert payment_intent.statement_descriptor_suffix == "LESSON"
    assert charge.metadata.to_dict() == {"booking": "b-1"}
    assert charge.customer == customer.id


def test_manual_capture_then_partial_capture(client: stripe.StripeClient, pay) -> None:
    authorized = pay(capture_method="manual")

    captured = client.v1.payment_intents.capture(authorized.id, params={"amount_to_capture": 1500})

    assert (authorized.status, authorized.amount_capturable) == ("requires_capture", 2000)
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 1500, 0)
    charge = client.v1.charges.retrieve(captured.latest_charge)
    assert (charge.captured, charge.amount_captured, charge.amount_refunded) == (True, 1500, 500)


def test_capture_in_wrong_state_is_unexpected_state(client: stripe.StripeClient, pay) -> None:
    payment_intent = pay()

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.capture(payment_intent.id)

    assert raised.value.code == "payment_intent_unexpected_state"


def test_cancel_and_cancel_after_success(client: stripe.StripeClient, pay) -> None:
    open_intent = client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    canceled = client.v1.payment_intents.cancel(open_intent.id, params={"cancellation_reason": "abandoned"})
    succeeded = pay()

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.cancel(succeeded.id)

    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert canceled.canceled_at is not None
    assert raised.value.code == "payment_intent_unexpected_state"
    assert raised.value.error.message.startswith(
        "You cannot cancel this PaymentIntent because it has a status of succeeded."
    )


def test_update_metadata_and_list_by_customer(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create()
    first = pay(customer=customer.id)
    second = pay(customer=customer.id)
    pay()

    updated = client.v1.payment_intents.update(first.id, params={"metadata": {"note": "vip"}})
    listed = client.v1.payment_intents.list(params={"customer": customer.id})

    assert updated.metadata.to_dict() == {"note": "vip"}
    assert [pi.id for pi in listed.data] == [second.id, first.id]


def test_setup_future_usage_with_customer_attaches_the_payment_method(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create()

    payment_intent = pay(customer=customer.id, setup_future_usage="off_session")

    payment_method = client.v1.payment_methods.retrieve(payment_intent.payment_method)
    assert payment_method.customer == customer.id
    reused = pay(payment_method.id, customer=customer.id, off_session=True)
    assert reused.status == "succeeded"


def test_payment_method_of_another_customer_is_refused(client: stripe.StripeClient, pay) -> None:
    owner = client.v1.customers.create()
    payment_method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": owner.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        pay(payment_method.id)

    assert raised.value.error.message == (
        f"The `payment_method` parameter supplied {payment_method.id} belongs to the Customer {owner.id}. "
        "Please include the Customer in the `customer` parameter on the PaymentIntent."
    )


def test_payment_method_used_without_customer_cannot_be_reused(client: stripe.StripeClient, pay) -> None:
    first = pay()

    with pytest.raises(stripe.InvalidRequestError) as raised:
        pay(first.payment_method)

    assert raised.value.error.message.startswith("The provided PaymentMethod was previously used")


def test_amount_below_minimum(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 10, "currency": "usd"})

    assert (raised.value.code, raised.value.error.param) == ("amount_too_small", "amount")


def test_off_session_requires_confirm(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", "off_session": True})

    assert raised.value.error.param == "off_session"


# --- 3-D Secure -----------------------------------------------------------------------------------------

THREE_DS_CARDS = ["pm_card_authenticationRequiredOnSetup", "pm_card_authenticationRequired"]


@pytest.mark.parametrize("token", THREE_DS_CARDS)
def test_on_session_3ds_card_requires_action_with_use_stripe_sdk(client: stripe.StripeClient, pay, token) -> None:
    payment_intent = pay(token)

    assert payment_intent.status == "requires_action"
    assert payment_intent.next_action.type == "use_stripe_sdk"
    assert payment_intent.latest_charge is None


def test_3ds_with_return_url_redirects(client: stripe.StripeClient) -> None:
    payment_intent = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://example.com/done",
        }
    )

    assert payment_intent.next_action.type == "redirect_to_url"
    assert payment_intent.next_action.redirect_to_url.return_url == "https://example.com/done"
    assert payment_intent.next_action.redirect_to_url.url.startswith("http")


def test_error_on_requires_action_fails_instead(client: stripe.StripeClient, pay) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay("pm_card_authenticationRequired", error_on_requires_action=True)

    assert raised.value.code == "authentication_required"


@pytest.mark.parametrize("token", THREE_DS_CARDS)
def test_off_session_3ds_card_never_set_up_needs_authentication(client: stripe.StripeClient, pay, token) -> None:
    customer = client.v1.customers.create()
    payment_method = client.v1.payment_methods.attach(token, params={"customer": customer.id})

    with pytest.raises(stripe.CardError) as raised:
        pay(payment_method.id, customer=customer.id, off_session=True)

    error = raised.value.error
    assert (error.code, error.decline_code) == ("authentication_required", "authentication_required")
    assert error.message == "Your card was declined. This transaction requires authentication."
    assert error.payment_intent.status == "requires_payment_method"
    assert error.payment_intent.last_payment_error.code == "authentication_required"


@pytest.mark.emulator_only
def test_authenticate_succeed_completes_payment(client: stripe.StripeClient, pay, emulator) -> None:
    payment_intent = pay("pm_card_authenticationRequired")

    emulator.authenticate_payment_intent(payment_intent.id, "succeed")

    done = client.v1.payment_intents.retrieve(payment_intent.id, params={"expand": ["latest_charge"]})
    assert done.status == "succeeded"
    assert done.next_action is None
    assert done.latest_charge.payment_method_details.card.three_d_secure.result == "authenticated"
    assert event_types_about(client, payment_intent.id) == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


@pytest.mark.emulator_only
def test_authenticate_succeed_with_manual_capture_requires_capture(client, pay, emulator) -> None:
    payment_intent = pay("pm_card_authenticationRequired", capture_method="manual")

    emulator.authenticate_payment_intent(payment_intent.id, "succeed")

    assert client.v1.payment_intents.retrieve(payment_intent.id).status == "requires_capture"


@pytest.mark.emulator_only
def test_authenticate_fail_returns_to_requires_payment_method(client: stripe.StripeClient, pay, emulator) -> None:
    payment_intent = pay("pm_card_authenticationRequired")

    emulator.authenticate_payment_intent(payment_intent.id, "fail")

    failed = client.v1.payment_intents.retrieve(payment_intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert client.v1.events.list(params={"type": "payment_intent.payment_failed"}).data


@pytest.mark.emulator_only
def test_card_3155_set_up_on_session_then_succeeds_off_session(client: stripe.StripeClient, pay, emulator) -> None:
    customer = client.v1.customers.create()
    setup = pay("pm_card_authenticationRequiredOnSetup", customer=customer.id, setup_future_usage="off_session")
    emulator.authenticate_payment_intent(setup.id, "succeed")

    later = pay(setup.payment_method, customer=customer.id, off_session=True)

    assert later.status == "succeeded"


@pytest.mark.emulator_only
def test_card_3184_needs_authentication_off_session_even_after_setup(client, pay, emulator) -> None:
    customer = client.v1.customers.create()
    setup = pay("pm_card_authenticationRequired", customer=customer.id, setup_future_usage="off_session")
    emulator.authenticate_payment_intent(setup.id, "succeed")

    with pytest.raises(stripe.CardError) as raised:
        pay(setup.payment_method, customer=customer.id, off_session=True)

    assert raised.value.code == "authentication_required"


@pytest.mark.emulator_only
def test_authenticate_over_http_endpoint(client: stripe.StripeClient, pay, emulator) -> None:
    import urllib.request

    payment_intent = pay("pm_card_authenticationRequired")
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/payment_intents/{payment_intent.id}/authenticate", data=b"outcome=succeed"
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    assert client.v1.payment_intents.retrieve(payment_intent.id).status == "succeeded"


@pytest.mark.emulator_only  # real Stripe's search index lags by up to a minute
def test_search_by_metadata_finds_the_payment_intent(client: stripe.StripeClient) -> None:
    created = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": {"payment_id": "4242"},
        }
    )

    found = client.v1.payment_intents.search(params={"query": "metadata['payment_id']:'4242'"})
    missing = client.v1.payment_intents.search(params={"query": "metadata['payment_id']:'4243'"})

    assert [payment_intent.id for payment_intent in found.data] == [created.id]
    assert missing.data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.search(params={"query": "amount>1"})


# --- payment_method_data: the card and the payment in one call (raw card data access) --------------------


def _card_data(number: str = "4242424242424242", exp_month=12, exp_year=2034, cvc: str | None = "123") -> dict:
    card = {"number": number, "exp_month": exp_month, "exp_year": exp_year}
    if cvc is not None:
        card["cvc"] = cvc
    return {"type": "card", "card": card, "billing_details": {"name": "Ana Lima"}}


def _pay_with_data(client: stripe.StripeClient, data: dict, options: dict | None = None, **params):
    full = {
        "amount": 2000,
        "currency": "usd",
        "payment_method_data": data,
        "confirm": True,
        "payment_method_types": ["card"],
        "expand": ["payment_method"],
        **params,
    }
    return client.v1.payment_intents.create(params=full, options=options or {})


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    ("number", "cvc", "brand"), [("4242424242424242", "123", "visa"), ("378282246310005", "1234", "amex")]
)
def test_payment_method_data_pays_and_returns_the_new_card(client, emulator, number, cvc, brand) -> None:
    log_start = len(emulator.request_log)

    payment_intent = _pay_with_data(client, _card_data(number, cvc=cvc))

    assert emulator.request_log[log_start:] == [("POST", "/v1/payment_intents")]
    assert payment_intent.status == "succeeded"
    card = payment_intent.payment_method.card
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (brand, number[-4:], 12, 2034)
    assert card.checks.cvc_check == "pass"
    created_alone = client.v1.payment_methods.create(params=_card_data(number, cvc=cvc))
    assert card.fingerprint == created_alone.card.fingerprint
    assert payment_intent.payment_method.billing_details.name == "Ana Lima"
    assert client.v1.charges.retrieve(payment_intent.latest_charge).payment_method == payment_intent.payment_method.id


@pytest.mark.emulator_only
def test_payment_method_data_without_confirm_waits_for_confirmation(client: stripe.StripeClient) -> None:
    created = _pay_with_data(client, _card_data(), confirm=False)

    confirmed = client.v1.payment_intents.confirm(created.id)

    assert created.status == "requires_confirmation"
    assert confirmed.payment_method == created.payment_method.id
    assert confirmed.status == "succeeded"


@pytest.mark.emulator_only
def test_payment_method_data_on_confirm(client: stripe.StripeClient) -> None:
    created = client.v1.payment_intents.create(
        params={"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}
    )

    confirmed = client.v1.payment_intents.confirm(
        created.id, params={"payment_method_data": _card_data("5555555555554444"), "expand": ["payment_method"]}
    )

    assert confirmed.status == "succeeded"
    assert confirmed.payment_method.card.last4 == "4444"


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    ("number", "code", "decline_code"),
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000127", "incorrect_cvc", None),
        ("4100000000000019", "card_declined", "fraudulent"),
    ],
)
def test_payment_method_data_test_card_declines_like_a_payment_method(client, number, code, decline_code) -> None:
    with pytest.raises(stripe.CardError) as raised:
        _pay_with_data(client, _card_data(number))

    error = raised.value.error
    body = raised.value.json_body["error"]
    assert (raised.value.http_status, body["code"], body.get("decline_code")) == (402, code, decline_code)
    assert error.payment_intent.status == "requires_payment_method"
    assert error.payment_method.card.last4 == number[-4:]
    expected_cvc_check = "fail" if code == "incorrect_cvc" else "pass"
    assert error.payment_method.card.checks.cvc_check == expected_cvc_check
    types = event_types_about(client, error.payment_intent.id)
    assert set(types) == {"payment_intent.created", "charge.failed", "payment_intent.payment_failed"}


@pytest.mark.emulator_only
def test_payment_method_data_3ds_card_requires_action_then_authenticates(client, emulator) -> None:
    payment_intent = _pay_with_data(client, _card_data("4000002760003184"), return_url="https://example.com/done")

    emulator.authenticate_payment_intent(payment_intent.id, "succeed")

    assert payment_intent.status == "requires_action"
    assert payment_intent.next_action.type == "redirect_to_url"
    assert client.v1.payment_intents.retrieve(payment_intent.id).status == "succeeded"


@pytest.mark.emulator_only
def test_payment_method_data_saved_for_a_customer_is_reusable_off_session(client, pay) -> None:
    customer = client.v1.customers.create()

    payment_intent = _pay_with_data(client, _card_data(), customer=customer.id, setup_future_usage="off_session")

    assert payment_intent.payment_method.customer == customer.id
    assert client.v1.payment_methods.retrieve(payment_intent.payment_method.id).customer == customer.id
    listed = client.v1.customers.payment_methods.list(customer.id)
    assert [method.id for method in listed.data] == [payment_intent.payment_method.id]
    reused = pay(payment_intent.payment_method.id, customer=customer.id, off_session=True)
    assert reused.status == "succeeded"


@pytest.mark.emulator_only
def test_payment_method_data_used_without_customer_cannot_be_reused(client, pay) -> None:
    first = _pay_with_data(client, _card_data())

    with pytest.raises(stripe.InvalidRequestError) as raised:
        pay(first.payment_method.id)

    assert raised.value.error.message.startswith("The provided PaymentMethod was previously used")


@pytest.mark.emulator_only
@pytest.mark.parametrize(INVALID_RAW_CARD_FIELDS, INVALID_RAW_CARDS)
def test_invalid_raw_card_in_payment_method_data_is_refused_before_the_intent(
    client, emulator, number, exp_month, exp_year, cvc, code, message, field
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        _pay_with_data(client, _card_data(number, exp_month, exp_year, cvc))

    error = raised.value.error
    assert (raised.value.http_status, error.type, error.code, error.message) == (402, "card_error", code, message)
    assert error.param == f"payment_method_data[card][{field}]"
    assert "payment_intent" not in raised.value.json_body["error"]
    assert emulator.events("payment_intent.created") == []
    assert client.v1.payment_methods.list().data == []


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    ("data", "code", "param"),
    [
        ({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034}}, "parameter_missing", "type"),
        ({"type": "card"}, "parameter_missing", "card"),
        (
            {"type": "card", "card": {"number": "4242424242424242", "exp_year": 2034}},
            "parameter_missing",
            "card][exp_month",
        ),
        ({"type": "card", "card": {"exp_month": 12, "exp_year": 2034}}, "parameter_missing", "card][number"),
        ({"type": "sepa_debit", "card": {"token": "tok_visa"}}, None, "type"),
        ({"type": "card", "card": {"token": "tok_visa", "pin": "1234"}}, "parameter_unknown", "card][pin"),
    ],
)
def test_payment_method_data_is_validated_like_payment_method_create(client, emulator, data, code, param) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _pay_with_data(client, data)

    assert (raised.value.http_status, raised.value.code) == (400, code)
    assert raised.value.error.param == f"payment_method_data[{param}]"
    assert emulator.events("payment_intent.created") == []


@pytest.mark.emulator_only
def test_payment_method_data_takes_a_test_token(client: stripe.StripeClient) -> None:
    payment_intent = _pay_with_data(client, {"type": "card", "card": {"token": "tok_mastercard"}})

    assert (payment_intent.status, payment_intent.payment_method.card.brand) == ("succeeded", "mastercard")


@pytest.mark.emulator_only  # the message is inferred: real Stripe's wording is not recorded
def test_payment_method_and_payment_method_data_are_exclusive(client: stripe.StripeClient, emulator) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _pay_with_data(client, _card_data(), payment_method="pm_card_visa")

    assert raised.value.code == "parameters_exclusive"
    assert raised.value.error.message == (
        "You may only specify one of these parameters: payment_method, payment_method_data."
    )
    assert emulator.events("payment_intent.created") == []


@pytest.mark.emulator_only
def test_payment_method_data_under_an_idempotency_key(client: stripe.StripeClient, emulator, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = "pay-with-data-1"
    other_number = "5555555555554444"

    first = _pay_with_data(client, _card_data(), options={"idempotency_key": key})
    replayed = _pay_with_data(client, _card_data(), options={"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as mismatch:
        _pay_with_data(client, _card_data(other_number), options={"idempotency_key": key})
    with pytest.raises(stripe.CardError) as invalid:
        _pay_with_data(client, _card_data("4242424242424241"), options={"idempotency_key": "pay-with-data-2"})

    assert replayed.id == first.id
    assert replayed.payment_method.id == first.payment_method.id
    assert replayed.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(emulator.events("payment_intent.created")) == 1
    assert len(client.v1.payment_methods.list().data) == 1
    # The number never comes back in an error, nor goes to the emulator's log.
    for raised in (mismatch, invalid):
        body = json.dumps(raised.value.json_body)
        assert other_number not in body and "4242424242424241" not in body
    emulator_records = [r.getMessage() for r in caplog.records if r.name.startswith("local.stripe_emulator")]
    assert not [text for text in emulator_records if "4242424242" in text or other_number in text]
