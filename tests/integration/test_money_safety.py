"""When things go wrong: double clicks, retries, crashes, faults at each step. The invariants must hold."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from linguaflex import factory
from linguaflex.services.reconciliation import Reconciler
from local import events
from tests.support.client import card, unique_key
from tests.support.invariants import assert_money_invariants, stripe_intents

INTENTS = "/v1/payment_intents"


@pytest.fixture(autouse=True)
def _no_leftover_faults(stack: Any) -> Iterator[None]:
    yield
    stack.emulator.clear_faults()
    stack.emulator.wait_for_deliveries(timeout=10)


def _student_id(client: Any) -> int:
    import jwt

    return int(jwt.decode(client.token, options={"verify_signature": False})["user_id"])


def _settle(stack: Any) -> None:
    """Let Stripe's webhooks arrive, then run the scheduled reconciliation once, as production would."""
    stack.emulator.wait_for_deliveries(timeout=10)
    Reconciler(factory.repository(), factory.gateway(), settle_after_seconds=0).run()


class DynamoFault:
    """Makes the next `times` DynamoDB calls of one operation fail with an AWS error code."""

    def __init__(self, operation: str, code: str, times: int = 1) -> None:
        self.operation, self.code, self.remaining = operation, code, times
        self._lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self._lock:
            if self.remaining <= 0:
                return
            self.remaining -= 1
        raise ClientError({"Error": {"Code": self.code, "Message": "injected"}}, self.operation)

    def __enter__(self) -> DynamoFault:
        factory.dynamodb_client().meta.events.register(f"before-call.dynamodb.{self.operation}", self)
        return self

    def __exit__(self, *_: object) -> None:
        factory.dynamodb_client().meta.events.unregister(f"before-call.dynamodb.{self.operation}", self)


# -- double clicks and retries -------------------------------------------------------------------------


@pytest.mark.parametrize("with_key", [True, False], ids=["same-idempotency-key", "no-key"])
def test_twenty_identical_concurrent_requests_charge_once(stack, users, with_key):
    student = users.student()
    method = student.add_card("4242424242424242").json()["payment_method_id"]
    headers = {"Idempotency-Key": unique_key()} if with_key else {}
    body = {"gig_id": 1, "saved_payment_method_id": method}
    barrier = threading.Barrier(20)

    def pay(_: int) -> Any:
        barrier.wait()
        return student.post("/api/payments/process-payment/", body, headers=headers)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(pay, range(20)))

    statuses = sorted(r.status_code for r in responses)
    successes = [r.json() for r in responses if r.status_code == 201]
    assert set(statuses) <= {201, 409}, statuses
    assert successes, statuses
    assert len({s["payment_id"] for s in successes}) == 1
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.headers["Retry-After"]
        assert conflict.json()["success"] is False
    _settle(stack)
    counts = assert_money_invariants(stack, _student_id(student))
    assert counts == {"payments": 1, "bookings": 1, "succeeded_intents": 1}
    # A late retry with the same key (or, without one, within the window) gets the same answer.
    again = student.post("/api/payments/process-payment/", body, headers=headers)
    assert again.status_code == 201
    assert again.json()["payment_id"] == successes[0]["payment_id"]


def test_same_key_with_another_body_is_refused(student):
    key = unique_key()
    first = student.pay_new_card(gig_id=1, idempotency_key=key)

    other = student.pay_new_card(gig_id=2, idempotency_key=key)

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"] == "This Idempotency-Key was already used with a different request body"


def _intent_creations(stack: Any) -> int:
    return sum(1 for method, path in stack.emulator.request_log if (method, path) == ("POST", INTENTS))


def test_a_decline_is_replayed_for_the_same_key(stack, student):
    key = unique_key()
    first = student.pay_new_card(gig_id=1, number="4000000000000002", idempotency_key=key)
    creations = _intent_creations(stack)

    again = student.pay_new_card(gig_id=1, number="4000000000000002", idempotency_key=key)

    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()
    assert _intent_creations(stack) == creations


def test_retrying_after_a_decline_is_a_new_attempt(student):
    declined = student.pay_new_card(gig_id=1, number="4000000000000002")

    retried = student.pay_new_card(gig_id=1, number="4000000000000002")

    assert declined.status_code == retried.status_code == 402
    assert declined.json()["details"]["payment_id"] != retried.json()["details"]["payment_id"]


