"""The webhook: verified over the raw body, processed once, never moving a record backwards."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import requests

from tests.integration.test_money_safety import DynamoFault

WEBHOOK = "/api/payments/stripe-webhook/"


def _signed(secret: str, payload: str, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={signature}"


def _deliver(stack: Any, event: dict[str, Any], signature: str | None = None, **sign: Any) -> requests.Response:
    payload = json.dumps(event)
    header = signature if signature is not None else _signed(stack.webhook_secret, payload, **sign)
    return requests.post(
        stack.url + WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        timeout=30,
    )


def _event_for(stack: Any, payment_intent_id: str, event_type: str) -> dict[str, Any]:
    """The stored Stripe event of that type for that PaymentIntent, as Stripe would deliver it again."""
    stack.emulator.wait_for_deliveries(timeout=10)
    return next(e for e in stack.emulator.events(event_type) if e["data"]["object"]["id"] == payment_intent_id)


def test_bad_signature_is_refused_and_changes_nothing(stack, student):
    body = student.pay_new_card(gig_id=1, number="4000002500003155").json()
    stack.emulator.wait_for_deliveries(timeout=10)
    forged = {
        "id": "evt_forged_1",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": body["payment_intent_id"], "metadata": {"payment_id": str(body["payment_id"])}}},
    }

    response = _deliver(stack, forged, signature=_signed("whsec_not_the_secret", json.dumps(forged)))

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"] == "Invalid Stripe signature"
    assert student.get(f"/api/payments/payments/{body['payment_id']}/").json()["status"] == "requires_action"


def test_missing_or_malformed_signature_header_is_refused(stack):
    event = {"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {}}}

    assert _deliver(stack, event, signature="").status_code == 400
    assert _deliver(stack, event, signature="t=abc,v1=").status_code == 400


def test_stale_timestamp_is_refused(stack):
    event = {"id": "evt_stale_1", "type": "customer.created", "data": {"object": {"id": "cus_x"}}}

    response = _deliver(stack, event, timestamp=int(time.time()) - 301)

    assert response.status_code == 400


def test_duplicate_delivery_is_processed_once(stack, student):
    body = student.pay_new_card(gig_id=1).json()
    event = _event_for(stack, body["payment_intent_id"], "payment_intent.succeeded")

    again = _deliver(stack, event)

    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}


def test_out_of_order_events_never_move_a_payment_backwards(stack, student):
    body = student.pay_new_card(gig_id=1, number="4000002500003155").json()
    stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "succeed")
    requires_action = _event_for(stack, body["payment_intent_id"], "payment_intent.requires_action")
    late = {**requires_action, "id": "evt_late_" + requires_action["id"]}

    response = _deliver(stack, late)

    assert response.status_code == 200
    status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    assert status["status"] == "succeeded"
    assert status["booking_status"] == "pending_teacher_confirmation"


def test_unknown_event_types_are_acknowledged(stack):
    event = {"id": "evt_unknown_1", "type": "invoice.finalized", "data": {"object": {"id": "in_1"}}}

    response = _deliver(stack, event)

    assert response.status_code == 200
    assert response.json() == {"received": True, "handled": False}


def test_a_processing_failure_answers_5xx_so_stripe_retries(stack, student):
    body = student.pay_new_card(gig_id=1, number="4000002500003155").json()
    stack.emulator.wait_for_deliveries(timeout=10)
    stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "succeed")
    event = _event_for(stack, body["payment_intent_id"], "payment_intent.succeeded")
    replay = {**event, "id": "evt_retry_" + event["id"]}

    with DynamoFault("GetItem", "ThrottlingException"):  # after the event id is recorded
        failed = _deliver(stack, replay)
    retried = _deliver(stack, replay)

    assert failed.status_code == 503
    assert retried.status_code == 200
    assert retried.json().get("duplicate") is not True


def test_dispute_marks_the_payment_disputed(stack, student):
    body = student.pay_new_card(gig_id=1).json()
    intent = stack.stripe_client().v1.payment_intents.retrieve(body["payment_intent_id"])

    stack.emulator.create_dispute(intent.latest_charge)
    stack.emulator.wait_for_deliveries(timeout=10)

    assert student.get(f"/api/payments/payments/{body['payment_id']}/").json()["status"] == "disputed"


def test_card_detached_in_stripe_leaves_the_wallet(stack, student):
    method = student.add_card().json()["payment_method_id"]

    stack.stripe_client().v1.payment_methods.detach(method)
    stack.emulator.wait_for_deliveries(timeout=10)

    assert student.get("/api/payments/payment-methods/").json()["results"] == []


def test_refund_in_stripe_dashboard_is_recorded(stack, student):
    body = student.pay_new_card(gig_id=1).json()

    stack.stripe_client().v1.refunds.create(params={"payment_intent": body["payment_intent_id"], "amount": 1000})
    stack.emulator.wait_for_deliveries(timeout=10)

    status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    assert status["status"] == "partially_refunded"
    assert status["refunded_amount"] == 10.0


def test_stripe_unreachable_during_a_webhook_answers_5xx_then_the_redelivery_settles(stack, student):
    from linguaflex import factory

    body = student.pay_new_card(gig_id=1, number="4000002500003155").json()
    stack.emulator.wait_for_deliveries(timeout=10)
    attempts_before = len(stack.emulator.delivery_attempts)
    # Every read of the PaymentIntent fails for the first delivery (the SDK's own retries included).
    stack.emulator.inject_fault("GET", "/v1/payment_intents/", "http_500", count=3)

    stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "succeed")
    stack.emulator.wait_for_deliveries(timeout=15)

    new_attempts = stack.emulator.delivery_attempts[attempts_before:]
    assert any(getattr(a, "status", None) == 503 for a in new_attempts), new_attempts
    payment = factory.repository().get_payment(body["payment_id"])
    assert payment.status.value == "succeeded"
    assert factory.repository().get_booking(payment.booking_id) is not None
