"""Events and webhook endpoints; signed delivery to a local receiver, with retries."""

from __future__ import annotations

import pytest
import stripe

from .helpers import wait_until


def test_webhook_endpoint_crud_and_secret_only_on_create(client: stripe.StripeClient) -> None:
    created = client.v1.webhook_endpoints.create(
        params={"url": "https://example.com/hooks", "enabled_events": ["payment_intent.succeeded"]}
    )

    fetched = client.v1.webhook_endpoints.retrieve(created.id)
    listed = client.v1.webhook_endpoints.list()
    deleted = client.v1.webhook_endpoints.delete(created.id)

    assert created.secret.startswith("whsec_")
    assert created.id.startswith("we_")
    assert "secret" not in fetched
    assert fetched.enabled_events == ["payment_intent.succeeded"]
    assert created.id in [endpoint.id for endpoint in listed.data]
    assert deleted.deleted is True


def test_events_are_retrievable_and_filterable(client: stripe.StripeClient, pay) -> None:
    payment_intent = pay()

    succeeded = client.v1.events.list(params={"type": "payment_intent.succeeded"}).data
    event = client.v1.events.retrieve(succeeded[0].id)

    assert [e.data.object.id for e in succeeded] == [payment_intent.id]
    assert event.id.startswith("evt_")
    assert event.object == "event"
    assert event.livemode is False
    assert event.api_version
    assert event.request.id.startswith("req_")
    assert isinstance(event.pending_webhooks, int)
    assert event.data.object.status == "succeeded"


@pytest.mark.emulator_only
def test_signed_delivery_verifies_with_the_sdk(client: stripe.StripeClient, pay, emulator, webhook_receiver) -> None:
    endpoint = client.v1.webhook_endpoints.create(params={"url": webhook_receiver.url, "enabled_events": ["*"]})
    customer = client.v1.customers.create()

    payment_intent = pay(customer=customer.id)

    assert emulator.wait_for_deliveries(timeout=5)
    assert webhook_receiver.types() == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    for delivery in webhook_receiver.received:
        event = stripe.Webhook.construct_event(delivery.body, delivery.signature, endpoint.secret)
        assert event.type == delivery.event["type"]
    last = stripe.Webhook.construct_event(
        webhook_receiver.received[-1].body, webhook_receiver.received[-1].signature, endpoint.secret
    )
    assert last.data.object.id == payment_intent.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            webhook_receiver.received[0].body, webhook_receiver.received[0].signature, "whsec_wrong"
        )
    assert client.v1.events.retrieve(last.id).pending_webhooks == 0


@pytest.mark.emulator_only
def test_failed_delivery_is_retried_with_a_fresh_signature(client, emulator, webhook_receiver) -> None:
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": webhook_receiver.url, "enabled_events": ["customer.created"]}
    )
    webhook_receiver.failures_left = 1

    customer = client.v1.customers.create()

    assert emulator.wait_for_deliveries(timeout=5)
    first, second = webhook_receiver.received
    assert first.event["id"] == second.event["id"]
    assert first.signature != second.signature
    stripe.Webhook.construct_event(second.body, second.signature, endpoint.secret)
    assert [attempt.status for attempt in emulator.delivery_attempts] == [500, 200]
    assert second.event["data"]["object"]["id"] == customer.id


@pytest.mark.emulator_only
def test_delivery_gives_up_after_max_attempts_on_connection_errors(client, emulator) -> None:
    client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/unreachable", "enabled_events": ["*"]})
    emulator._dispatcher.retry_base_seconds = 0.01

    client.v1.customers.create()

    assert emulator.wait_for_deliveries(timeout=5)
    assert [attempt.attempt for attempt in emulator.delivery_attempts] == [1, 2, 3, 4, 5]
    assert all(attempt.status is None for attempt in emulator.delivery_attempts)
    assert client.v1.events.list().data[0].pending_webhooks == 1
    emulator._dispatcher.retry_base_seconds = 0.2


@pytest.mark.emulator_only
def test_only_enabled_events_are_delivered(client, pay, emulator, webhook_receiver) -> None:
    client.v1.webhook_endpoints.create(params={"url": webhook_receiver.url, "enabled_events": ["charge.refunded"]})
    payment_intent = pay()

    client.v1.refunds.create(params={"payment_intent": payment_intent.id})

    assert emulator.wait_for_deliveries(timeout=5)
    assert webhook_receiver.types() == ["charge.refunded"]


@pytest.mark.emulator_only
def test_delivery_does_not_block_the_api_call(client, emulator, webhook_receiver) -> None:
    client.v1.webhook_endpoints.create(params={"url": webhook_receiver.url, "enabled_events": ["*"]})

    client.v1.customers.create()

    assert wait_until(lambda: len(webhook_receiver.received) == 1)


@pytest.mark.emulator_only  # the exact order is the emulator's; Stripe does not guarantee event order
def test_event_types_for_the_main_flows(client: stripe.StripeClient, pay) -> None:
    customer = client.v1.customers.create()
    payment_method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    payment_intent = pay(payment_method.id, customer=customer.id)
    client.v1.refunds.create(params={"payment_intent": payment_intent.id})
    canceled = client.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
    client.v1.payment_intents.cancel(canceled.id)

    types = [event.type for event in client.v1.events.list(params={"limit": 100}).auto_paging_iter()][::-1]

    assert types == [
        "customer.created",
        "payment_method.attached",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
        "payment_intent.created",
        "payment_intent.canceled",
    ]