def test_every_stripe_write_carries_a_key_derived_from_our_record(stack, student):
    body = student.pay_new_card(gig_id=1, save=True).json()

    created = [
        e
        for e in stack.emulator.events("payment_intent.created")
        if e["data"]["object"]["id"] == body["payment_intent_id"]
    ]

    assert created[0]["request"]["idempotency_key"] == f"payment-{body['payment_id']}-intent"


# -- faults while paying --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "count", "expected"),
    [
        ("http_500", 1, 201),  # the SDK retries with the same key and succeeds
        ("drop_after", 1, 201),  # charged, answer lost; the retry is replayed by Stripe, not charged again
        ("drop_before", 1, 201),
        ("http_500", 3, 503),  # Stripe down for every attempt
        ("drop_before", 3, 503),  # connection errors before the charge
        ("drop_after", 3, 503),  # charged, every answer lost: the webhook settles it
        ("http_429", 1, 503),  # Stripe's rate limit: not retried by the SDK
    ],
)
def test_stripe_faults_during_payment_keep_the_invariants(stack, users, mode, count, expected):
    student = users.student()
    stack.emulator.inject_fault("POST", INTENTS, mode, count)

    response = student.pay_new_card(gig_id=1)

    assert response.status_code == expected, response.text
    assert response.json()["success"] is (expected == 201)
    stack.emulator.clear_faults()
    _settle(stack)
    counts = assert_money_invariants(stack, _student_id(student))
    charged = mode == "drop_after" or expected == 201
    assert counts["succeeded_intents"] == (1 if charged else 0)
    assert counts["bookings"] == (1 if charged else 0)


def test_payment_never_sent_to_stripe_is_abandoned_then_retryable(stack, users):
    student = users.student()
    stack.emulator.inject_fault("POST", INTENTS, "drop_before", 3)
    assert student.pay_new_card(gig_id=1).status_code == 503
    stack.emulator.clear_faults()

    report = Reconciler(factory.repository(), factory.gateway(), settle_after_seconds=0, abandon_after_seconds=0).run()

    assert report.abandoned >= 1
    [payment] = student.get("/api/payments/payments/").json()["results"]
    assert (payment["status"], payment["failure_code"]) == ("failed", "abandoned")
    retry = student.pay_new_card(gig_id=1)
    assert retry.status_code == 201
    assert retry.json()["payment_id"] != payment["payment_id"]
    assert_money_invariants(stack, _student_id(student))


@pytest.mark.parametrize(
    ("operation", "code", "expected"),
    [
        ("TransactWriteItems", "ThrottlingException", 503),  # the create (no charge) or the completion
        ("UpdateItem", "ProvisionedThroughputExceededException", 503),  # the id counter
        ("BatchGetItem", "InternalServerError", 503),
    ],
)
def test_dynamodb_faults_answer_503_and_keep_the_invariants(stack, users, operation, code, expected):
    student = users.student()
    with DynamoFault(operation, code):
        response = student.pay_new_card(gig_id=1)

    assert response.status_code == expected
    assert response.json() == {"success": False, "error": "The service is temporarily unavailable, please retry"}
    _settle(stack)
    assert_money_invariants(stack, _student_id(student))


def test_completion_write_failing_after_the_charge_is_settled_by_the_webhook(stack, users):
    student = users.student()
    fault = DynamoFault("TransactWriteItems", "TransactionCanceledException", times=2)
    original = factory.gateway().create_and_confirm_intent

    def charge_then_fail_writes(request: Any) -> Any:
        result = original(request)
        fault.__enter__()  # the create transaction is done; the completion transaction will fail
        return result

    factory.gateway().create_and_confirm_intent = charge_then_fail_writes  # type: ignore[method-assign]
    try:
        response = student.pay_new_card(gig_id=1)
    finally:
        del factory.gateway().create_and_confirm_intent
        stack.emulator.wait_for_deliveries(timeout=10)  # the webhook's first try may hit the fault too
        fault.__exit__()

    assert response.status_code == 503
    _settle(stack)
    counts = assert_money_invariants(stack, _student_id(student))
    assert counts == {"payments": 1, "bookings": 1, "succeeded_intents": 1}


