"""Input hardening at the API edge: strict bodies, bounded sizes, no echo of card data, and a Stripe
webhook whose signature check can never be skipped.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from linguaflex import factory
from linguaflex.adapters import dynamo_items as items
from local import events
from local.lambda_runtime import LambdaContext, load_handler
from local.template_model import functions
from tests.security.helpers import stripe_signature
from tests.support.client import card

pytestmark = pytest.mark.e2e

PAN = "4242424242424242"
ADD = "/api/payments/add-payment-method/"
PAY = "/api/payments/process-payment/"


def assert_envelope(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["error"], str)
    return body


def assert_no_card_number(response: Any) -> None:
    text = response.text
    for form in (PAN, "4242 4242 4242 4242", "4242-4242-4242-4242", "378282246310005"):
        assert form not in text


# -- strict bodies --------------------------------------------------------------------------------------------

EXTRA_FIELDS = {
    "add-payment-method": (ADD, {**card(), "save_for_future": True, "is_admin": True}),
    "process-payment": (PAY, {"gig_id": 1, "card_details": card(), "amount": 1}),
    "process-payment card_details": (PAY, {"gig_id": 1, "card_details": {**card(), "amount": 1}}),
    "refund request": ("/api/payments/payments/1/refund-request/", {"reason": "x", "amount": 100}),
}


@pytest.mark.parametrize(("path", "body"), EXTRA_FIELDS.values(), ids=EXTRA_FIELDS.keys())
def test_extra_fields_are_400(student: Any, path: str, body: dict[str, Any]) -> None:
    details = assert_envelope(student.post(path, body), 400)["details"]

    assert any("Extra inputs are not permitted" in message for message in details.values())


WRONG_TYPES = {
    "gig_id as string": (PAY, {"gig_id": "1", "card_details": card()}),
    "gig_id as float": (PAY, {"gig_id": 1.0, "card_details": card()}),
    "gig_id as bool": (PAY, {"gig_id": True, "card_details": card()}),
    "gig_id negative": (PAY, {"gig_id": -1, "card_details": card()}),
    "gig_id beyond 2**53": (PAY, {"gig_id": 2**60, "card_details": card()}),
    "save_card as string": (PAY, {"gig_id": 1, "card_details": card(), "save_card": "true"}),
    "exp_month as string": (ADD, {**card(), "exp_month": "12"}),
    "card_details as string": (PAY, {"gig_id": 1, "card_details": PAN}),
    "saved_payment_method_id not a pm": (PAY, {"gig_id": 1, "saved_payment_method_id": "cus_123"}),
    "body a list": (ADD, ["not a card"]),
    "body a string": (ADD, PAN),
    "body null": (ADD, None),
}


@pytest.mark.parametrize(("path", "body"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_types_are_400(student: Any, path: str, body: Any) -> None:
    response = student.post(path, data=json.dumps(body), headers={"content-type": "application/json"})

    assert_envelope(response, 400)
    assert_no_card_number(response)


HUGE = "9" * 20_000
HUGE_STRINGS = {
    "card_number": (ADD, {**card(), "card_number": HUGE}),
    "cvc": (ADD, {**card(), "cvc": HUGE}),
    "cardholder_name": (ADD, {**card(), "cardholder_name": "A" * 20_000}),
    "refund reason": ("/api/payments/payments/1/refund-request/", {"reason": "A" * 20_000}),
    "saved_payment_method_id": (PAY, {"gig_id": 1, "saved_payment_method_id": "pm_" + "a" * 20_000}),
}


@pytest.mark.parametrize(("path", "body"), HUGE_STRINGS.values(), ids=HUGE_STRINGS.keys())
def test_huge_strings_are_refused(student: Any, path: str, body: Any) -> None:
    response = student.post(path, body)

    assert_envelope(response, 400, 413)
    assert HUGE not in response.text


def test_a_list_holding_a_valid_body_is_400(stack: Any, student: Any) -> None:
    before = len(stack.emulator.request_log)

    response = student.post(ADD, [{**card(), "save_for_future": False}, "ignored"])

    assert_envelope(response, 400)
    assert stack.emulator.request_log[before:] == []


def test_a_body_over_16_kib_is_refused(stack: Any, student: Any) -> None:
    """A valid payment body padded with whitespace to 20 KiB: no field is too long, the body is."""
    body = json.dumps({"gig_id": 1, "card_details": card(), "save_card": False}) + " " * 20_000
    before = len(stack.emulator.request_log)

    response = student.post(PAY, data=body, headers={"content-type": "application/json"})

    assert_envelope(response, 400, 413)
    assert stack.emulator.request_log[before:] == []


# -- no echo ----------------------------------------------------------------------------------------------------

NO_ECHO = {
    "card_number as int": (ADD, {**card(), "card_number": int(PAN)}),
    "card_number as float": (ADD, {**card(), "card_number": float(PAN)}),
    "card_number as list": (ADD, {**card(), "card_number": [PAN]}),
    "card_number as object": (ADD, {**card(), "card_number": {"n": PAN}}),
    "card_number too long": (ADD, {**card(), "card_number": PAN * 3}),
    "card_number spaced, bad Luhn": (ADD, {**card(), "card_number": "4242 4242 4242 4241"}),
    "card_number with letters": (ADD, {**card(), "card_number": PAN[:8] + "abcd" + PAN[12:]}),
    "cvc as int": (ADD, {**card(), "cvc": 737}),
    "card number in an unknown field": (ADD, {**card(), "pan": PAN}),
    "card number in cardholder_name": (ADD, {**card(), "cardholder_name": PAN, "save_for_future": False}),
    "card number as gig_id": (PAY, {"gig_id": PAN, "card_details": card()}),
    "card number as saved pm": (PAY, {"gig_id": 1, "saved_payment_method_id": PAN}),
    "card number in a refund reason": ("/api/payments/payments/1/refund-request/", {"reason": PAN}),
}


@pytest.mark.parametrize(("path", "body"), NO_ECHO.values(), ids=NO_ECHO.keys())
def test_no_response_echoes_a_card_number(student: Any, path: str, body: Any) -> None:
    response = student.post(path, body)

    assert response.status_code < 500, response.text
    assert_no_card_number(response)


def test_a_card_number_sent_as_a_field_name_is_not_echoed(student: Any) -> None:
    response = student.post(ADD, {**card(), PAN: 1})

    assert_envelope(response, 400)
    assert_no_card_number(response)


def test_invalid_json_with_a_card_number_is_not_echoed(student: Any) -> None:
    response = student.post(
        ADD, data=f'{{"card_number": "{PAN}", "cvc": 737', headers={"content-type": "application/json"}
    )

    assert assert_envelope(response, 400)["details"] == {"body": "Request body is not valid JSON"}
    assert_no_card_number(response)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/payments/payments/{PAN}/",
        f"/api/payments/payments/?cursor={PAN}",
        f"/api/payments/payment-methods/{PAN}/",
    ],
)
def test_a_card_number_in_the_path_or_query_is_not_echoed(student: Any, path: str) -> None:
    response = student.request("DELETE" if "payment-methods" in path else "GET", path)

    assert 400 <= response.status_code < 500
    assert_no_card_number(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [("card_number", "4242424242424\u00b242"), ("card_number", "\uff14\uff12" * 8), ("cvc", "\uff17\uff13\uff17")],
    ids=["superscript two (500 today)", "full-width digits (sent to Stripe today)", "full-width CVC"],
)
def test_non_ascii_digits_are_refused_before_stripe(stack: Any, student: Any, field: str, value: str) -> None:
    before = len(stack.emulator.request_log)

    response = student.post(ADD, {**card(), field: value, "save_for_future": False})

    assert_envelope(response, 400, 402)
    assert stack.emulator.request_log[before:] == []


# -- content types and encodings -------------------------------------------------------------------------------


def test_an_unsupported_content_type_is_a_4xx(student: Any) -> None:
    response = student.post(ADD, data=json.dumps(card()), headers={"content-type": "text/plain"})

    assert_envelope(response, 400, 415)


def test_a_body_that_is_not_utf8_is_400(student: Any) -> None:
    response = student.post(
        ADD, data=b"\xff\xfe" + json.dumps(card()).encode(), headers={"content-type": "application/json"}
    )

    assert_envelope(response, 400)


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def test_a_cursor_for_someone_elses_partition_reveals_nothing(users: Any) -> None:
    alice, bob = users.student(), users.student()
    assert alice.pay_new_card(gig_id=1).status_code == 201
    forged = _cursor(
        {"pk": {"S": "PAYMENT#1"}, "sk": {"S": "PAYMENT"}, "gsi1pk": {"S": "STUDENT#1"}, "gsi1sk": {"S": "x"}}
    )

    response = bob.get(f"/api/payments/payments/?cursor={forged}")

    assert response.status_code in (200, 400)
    assert response.json().get("results", []) == []


def test_a_malformed_cursor_is_400(student: Any) -> None:
    assert_envelope(student.get(f"/api/payments/payments/?cursor={_cursor({'pk': 'x'})}"), 400)


# -- the Stripe webhook -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook_handler(stack: Any) -> Any:
    return load_handler(functions()["StripeWebhookFunction"])


@pytest.fixture
def disputable_payment(stack: Any, student: Any) -> dict[str, Any]:
    paid = student.pay_new_card(gig_id=1)
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    intent = stack.stripe_client().v1.payment_intents.retrieve(payment["payment_intent_id"])
    stack.emulator.wait_for_deliveries(timeout=10)
    return {**payment, "charge_id": intent.latest_charge}


def dispute_event(charge_id: str) -> tuple[str, str]:
    event_id = f"evt_security_{uuid.uuid4().hex[:16]}"
    event = {
        "id": event_id,
        "object": "event",
        "type": "charge.dispute.created",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": f"dp_{uuid.uuid4().hex[:16]}",
                "object": "dispute",
                "charge": charge_id,
                "reason": "fraudulent",
                "status": "needs_response",
            }
        },
    }
    return event_id, json.dumps(event)


def deliver(handler: Any, payload: str, signature: str | None) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    path = "/api/payments/stripe-webhook/"
    http = events.http_event("POST", path, f"POST {path}", headers, "", payload.encode(), None)
    return handler(http, LambdaContext(function_name="StripeWebhookFunction"))


def payment_status(stack: Any, payment_id: int) -> str:
    item = stack.dynamodb().get_item(TableName=stack.table_name, Key=items.payment_key(payment_id), ConsistentRead=True)
    return str(item["Item"]["status"]["S"])


def remembered(stack: Any, event_id: str) -> bool:
    item = stack.dynamodb().get_item(TableName=stack.table_name, Key=items.event_key(event_id), ConsistentRead=True)
    return "Item" in item


@pytest.fixture(params=["unset", "empty"])
def no_webhook_secret(request: pytest.FixtureRequest) -> Iterator[None]:
    """STRIPE_WEBHOOK_SECRET missing (or empty) for the in-process handlers; restored afterwards."""
    saved = os.environ.get("STRIPE_WEBHOOK_SECRET")
    if request.param == "unset":
        os.environ.pop("STRIPE_WEBHOOK_SECRET", None)
    else:
        os.environ["STRIPE_WEBHOOK_SECRET"] = ""
    factory.reset()
    try:
        yield
    finally:
        if saved is not None:
            os.environ["STRIPE_WEBHOOK_SECRET"] = saved
        factory.reset()


def test_without_a_webhook_secret_the_webhook_is_a_5xx_and_changes_nothing(
    stack: Any, webhook_handler: Any, disputable_payment: dict[str, Any], no_webhook_secret: None
) -> None:
    event_id, payload = dispute_event(disputable_payment["charge_id"])
    signatures = [stripe_signature(payload, stack.webhook_secret), stripe_signature(payload, ""), "", None]

    for signature in signatures:
        result = deliver(webhook_handler, payload, signature)

        assert result["statusCode"] >= 500
        assert json.loads(result["body"])["success"] is False
    assert payment_status(stack, disputable_payment["payment_id"]) == "succeeded"
    assert not remembered(stack, event_id)


@pytest.mark.parametrize(
    "signature",
    [None, "", "t=1,v1=00", "sign-with-another-secret", "stale"],
    ids=["no header", "empty", "garbage", "wrong secret", "older than the tolerance"],
)
def test_a_badly_signed_webhook_is_400_and_changes_nothing(
    stack: Any, webhook_handler: Any, disputable_payment: dict[str, Any], signature: str | None
) -> None:
    event_id, payload = dispute_event(disputable_payment["charge_id"])
    if signature == "sign-with-another-secret":
        signature = stripe_signature(payload, "whsec_not_the_secret")
    elif signature == "stale":
        signature = stripe_signature(payload, stack.webhook_secret, timestamp=int(time.time()) - 3600)

    result = deliver(webhook_handler, payload, signature)

    assert result["statusCode"] == 400
    assert payment_status(stack, disputable_payment["payment_id"]) == "succeeded"
    assert not remembered(stack, event_id)


def test_the_same_event_correctly_signed_is_applied(
    stack: Any, webhook_handler: Any, disputable_payment: dict[str, Any]
) -> None:
    """The control: the event used above is potent, so "nothing changed" really means it was refused."""
    event_id, payload = dispute_event(disputable_payment["charge_id"])

    result = deliver(webhook_handler, payload, stripe_signature(payload, stack.webhook_secret))

    assert result["statusCode"] == 200, result["body"]
    assert payment_status(stack, disputable_payment["payment_id"]) == "disputed"
    assert remembered(stack, event_id)
