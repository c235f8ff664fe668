"""Idempotency keys: replays, mismatches, in-flight conflicts, validation failures, 24 h retention."""

from __future__ import annotations

import threading
import uuid

import pytest
import stripe

from .helpers import CARDS_ONLY, wait_until


def _key() -> str:
    return str(uuid.uuid4())


def test_same_key_same_params_replays_the_stored_response(client: stripe.StripeClient) -> None:
    key = _key()
    params = {
        "amount": 2000,
        "currency": "usd",
        "payment_method": "pm_card_visa",
        "confirm": True,
        **CARDS_ONLY,
    }

    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    second = client.v1.payment_intents.create(params=params, options={"idempotency_key": key})

    assert second.id == first.id
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    assert first.last_response.request_id != second.last_response.request_id


def test_stored_402_is_replayed(client: stripe.StripeClient) -> None:
    key = _key()
    params = {
        "amount": 2000,
        "currency": "usd",
        "payment_method": "pm_card_visa_chargeDeclined",
        "confirm": True,
        **CARDS_ONLY,
    }

    with pytest.raises(stripe.CardError) as first:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    with pytest.raises(stripe.CardError) as second:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": key})

    assert second.value.error.payment_intent.id == first.value.error.payment_intent.id
    assert second.value.headers.get("Idempotent-Replayed") == "true"
    charges = client.v1.charges.list(params={"payment_intent": first.value.error.payment_intent.id})
    assert len(charges.data) == 1


def test_same_key_different_params_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    key = _key()
    client.v1.customers.create(params={"email": "one@example.com"}, options={"idempotency_key": key})

    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.customers.create(params={"email": "two@example.com"}, options={"idempotency_key": key})

    assert raised.value.http_status == 400
    assert raised.value.error.type == "idempotency_error"
    assert raised.value.error.message == (
        "Keys for idempotent requests can only be used with the same parameters they were first used with. "
        f"Try using a key other than '{key}' if you meant to execute a different request."
    )


def test_same_key_on_another_endpoint_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    key = _key()
    client.v1.customers.create(params={}, options={"idempotency_key": key})

    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": key})


def test_requests_failing_validation_are_not_stored(client: stripe.StripeClient) -> None:
    key = _key()
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create(params={"bogus": "x"}, options={"idempotency_key": key})

    customer = client.v1.customers.create(params={"email": "ok@example.com"}, options={"idempotency_key": key})

    assert customer.email == "ok@example.com"


def test_event_request_carries_the_idempotency_key(client: stripe.StripeClient) -> None:
    key = _key()
    customer = client.v1.customers.create(params={}, options={"idempotency_key": key})

    event = client.v1.events.list(params={"type": "customer.created"}).data[0]

    assert event.data.object.id == customer.id
    assert event.request.idempotency_key == key
    assert event.request.id == customer.last_response.request_id


@pytest.mark.emulator_only
def test_concurrent_request_with_key_in_flight_gets_409(emulator, client_without_retries) -> None:
    key = _key()
    emulator.inject_fault("POST", "/v1/customers", "delay", delay_seconds=0.5)
    results: list[object] = []
    slow = threading.Thread(
        target=lambda: results.append(
            client_without_retries.v1.customers.create(params={}, options={"idempotency_key": key})
        )
    )
    slow.start()
    assert wait_until(lambda: emulator.idempotency_keys_in_flight() == 1)

    with pytest.raises(stripe.APIError) as raised:
        client_without_retries.v1.customers.create(params={}, options={"idempotency_key": key})
    slow.join()

    assert raised.value.http_status == 409
    assert raised.value.error.code == "idempotency_key_in_use"
    assert raised.value.headers.get("Stripe-Should-Retry") == "true"
    replay = client_without_retries.v1.customers.create(params={}, options={"idempotency_key": key})
    assert replay.id == results[0].id


@pytest.mark.emulator_only
def test_keys_expire_after_24_hours(emulator, client: stripe.StripeClient) -> None:
    key = _key()
    first = client.v1.customers.create(params={}, options={"idempotency_key": key})
    emulator.advance_clock(23 * 3600)
    assert client.v1.customers.create(params={}, options={"idempotency_key": key}).id == first.id

    emulator.advance_clock(3600)

    assert client.v1.customers.create(params={}, options={"idempotency_key": key}).id != first.id
