"""Fault injection: 500s, 429s and dropped connections, and how the SDK's retries meet idempotency."""

from __future__ import annotations

import json
import urllib.request

import pytest
import stripe

from .helpers import CARDS_ONLY

pytestmark = pytest.mark.emulator_only

CONFIRMED = {
    "amount": 2000,
    "currency": "usd",
    "payment_method": "pm_card_visa",
    "confirm": True,
    **CARDS_ONLY,
}


def test_http_500_is_retried_by_the_sdk(emulator, retrying_client: stripe.StripeClient) -> None:
    emulator.inject_fault("POST", "/v1/payment_intents", "http_500")

    payment_intent = retrying_client.v1.payment_intents.create(params=CONFIRMED)

    assert payment_intent.status == "succeeded"
    assert emulator.request_log == [("POST", "/v1/payment_intents"), ("POST", "/v1/payment_intents")]


def test_http_500_without_retries_is_an_api_error(emulator, client_without_retries) -> None:
    emulator.inject_fault("POST", "/v1/payment_intents", "http_500")

    with pytest.raises(stripe.APIError) as raised:
        client_without_retries.v1.payment_intents.create(params=CONFIRMED)

    assert raised.value.http_status == 500
    assert raised.value.error.type == "api_error"
    assert client_without_retries.v1.payment_intents.list().data == []


def test_http_429_is_a_rate_limit_error_the_sdk_does_not_retry(emulator, retrying_client) -> None:
    emulator.inject_fault("GET", "/v1/customers", "http_429")

    with pytest.raises(stripe.RateLimitError) as raised:
        retrying_client.v1.customers.list()

    assert raised.value.http_status == 429
    assert raised.value.error.code == "rate_limit"
    assert emulator.request_count == 1
    assert retrying_client.v1.customers.list().data == []


def test_drop_before_is_retried_by_the_sdk(emulator, retrying_client) -> None:
    emulator.inject_fault("POST", "/v1/customers", "drop_before")

    retrying_client.v1.customers.create()

    assert emulator.request_count == 2
    assert len(retrying_client.v1.customers.list().data) == 1


def test_drop_before_executes_nothing(emulator, client_without_retries) -> None:
    emulator.inject_fault("POST", "/v1/payment_intents", "drop_before")

    with pytest.raises(stripe.APIConnectionError):
        client_without_retries.v1.payment_intents.create(params=CONFIRMED)

    assert client_without_retries.v1.payment_intents.list().data == []


def test_drop_after_charges_but_the_client_never_hears(emulator, client_without_retries) -> None:
    emulator.inject_fault("POST", "/v1/payment_intents", "drop_after")

    with pytest.raises(stripe.APIConnectionError):
        client_without_retries.v1.payment_intents.create(params=CONFIRMED, options={"idempotency_key": "order-42"})

    charged = client_without_retries.v1.payment_intents.list().data
    assert [pi.status for pi in charged] == ["succeeded"]
    retried = client_without_retries.v1.payment_intents.create(
        params=CONFIRMED, options={"idempotency_key": "order-42"}
    )
    assert retried.id == charged[0].id
    assert retried.last_response.headers.get("Idempotent-Replayed") == "true"


def test_sdk_retry_after_drop_after_replays_instead_of_charging_twice(emulator, retrying_client) -> None:
    emulator.inject_fault("POST", "/v1/payment_intents", "drop_after")

    payment_intent = retrying_client.v1.payment_intents.create(params=CONFIRMED)

    assert payment_intent.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(retrying_client.v1.charges.list().data) == 1
    assert emulator.request_count == 3


def test_faults_over_http_and_count(emulator, client_without_retries) -> None:
    spec = {"method": "GET", "path_prefix": "/v1/customers", "mode": "http_500", "count": 2}
    _post_json(f"{emulator.url}/_emulator/faults", spec)

    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client_without_retries.v1.customers.list()
    assert client_without_retries.v1.customers.list().data == []

    _post_json(f"{emulator.url}/_emulator/faults", spec)
    urllib.request.urlopen(urllib.request.Request(f"{emulator.url}/_emulator/faults", method="DELETE"), timeout=5)
    assert client_without_retries.v1.customers.list().data == []


def test_clear_faults(emulator, client_without_retries) -> None:
    emulator.inject_fault("*", "/v1/", "http_500", count=5)

    emulator.clear_faults()

    assert client_without_retries.v1.customers.list().data == []


def _post_json(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
