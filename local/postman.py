"""`make openapi` (second half): the Postman collection and environment, generated from the same source.

The requests follow the contract's flows (backend-payment-flow-guide.md). Each names its template route and
gets its description from the OpenAPI document; its body is validated against that route's request schema,
and generation fails unless every template route is exercised at least once. Every request carries a test
script (status, `success`, key fields and their types); ids flow from one request to the next through
collection variables (`pm.collectionVariables.set`).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from local.openapi import build_document, contract_routes
from local.template_model import ROOT

COLLECTION_FILE = ROOT / "LinguaFlex_Backend_Payments.postman_collection.json"
ENVIRONMENT_FILE = ROOT / "LinguaFlex_Backend_Payments.postman_environment.json"
COLLECTION_NAME = "LinguaFlex Backend Payments"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://linguaflex.example/payments")

# The contract's "Environment Variables for Postman", plus the tokens of the other roles and the webhook secret.
ENVIRONMENT: dict[str, str] = {
    "base_url": "http://localhost:8000",
    "jwt_token": "YOUR_JWT_TOKEN_HERE",
    "teacher_token": "YOUR_TEACHER_JWT_TOKEN_HERE",
    "admin_token": "YOUR_ADMIN_JWT_TOKEN_HERE",
    "stripe_webhook_secret": "YOUR_STRIPE_WEBHOOK_SIGNING_SECRET_HERE",
    "test_gig_id": "1",
    "test_card_number": "4242424242424242",
    "test_exp_month": "12",
    "test_exp_year": "2034",
    "test_cvc": "123",
}
SECRETS = {"jwt_token", "teacher_token", "admin_token", "stripe_webhook_secret"}
# Collection variables set by the requests; the sample values only serve body validation here.
CHAINED: dict[str, str] = {
    "payment_method_id": "pm_sample",
    "card_id": "1",
    "payment_id": "1",
    "payment_intent_id": "pi_sample",
    "booking_id": "1",
    "saved_payment_id": "2",
    "saved_booking_id": "2",
    "refund_request_id": "1",
    "webhook_body": "{}",
    "webhook_signature": "t=0,v1=0",
}


class Raw(str):
    """A variable written unquoted in a JSON body, so `{{test_exp_month}}` arrives as a number."""


def js(value: Any) -> str:
    return json.dumps(value)


Check = tuple[str, tuple[str, ...]]  # a pm.test: its title and its JavaScript, with `json` the parsed body


def check(title: str, *lines: str) -> Check:
    return title, lines


def eq(field_path: str, value: Any) -> Check:
    return check(f"{field_path} is {js(value)}", f"pm.expect(json.{field_path}).to.eql({js(value)});")


def a(field_path: str, type_name: str) -> Check:
    return check(f"{field_path} is a {type_name}", f"pm.expect(json.{field_path}).to.be.a({js(type_name)});")


def matches(field_path: str, pattern: str) -> Check:
    return check(f"{field_path} matches /{pattern}/", f"pm.expect(json.{field_path}).to.match(/{pattern}/);")


def same_as(field_path: str, variable: str) -> Check:
    return check(
        f"{field_path} is {{{{{variable}}}}}",
        f"pm.expect(json.{field_path}).to.eql(Number(pm.collectionVariables.get({js(variable)})));",
    )


SUCCESS = eq("success", True)
FAILURE = eq("success", False)


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    route: str  # the contract path in template.yaml, e.g. /api/payments/payments/{payment_id}/
    status: int
    checks: tuple[Check, ...]
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> value, usually "{{variable}}"
    body: Any = None
    raw_body: str | None = None
    auth: str | None = "jwt_token"  # the variable holding the bearer token; None: no Authorization header
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    sets: dict[str, str] = field(default_factory=dict)  # collection variable -> JavaScript expression
    prerequest: tuple[str, ...] = ()
    note: str = ""


def new_card(cardholder: str, number: str = "{{test_card_number}}") -> dict[str, Any]:
    return {
        "card_number": number,
        "exp_month": Raw("test_exp_month"),
        "exp_year": Raw("test_exp_year"),
        "cvc": "{{test_cvc}}",
        "cardholder_name": cardholder,
    }


ADD = "/api/payments/add-payment-method/"
PAY = "/api/payments/process-payment/"
PAY_ALIAS = "/stripe-payments/process-payment/"
METHODS = "/api/payments/payment-methods/"
PAYMENTS = "/api/payments/payments/"
WEBHOOK = "/api/payments/stripe-webhook/"
BOOKINGS = "/api/payments/bookings/"
REFUND_REQUESTS = "/api/payments/refund-requests/"

PAID_CHECKS = (
    SUCCESS,
    eq("message", "Payment processed successfully"),
    a("payment_id", "number"),
    matches("payment_intent_id", "^pi_"),
    eq("currency", "usd"),
    eq("status", "succeeded"),
    a("booking_id", "number"),
)
SIGN_WEBHOOK = (
    'const cryptojs = require("crypto-js");',
    "const t = Math.floor(Date.now() / 1000);",
    "const body = JSON.stringify({",
    '    id: "evt_postman_" + Date.now(), object: "event", type: "payment_intent.succeeded", created: t,',
    '    data: {object: {id: pm.collectionVariables.get("payment_intent_id"), object: "payment_intent",',
    '        status: "succeeded", metadata: {payment_id: String(pm.collectionVariables.get("payment_id"))}}}',
    "});",
    'const secret = pm.environment.get("stripe_webhook_secret");',
    'const v1 = cryptojs.HmacSHA256(t + "." + body, secret).toString(cryptojs.enc.Hex);',
    'pm.collectionVariables.set("webhook_body", body);',
    'pm.collectionVariables.set("webhook_signature", "t=" + t + ",v1=" + v1);',
)

# The requests, folder by folder, in run order. A table: kept out of the formatter, which would give every
# argument its own line and triple its length.
# fmt: off
FOLDERS: list[tuple[str, str, list[Step]]] = [
    ("Flow 1 - Add payment method", "Save a card for future use (contract: Flow 1).", [
        Step("Add payment method (save card)", "POST", ADD, 201, body={
            **new_card("John Doe"), "save_for_future": True,
        }, checks=(
            SUCCESS,
            eq("message", "Payment method added successfully"),
            matches("payment_method_id", "^pm_"),
            check("card_last4 is the test card's last four digits",
                  'pm.expect(json.card_last4).to.eql(pm.variables.get("test_card_number").slice(-4));'),
            eq("card_brand", "visa"),
            eq("saved", True),
        ), sets={"payment_method_id": "json.payment_method_id"}),
    ]),
    ("Flow 2 - Pay with a new card", "Pay for gig {{test_gig_id}} ($50.00) with card details (contract: Flow 2).", [
        Step("Process payment (new card)", "POST", PAY, 201, body={
            "gig_id": Raw("test_gig_id"), "card_details": new_card("Jane Smith"), "save_card": True,
        }, checks=(*PAID_CHECKS, eq("amount", 50.0), eq("payment_method_saved", True)), sets={
            "payment_id": "json.payment_id",
            "payment_intent_id": "json.payment_intent_id",
            "booking_id": "json.booking_id",
        }),
    ]),
    ("Flow 3 - Pay with a saved card", "List the saved cards, then pay gig 2 ($75.00) with one (contract: Flow 3).", [
        Step("List saved payment methods", "GET", METHODS, 200, checks=(
            a("results", "array"),
            check(
                "the card saved in Flow 1 is listed with its details",
                'const card = json.results.find(c => c.stripe_payment_method_id === '
                'pm.collectionVariables.get("payment_method_id"));',
                "pm.expect(card).to.be.an('object');",
                "pm.expect(card.id).to.be.a('number');",
                'pm.expect(card.card_last4).to.eql(pm.variables.get("test_card_number").slice(-4));',
                "pm.expect(card.card_brand).to.eql('visa');",
                'pm.expect(card.card_exp_month).to.eql(Number(pm.variables.get("test_exp_month")));',
                'pm.expect(card.card_exp_year).to.eql(Number(pm.variables.get("test_exp_year")));',
                "pm.expect(card.created_at).to.match(/^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$/);",
            ),
        ), sets={"card_id": 'json.results.find(c => c.stripe_payment_method_id === '
                            'pm.collectionVariables.get("payment_method_id")).id'}),
        Step("Process payment (saved card)", "POST", PAY_ALIAS, 201, body={
            "gig_id": 2, "saved_payment_method_id": "{{payment_method_id}}",
        }, checks=(*PAID_CHECKS, eq("amount", 75.0), eq("used_saved_card", True)), sets={
            "saved_payment_id": "json.payment_id",
            "saved_booking_id": "json.booking_id",
        }),
    ]),
    ("Payment status", "Check a payment (contract: Step 3 of the complete flow).", [
        Step("Get payment status", "GET", PAYMENTS + "{payment_id}/", 200, params={"payment_id": "{{payment_id}}"},
             checks=(
                 SUCCESS,
                 same_as("payment_id", "payment_id"),
                 eq("status", "succeeded"),
                 eq("amount", 50.0),
                 eq("platform_fee", 5.0),
                 eq("teacher_amount", 45.0),
                 eq("currency", "usd"),
                 same_as("booking_id", "booking_id"),
                 eq("booking_status", "pending_teacher_confirmation"),
             )),
        Step("List my payments", "GET", PAYMENTS, 200, query={"limit": "20"}, checks=(
            a("results", "array"),
            check(
                "both payments are listed",
                "const ids = json.results.map(p => p.payment_id);",
                'pm.expect(ids).to.include(Number(pm.collectionVariables.get("payment_id")));',
                'pm.expect(ids).to.include(Number(pm.collectionVariables.get("saved_payment_id")));',
            ),
            check("next_cursor is present", "pm.expect(json).to.have.property('next_cursor');"),
        )),
    ]),
    ("Errors", "The contract's error responses, in the envelope {success: false, error, details}.", [
        Step("Card declined (4000000000000002)", "POST", PAY, 402, body={
            "gig_id": Raw("test_gig_id"), "card_details": new_card("Jane Smith", "4000000000000002"),
        }, checks=(
            FAILURE,
            eq("error", "Your card was declined."),
            eq("details.decline_code", "generic_decline"),
            eq("details.param", "card_number"),
        )),
        Step("Invalid card number (4242424242424241)", "POST", PAY, 402, body={
            "gig_id": Raw("test_gig_id"), "card_details": new_card("Jane Smith", "4242424242424241"),
        }, checks=(FAILURE, eq("error", "Your card number is invalid."), eq("details.param", "card_number"))),
        Step("Gig not available (inactive gig 3)", "POST", PAY, 400, body={
            "gig_id": 3, "card_details": new_card("Jane Smith"),
        }, checks=(FAILURE, eq("error", "Gig is not available for booking"))),
        Step("Missing payment method", "POST", PAY, 400, body={"gig_id": Raw("test_gig_id")}, checks=(
            FAILURE, eq("error", "Either card_details or saved_payment_method_id must be provided"),
        )),
        Step("No token", "GET", METHODS, 401, auth=None, checks=(
            eq("message", "Unauthorized"),
            check("no envelope: API Gateway answered", "pm.expect(json).to.not.have.property('success');"),
        ), note="API Gateway answers before any function runs."),
        Step("Student cannot list refund requests", "GET", REFUND_REQUESTS, 403, checks=(
            FAILURE, eq("error", "This action requires the admin role"),
        )),
    ]),
    ("Stripe webhook", "Stripe calls this with a signed event; no JWT.", [
        Step("payment_intent.succeeded (signed)", "POST", WEBHOOK, 200, auth=None, raw_body="{{webhook_body}}",
             headers={"Stripe-Signature": "{{webhook_signature}}"}, prerequest=SIGN_WEBHOOK,
             checks=(eq("received", True), eq("handled", True)),
             note="The pre-request script signs the body with `stripe_webhook_secret`, as Stripe does."),
        Step("Forged signature is refused", "POST", WEBHOOK, 400, auth=None,
             body={"id": "evt_forged", "type": "payment_intent.succeeded", "data": {"object": {}}},
             headers={"Stripe-Signature": "t=1700000000,v1=0000"},
             checks=(FAILURE, eq("error", "Invalid Stripe signature"))),
    ]),
    ("Bookings", "The gig's teacher confirms (or declines, refunding in full) before the lesson.", [
        Step("Teacher lists bookings", "GET", BOOKINGS, 200, auth="teacher_token", checks=(
            a("results", "array"),
            check(
                "the booking paid in Flow 2 awaits confirmation",
                'const booking = json.results.find(b => b.booking_id === '
                'Number(pm.collectionVariables.get("booking_id")));',
                "pm.expect(booking).to.be.an('object');",
                "pm.expect(booking.booking_status).to.eql('pending_teacher_confirmation');",
                "pm.expect(booking.teacher_id).to.be.a('number');",
            ),
        )),
        Step("Teacher confirms the booking", "POST", BOOKINGS + "{booking_id}/confirm/", 200,
             params={"booking_id": "{{booking_id}}"}, auth="teacher_token", checks=(
                 SUCCESS, eq("message", "Booking confirmed"), same_as("booking_id", "booking_id"),
                 eq("booking_status", "confirmed"),
             )),
        Step("Teacher declines the other booking (refund in full)", "POST", BOOKINGS + "{booking_id}/decline/", 200,
             params={"booking_id": "{{saved_booking_id}}"}, auth="teacher_token",
             body={"reason": "I am not available at that time"}, checks=(
                 SUCCESS, same_as("booking_id", "saved_booking_id"), eq("booking_status", "declined"),
                 eq("payment_status", "refunded"),
             )),
    ]),
    ("Refunds", "Students ask, an admin approves (full or partial) or denies.", [
        Step("Student requests a refund", "POST", PAYMENTS + "{payment_id}/refund-request/", 201,
             params={"payment_id": "{{payment_id}}"}, body={"reason": "I could not attend the lesson"}, checks=(
                 SUCCESS, a("refund_request_id", "number"), same_as("payment_id", "payment_id"),
                 eq("status", "pending"), eq("payment_status", "succeeded"),
             ), sets={"refund_request_id": "json.refund_request_id"}),
        Step("Admin lists pending refund requests", "GET", REFUND_REQUESTS, 200, auth="admin_token",
             query={"status": "pending"}, checks=(
                 a("results", "array"),
                 check(
                     "the student's request is listed",
                     "const ids = json.results.map(r => r.refund_request_id);",
                     'pm.expect(ids).to.include(Number(pm.collectionVariables.get("refund_request_id")));',
                 ),
                 check("every listed request is pending",
                       "json.results.forEach(r => pm.expect(r.status).to.eql('pending'));"),
             )),
        Step("Admin denies the refund request", "POST", REFUND_REQUESTS + "{request_id}/deny/", 200,
             params={"request_id": "{{refund_request_id}}"}, auth="admin_token",
             body={"note": "The lesson took place as booked"}, checks=(
                 SUCCESS, eq("status", "denied"), eq("note", "The lesson took place as booked"),
                 eq("refunded_amount", 0.0),
             )),
        Step("Student requests a refund again", "POST", PAYMENTS + "{payment_id}/refund-request/", 201,
             params={"payment_id": "{{payment_id}}"}, body={"reason": "Only half of the lesson took place"}, checks=(
                 SUCCESS, a("refund_request_id", "number"), eq("status", "pending"),
             ), sets={"refund_request_id": "json.refund_request_id"}),
        Step("Admin approves a partial refund ($20.00)", "POST", REFUND_REQUESTS + "{request_id}/approve/", 200,
             params={"request_id": "{{refund_request_id}}"}, auth="admin_token", body={"amount": 20.0}, checks=(
                 SUCCESS, eq("message", "Refund approved"), eq("status", "approved"), eq("amount", 20.0),
                 eq("payment_status", "partially_refunded"), eq("refunded_amount", 20.0),
             )),
    ]),
    ("Saved cards", "A student removes a saved card.", [
        Step("Remove the saved card", "DELETE", METHODS + "{card_id}/", 200, params={"card_id": "{{card_id}}"},
             checks=(SUCCESS, eq("message", "Payment method removed"), same_as("id", "card_id"))),
    ]),
]
# fmt: on


# -- building ----------------------------------------------------------------------------------------


def _body_text(step: Step) -> str | None:
    if step.raw_body is not None:
        return step.raw_body
    if step.body is None:
        return None

    def mark(value: Any) -> Any:
        if isinstance(value, Raw):
            return f"@@raw:{value}@@"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        return value

    text = json.dumps(mark(step.body), indent=4)
    return re.sub(r'"@@raw:(\w+)@@"', r"{{\1}}", text)


def _fill(text: str) -> str:
    values = {**ENVIRONMENT, **CHAINED}
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


def _check_body(step: Step, operation: dict[str, Any], components: dict[str, Any]) -> None:
    text = _body_text(step)
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if text is None or schema is None or step.raw_body is not None:
        return
    errors = list(Draft202012Validator({**schema, "components": components}).iter_errors(json.loads(_fill(text))))
    if errors:
        raise ValueError(f"Postman request {step.name!r}: body does not match the OpenAPI schema: {errors[0].message}")


def _script(lines: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"type": "text/javascript", "exec": list(lines)}


def _tests(step: Step) -> list[str]:
    lines = [
        f'pm.test("status is {step.status}", function () {{',
        f"    pm.response.to.have.status({step.status});",
        "});",
        "const json = pm.response.json();",
    ]
    for title, code in step.checks:
        lines += [f"pm.test({js(title)}, function () {{", *(f"    {line}" for line in code), "});"]
    if step.sets:
        lines.append(f"if (pm.response.code === {step.status}) {{")
        lines += [f"    pm.collectionVariables.set({js(name)}, {expr});" for name, expr in step.sets.items()]
        lines.append("}")
    return lines


def _url(step: Step) -> dict[str, Any]:
    path = step.route
    for name, value in step.params.items():
        path = path.replace(f"{{{name}}}", value)
    query = "&".join(f"{k}={v}" for k, v in step.query.items())
    url: dict[str, Any] = {
        "raw": "{{base_url}}" + path + (f"?{query}" if query else ""),
        "host": ["{{base_url}}"],
        "path": path.strip("/").split("/") + ([""] if path.endswith("/") else []),
    }
    if step.query:
        url["query"] = [{"key": k, "value": v} for k, v in step.query.items()]
    return url


def _bearer(variable: str) -> dict[str, Any]:
    return {"type": "bearer", "bearer": [{"key": "token", "value": f"{{{{{variable}}}}}", "type": "string"}]}


def _item(step: Step, operation: dict[str, Any]) -> dict[str, Any]:
    headers = [{"key": "Accept", "value": "application/json"}]
    body = _body_text(step)
    if body is not None:
        headers.append({"key": "Content-Type", "value": "application/json"})
    headers += [{"key": k, "value": v} for k, v in step.headers.items()]
    request: dict[str, Any] = {"method": step.method, "header": headers}
    if step.auth is None:
        request["auth"] = {"type": "noauth"}
    elif step.auth != "jwt_token":
        request["auth"] = _bearer(step.auth)
    if body is not None:
        request["body"] = {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}}
    request["url"] = _url(step)
    description = f"**{operation['summary']}**: `{step.method} {step.route}`."
    request["description"] = description + (f" {step.note}" if step.note else "")
    events = [{"listen": "test", "script": _script(_tests(step))}]
    if step.prerequest:
        events.insert(0, {"listen": "prerequest", "script": _script(step.prerequest)})
    return {"name": step.name, "event": events, "request": request, "response": []}


def build_collection(document: dict[str, Any] | None = None) -> dict[str, Any]:
    document = document or build_document()
    known = {(r.method, r.path) for r in contract_routes()}
    used = set()
    folders = []
    for name, description, steps in FOLDERS:
        items = []
        for step in steps:
            if (step.method, step.route) not in known:
                raise ValueError(f"Postman request {step.name!r}: {step.method} {step.route} is not in template.yaml")
            operation = document["paths"][step.route][step.method.lower()]
            _check_body(step, operation, document["components"])
            items.append(_item(step, operation))
            used.add((step.method, step.route))
        folders.append({"name": name, "description": description, "item": items})
    missing = known - used
    if missing:
        raise ValueError(f"no Postman request exercises {', '.join(sorted(' '.join(m) for m in missing))}")
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(_NAMESPACE, "collection")),
            "name": COLLECTION_NAME,
            "description": (
                "The backend-only payment flow of backend-payment-flow-guide.md, generated by `make openapi` "
                "from template.yaml and openapi.json. Run it with `make postman` (a fresh local stack) or "
                "against `make dev` with the environment file filled in."
            ),
            "schema": SCHEMA_URL,
        },
        "auth": _bearer("jwt_token"),
        "item": folders,
        "variable": [{"key": key, "value": ""} for key in CHAINED],
    }


def build_environment() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_NAMESPACE, "environment")),
        "name": f"{COLLECTION_NAME} (local)",
        "values": [
            {"key": key, "value": value, "type": "secret" if key in SECRETS else "default", "enabled": True}
            for key, value in ENVIRONMENT.items()
        ],
        "_postman_variable_scope": "environment",
    }


def render_collection() -> str:
    return json.dumps(build_collection(), indent=2, ensure_ascii=False) + "\n"


def render_environment() -> str:
    return json.dumps(build_environment(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    outputs = {COLLECTION_FILE: render_collection(), ENVIRONMENT_FILE: render_environment()}
    if "--check" in sys.argv[1:]:
        stale = [path.name for path, text in outputs.items() if not path.exists() or path.read_text() != text]
        if stale:
            raise SystemExit(f"{', '.join(stale)} out of date: run `make openapi`")
        return
    for path, text in outputs.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