class Killed(BaseException):
    """Stands for Lambda's runtime dying mid-invocation: no exception handler sees it."""


def test_handler_killed_after_stripe_answered(stack, users):
    student = users.student()
    student_id = _student_id(student)
    original = factory.gateway().create_and_confirm_intent

    def charge_then_die(request: Any) -> Any:
        original(request)
        raise Killed

    event = events.with_authorizer_context(
        events.http_event(
            "POST",
            "/api/payments/process-payment/",
            "POST /api/payments/process-payment/",
            {"content-type": "application/json"},
            "",
            json.dumps({"gig_id": 1, "card_details": card()}).encode(),
            None,
        ),
        {"user_id": str(student_id), "role": "student"},
    )
    factory.gateway().create_and_confirm_intent = charge_then_die  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            stack.api.pools["ProcessPaymentFunction"].invoke(event)
    finally:
        del factory.gateway().create_and_confirm_intent

    _settle(stack)
    counts = assert_money_invariants(stack, student_id)
    assert counts == {"payments": 1, "bookings": 1, "succeeded_intents": 1}
    [payment] = student.get("/api/payments/payments/").json()["results"]
    assert payment["status"] == "succeeded"


def test_settling_twice_creates_one_booking(stack, student):
    from linguaflex.services.settlement import Settlement

    body = student.pay_new_card(gig_id=1).json()
    payment = factory.repository().get_payment(body["payment_id"])
    intent = factory.gateway().retrieve_intent(body["payment_intent_id"])

    again = Settlement(factory.repository(), factory.gateway()).apply(payment, intent)

    assert again.status.value == "succeeded"
    assert_money_invariants(stack, _student_id(student))


def test_three_d_secure_is_not_an_error_and_the_webhook_completes_it(stack, student):
    response = student.pay_new_card(gig_id=1, number="4000002500003155")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "requires_action"
    assert body["booking_id"] is None
    assert body["next_action"]["type"] == "redirect_to_url"
    assert body["next_action"]["redirect_to_url"]["return_url"].endswith("/payments/return")

    stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "succeed")
    stack.emulator.wait_for_deliveries(timeout=10)

    status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    assert status["status"] == "succeeded"
    assert status["booking_status"] == "pending_teacher_confirmation"
    assert_money_invariants(stack, _student_id(student))


def test_three_d_secure_failure_fails_the_payment(stack, student):
    body = student.pay_new_card(gig_id=1, number="4000002760003184").json()

    stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "fail")
    stack.emulator.wait_for_deliveries(timeout=10)

    status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    assert status["status"] == "failed"
    assert status["booking_id"] is None


def test_saved_card_needing_authentication_off_session_is_declined(stack, student):
    method = student.add_card("4000002760003184").json()["payment_method_id"]

    response = student.pay_saved_card(method, gig_id=1)

    assert response.status_code == 402
    assert response.json()["details"]["decline_code"] == "authentication_required"


def test_status_read_settles_a_payment_the_webhook_has_not_reached(stack, student):
    body = student.pay_new_card(gig_id=1, number="4000002500003155").json()
    stack.emulator.wait_for_deliveries(timeout=10)
    endpoints = stack.stripe_client().v1.webhook_endpoints.list().data
    for endpoint in endpoints:  # Stripe is cut off from us for a moment
        stack.stripe_client().v1.webhook_endpoints.update(endpoint.id, params={"disabled": True})
    try:
        stack.emulator.authenticate_payment_intent(body["payment_intent_id"], "succeed")
        status = student.get(f"/api/payments/payments/{body['payment_id']}/").json()
    finally:
        for endpoint in endpoints:
            stack.stripe_client().v1.webhook_endpoints.update(endpoint.id, params={"disabled": False})

    assert status["status"] == "succeeded"
    assert status["booking_status"] == "pending_teacher_confirmation"


def test_no_pending_intents_left_behind(stack, student):
    student.pay_new_card(gig_id=1)
    intents = stripe_intents(stack, _student_id(student))
    assert [i.status for i in intents] == ["succeeded"]
