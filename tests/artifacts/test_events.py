"""The sample events in events/ run through `make invoke`'s code path, so they cannot rot.

Each event is played by a fresh student (`--student`), and the data it refers to (a saved card, a payment, a
refund request) is created first through the local stack, exactly as `make invoke` does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stripe

from local import invoke
from local.openapi import contract_routes
from local.template_model import functions
from tests.support.client import new_user_id

EVENTS = sorted(invoke.EVENTS_DIR.glob("*/*.json"))

# Expected outcome per event: the HTTP status and a subset of the body, or a subset of a non-HTTP result.
EXPECTED: dict[str, tuple[int | None, dict[str, Any]]] = {
    "add_payment_method/save_card.json": (201, {"success": True, "saved": True, "card_last4": "4242"}),
    "authorizer/request.json": (None, {"isAuthorized": True}),
    "authorizer/invalid_token.json": (None, {"isAuthorized": False}),
    "bookings/list.json": (200, {}),
    "bookings/confirm.json": (200, {"success": True, "booking_status": "confirmed"}),
    "bookings/decline.json": (200, {"success": True, "booking_status": "declined", "payment_status": "refunded"}),
    "list_payment_methods/list.json": (200, {"results": []}),
    "list_payment_methods/delete.json": (200, {"success": True, "message": "Payment method removed"}),
    "payment_status/list.json": (200, {"results": [], "next_cursor": None}),
    "payment_status/get.json": (200, {"success": True, "status": "succeeded", "amount": 50.0}),
    "process_payment/new_card.json": (201, {"success": True, "amount": 50.0, "payment_method_saved": True}),
    "process_payment/saved_card.json": (201, {"success": True, "amount": 50.0, "used_saved_card": True}),
    "process_payment/declined_card.json": (402, {"success": False, "error": "Your card was declined."}),
    "process_payment/inactive_gig.json": (400, {"success": False, "error": "Gig is not available for booking"}),
    "reconcile/scheduled.json": (None, {"errors": 0}),
    "refunds/request.json": (201, {"success": True, "status": "pending"}),
    "refunds/list.json": (200, {}),
    "refunds/approve.json": (200, {"success": True, "status": "approved", "refunded_amount": 20.0}),
    "refunds/deny.json": (200, {"success": True, "status": "denied"}),
    "stripe_webhook/payment_intent_succeeded.json": (200, {"received": True, "handled": True}),
}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_event_file_has_an_expected_outcome() -> None:
    assert {_name(p) for p in EVENTS} == set(EXPECTED)


def test_every_function_and_every_contract_route_has_a_sample_event() -> None:
    # Given the events on disk
    loaded = [json.loads(p.read_text()) for p in EVENTS]
    # Then every function of the template has a folder of events
    assert {invoke.function_for(p) for p in EVENTS} == set(functions())
    # And every contract route (not the no-slash twins) has an HTTP event
    http_routes = {e["routeKey"] for e in loaded if e.get("version") == "2.0" and "type" not in e}
    assert http_routes == {r.route_key for r in contract_routes()}


def test_event_files_hold_placeholders_never_real_secrets() -> None:
    for path in EVENTS:
        text = path.read_text()
        assert "eyJ" not in text, f"{path}: a real JWT; use {{{{token:ROLE:ID}}}}"
        assert "v1=" not in text, f"{path}: a real Stripe signature; use {{{{signature}}}}"


@pytest.mark.parametrize("path", EVENTS, ids=_name)
def test_event_runs_through_make_invoke(stack: Any, path: Path) -> None:
    # Given a fresh student, the event's data prepared and its placeholders filled
    status, subset = EXPECTED[_name(path)]
    # When the function's handler runs the event in-process
    result = invoke.run(invoke.function_for(path), path, stack, student_id=new_user_id())
    # Then it answers as expected
    body = result
    if status is not None:
        assert result["statusCode"] == status, result
        body = json.loads(result["body"])
    for key, value in subset.items():
        if value == []:
            assert isinstance(body[key], list), body
        else:
            assert body[key] == value, body


def test_signature_placeholder_is_filled_the_way_stripe_verifies_it() -> None:
    # Given the webhook event rendered with a signing secret
    path = invoke.EVENTS_DIR / "stripe_webhook" / "payment_intent_succeeded.json"
    values = {"payment_id": "12", "payment_intent_id": "pi_123", "booking_id": "34"}
    event = invoke.render(path.read_text(), values, invoke.Secrets("jwt-secret", "whsec_test"))
    # Then stripe-python accepts its Stripe-Signature header for that exact body
    assert stripe.WebhookSignature.verify_header(event["body"], event["headers"]["stripe-signature"], "whsec_test")
    assert json.loads(event["body"])["data"]["object"]["metadata"]["payment_id"] == "12"


def test_render_replaces_the_student_everywhere() -> None:
    from pydantic import SecretStr

    from linguaflex.config import AuthSettings
    from linguaflex.tokens import verify_access_token

    # Given an event of student 42 rendered as student 777
    text = (invoke.EVENTS_DIR / "payment_status" / "list.json").read_text()
    event = invoke.render(text, {}, invoke.Secrets("s" * 32, None), student_id=777)
    # Then both the authorizer context and the bearer token name student 777
    assert event["requestContext"]["authorizer"]["lambda"] == {"user_id": "777", "role": "student"}
    token = event["headers"]["authorization"].removeprefix("Bearer ")
    assert verify_access_token(token, AuthSettings(secret=SecretStr("s" * 32))).identity.user_id == 777


def test_render_refuses_missing_data() -> None:
    text = (invoke.EVENTS_DIR / "payment_status" / "get.json").read_text()
    with pytest.raises(KeyError, match="payment_id"):
        invoke.render(text, {}, invoke.Secrets("secret", None))
