"""Who may call what, over HTTP against the running local stack (API Gateway's authorizer included).

No token: 401 from API Gateway. A refused token: 403 from API Gateway. A valid token with the wrong role:
403 with the contract's envelope. Someone else's resource: 404 (its existence is not revealed), and
nothing changes: the records are read back from DynamoDB and Stripe's request log.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest

from linguaflex.adapters import dynamo_items as items
from linguaflex.tokens import issue_token
from local.template_model import routes
from tests.support.client import ApiClient, card, unique_key

pytestmark = pytest.mark.e2e

ROUTES = routes()
WEBHOOK_PATHS = {"/api/payments/stripe-webhook/", "/api/payments/stripe-webhook"}
PROTECTED = [route for route in ROUTES if route.authorized]
OTHER_TEACHER = 8


def concrete(path: str, value: int = 1) -> str:
    return re.sub(r"\{\w+\}", str(value), path)


def route_id(route: Any) -> str:
    return f"{route.method} {route.path}"


def test_only_the_webhook_is_reachable_without_a_token() -> None:
    assert {route.path for route in ROUTES if not route.authorized} == WEBHOOK_PATHS
    contract = {
        ("POST", "/api/payments/add-payment-method/"),
        ("POST", "/api/payments/process-payment/"),
        ("POST", "/stripe-payments/process-payment/"),
        ("GET", "/api/payments/payment-methods/"),
        ("DELETE", "/api/payments/payment-methods/{card_id}/"),
        ("GET", "/api/payments/payments/"),
        ("GET", "/api/payments/payments/{payment_id}/"),
        ("GET", "/api/payments/bookings/"),
        ("POST", "/api/payments/bookings/{booking_id}/confirm/"),
        ("POST", "/api/payments/bookings/{booking_id}/decline/"),
        ("POST", "/api/payments/payments/{payment_id}/refund-request/"),
        ("GET", "/api/payments/refund-requests/"),
        ("POST", "/api/payments/refund-requests/{request_id}/approve/"),
        ("POST", "/api/payments/refund-requests/{request_id}/deny/"),
    }
    twins = {(method, path.rstrip("/")) for method, path in contract}
    assert {(route.method, route.path) for route in PROTECTED} == contract | twins


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_no_token_is_401_from_the_gateway(users: Any, route: Any) -> None:
    response = users.anonymous().request(route.method, concrete(route.path), json={})

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_an_invalid_token_is_403_from_the_gateway(stack: Any, route: Any) -> None:
    forged = issue_token("not-the-secret-but-long-enough-0123456789abcdef", 1, "admin")
    response = _bearer(stack, forged).request(route.method, concrete(route.path), json={})

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def _invalid_tokens(secret: str) -> dict[str, str]:
    now = int(time.time())
    return {
        "garbage": "garbage",
        "expired": issue_token(secret, 42, "student", lifetime_seconds=-3600),
        "refresh token": issue_token(secret, 42, "student", token_type="refresh"),
        "alg none": jwt.encode({"user_id": 1, "role": "admin", "exp": now + 60}, None, algorithm="none"),  # type: ignore[arg-type]
        "unknown role": issue_token(secret, 42, "root"),
        "negative user": issue_token(secret, -1, "student"),
    }


@pytest.mark.parametrize("kind", ["garbage", "expired", "refresh token", "alg none", "unknown role", "negative user"])
def test_each_kind_of_invalid_token_is_refused_by_the_gateway(stack: Any, kind: str) -> None:
    token = _invalid_tokens(stack.jwt_secret)[kind]

    response = _bearer(stack, token).get("/api/payments/payments/")

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


@pytest.mark.parametrize("header", ["Token {t}", "{t}", "Basic {t}", "Bearer"], ids=["Token", "bare", "Basic", "empty"])
def test_an_authorization_header_without_a_bearer_token_is_refused(stack: Any, users: Any, header: str) -> None:
    token = issue_token(stack.jwt_secret, 42, "student")
    response = users.anonymous().get("/api/payments/payments/", headers={"Authorization": header.format(t=token)})

    assert response.status_code == 403


def test_a_lower_case_bearer_scheme_is_accepted(stack: Any, users: Any) -> None:
    token = issue_token(stack.jwt_secret, 42, "student")
    response = users.anonymous().get("/api/payments/payments/", headers={"Authorization": f"bearer {token}"})

    assert response.status_code == 200


def _bearer(stack: Any, token: str) -> ApiClient:
    import requests

    return ApiClient(stack.url, token, requests.Session())


# -- roles ----------------------------------------------------------------------------------------------------

NEW_CARD = {"gig_id": 1, "card_details": card("4242424242424242"), "save_card": False}
WRONG_ROLE = [
    # method, path, body, the roles refused
    ("POST", "/api/payments/add-payment-method/", {**card(), "save_for_future": True}, ("teacher", "admin")),
    ("POST", "/api/payments/process-payment/", NEW_CARD, ("teacher", "admin")),
    ("POST", "/stripe-payments/process-payment/", NEW_CARD, ("teacher", "admin")),
    ("GET", "/api/payments/payment-methods/", None, ("teacher", "admin")),
    ("DELETE", "/api/payments/payment-methods/1/", None, ("teacher", "admin")),
    ("POST", "/api/payments/bookings/1/confirm/", None, ("student",)),
    ("POST", "/api/payments/bookings/1/decline/", {"reason": "no"}, ("student",)),
    ("POST", "/api/payments/payments/1/refund-request/", {"reason": "please"}, ("teacher", "admin")),
    ("GET", "/api/payments/refund-requests/", None, ("student", "teacher")),
    ("POST", "/api/payments/refund-requests/1/approve/", {}, ("student", "teacher")),
    ("POST", "/api/payments/refund-requests/1/deny/", {"note": "no"}, ("student", "teacher")),
]
WRONG_ROLE_CASES = [
    pytest.param(method, path, body, role, id=f"{role} {method} {path}")
    for method, path, body, roles in WRONG_ROLE
    for role in roles
]


@pytest.mark.parametrize(("method", "path", "body", "role"), WRONG_ROLE_CASES)
def test_the_wrong_role_is_403_with_the_envelope(users: Any, method: str, path: str, body: Any, role: str) -> None:
    client = users.client(role, 900 + len(role))

    for twin in (path, path.rstrip("/")):
        response = client.request(method, twin, json=body)

        assert response.status_code == 403, response.text
        envelope = response.json()
        assert envelope["success"] is False
        assert "role" in envelope["error"]


def test_a_teacher_cannot_pay_and_stripe_is_not_called(stack: Any, users: Any) -> None:
    before = len(stack.emulator.request_log)

    response = users.teacher().pay_new_card(1)

    assert response.status_code == 403
    assert stack.emulator.request_log[before:] == []


# -- someone else's resources --------------------------------------------------------------------------------


@dataclass
class World:
    alice: ApiClient
    bob: ApiClient
    alice_id: int
    bob_id: int
    alice_card_id: int
    alice_pm: str
    bob_card_id: int
    bob_pm: str
    payment_id: int
    booking_id: int
    refund_request_id: int


def _user_id(client: ApiClient) -> int:
    return int(jwt.decode(client.token or "", options={"verify_signature": False})["user_id"])


def _saved_card(client: ApiClient, number: str) -> tuple[int, str]:
    added = client.add_card(number, save=True)
    assert added.status_code == 201, added.text
    pm = added.json()["payment_method_id"]
    listed = client.get("/api/payments/payment-methods/").json()["results"]
    return next(c["id"] for c in listed if c["stripe_payment_method_id"] == pm), pm


@pytest.fixture(scope="module")
def world(stack: Any, users: Any) -> World:
    alice, bob = users.student(), users.student()
    alice_card_id, alice_pm = _saved_card(alice, "4242424242424242")
    bob_card_id, bob_pm = _saved_card(bob, "5555555555554444")
    paid = alice.pay_saved_card(alice_pm, gig_id=1)
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    refund = alice.post(f"/api/payments/payments/{payment['payment_id']}/refund-request/", {"reason": "Cannot attend"})
    assert refund.status_code == 201, refund.text
    stack.emulator.wait_for_deliveries(timeout=10)
    return World(
        alice=alice,
        bob=bob,
        alice_id=_user_id(alice),
        bob_id=_user_id(bob),
        alice_card_id=alice_card_id,
        alice_pm=alice_pm,
        bob_card_id=bob_card_id,
        bob_pm=bob_pm,
        payment_id=payment["payment_id"],
        booking_id=payment["booking_id"],
        refund_request_id=refund.json()["refund_request_id"],
    )


def _records(stack: Any, world: World) -> dict[str, Any]:
    """The raw DynamoDB items the cross-tenant calls could touch."""
    client = stack.dynamodb()
    keys = {
        "payment": items.payment_key(world.payment_id),
        "booking": items.booking_key(world.booking_id),
        "alice": items.profile_key(world.alice_id),
        "bob": items.profile_key(world.bob_id),
        "refund request": items.refund_request_key(world.refund_request_id),
        "open refund guard": items.open_refund_guard_key(world.payment_id),
    }
    return {
        name: client.get_item(TableName=stack.table_name, Key=key, ConsistentRead=True).get("Item")
        for name, key in keys.items()
    }


def _writes(stack: Any, since: int) -> list[tuple[str, str]]:
    return [(method, path) for method, path in stack.emulator.request_log[since:] if method != "GET"]


@pytest.fixture
def unchanged(stack: Any, world: World) -> Any:
    """Snapshot the records and Stripe's log; after the test, nothing may have moved."""
    stack.emulator.wait_for_deliveries(timeout=10)
    before, log_start = _records(stack, world), len(stack.emulator.request_log)
    yield
    stack.emulator.wait_for_deliveries(timeout=10)
    assert _records(stack, world) == before
    assert _writes(stack, log_start) == []


def _not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["success"] is False


@pytest.mark.usefixtures("unchanged")
def test_another_students_payment_is_404(world: World) -> None:
    _not_found(world.bob.get(f"/api/payments/payments/{world.payment_id}/"))
    assert world.alice.get(f"/api/payments/payments/{world.payment_id}/").status_code == 200
    listed = world.bob.get("/api/payments/payments/").json()["results"]
    assert world.payment_id not in [p["payment_id"] for p in listed]


@pytest.mark.usefixtures("unchanged")
def test_another_teachers_payment_is_404(users: Any, world: World) -> None:
    _not_found(users.teacher(OTHER_TEACHER).get(f"/api/payments/payments/{world.payment_id}/"))
    assert users.teacher().get(f"/api/payments/payments/{world.payment_id}/").status_code == 200


@pytest.mark.usefixtures("unchanged")
def test_another_students_card_cannot_be_deleted(world: World) -> None:
    _not_found(world.alice.delete(f"/api/payments/payment-methods/{world.bob_card_id}/"))

    bobs_cards = world.bob.get("/api/payments/payment-methods/").json()["results"]
    assert [c["id"] for c in bobs_cards] == [world.bob_card_id]


@pytest.mark.usefixtures("unchanged")
def test_another_students_saved_card_can_never_be_charged(stack: Any, world: World) -> None:
    alice_payments = world.alice.get("/api/payments/payments/").json()["results"]
    intents_before = _intent_ids(stack)

    for path in ("/stripe-payments/process-payment/", "/api/payments/process-payment/"):
        body = {"gig_id": 2, "saved_payment_method_id": world.bob_pm}
        _not_found(world.alice.post(path, body, headers={"Idempotency-Key": unique_key()}))
        _not_found(world.alice.post(path, body))

    assert world.alice.get("/api/payments/payments/").json()["results"] == alice_payments
    assert _intent_ids(stack) == intents_before


def _intent_ids(stack: Any) -> set[str]:
    return {
        intent.id for intent in stack.stripe_client().v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    }


@pytest.mark.usefixtures("unchanged")
def test_another_teachers_booking_cannot_be_confirmed_or_declined(users: Any, world: World) -> None:
    stranger = users.teacher(OTHER_TEACHER)

    _not_found(stranger.post(f"/api/payments/bookings/{world.booking_id}/confirm/"))
    _not_found(stranger.post(f"/api/payments/bookings/{world.booking_id}/decline/", {"reason": "mine now"}))

    assert world.booking_id not in [b["booking_id"] for b in stranger.get("/api/payments/bookings/").json()["results"]]


@pytest.mark.usefixtures("unchanged")
def test_another_students_payment_cannot_get_a_refund_request(users: Any, world: World) -> None:
    _not_found(world.bob.post(f"/api/payments/payments/{world.payment_id}/refund-request/", {"reason": "mine"}))


@pytest.mark.usefixtures("unchanged")
def test_students_and_teachers_cannot_decide_refund_requests(users: Any, world: World) -> None:
    for client in (world.alice, world.bob, users.teacher()):
        for action in ("approve", "deny"):
            response = client.post(f"/api/payments/refund-requests/{world.refund_request_id}/{action}/", {})
            assert response.status_code == 403


@pytest.mark.usefixtures("unchanged")
def test_a_student_cannot_list_someone_elses_bookings_by_query(world: World) -> None:
    response = world.bob.get(f"/api/payments/bookings/?student_id={world.alice_id}")

    assert response.status_code == 200
    assert world.booking_id not in [b["booking_id"] for b in response.json()["results"]]


@pytest.mark.usefixtures("unchanged")
def test_the_owner_and_the_admin_still_see_everything(users: Any, world: World) -> None:
    admin = users.admin()

    assert world.alice.get(f"/api/payments/payments/{world.payment_id}/").status_code == 200
    assert admin.get(f"/api/payments/payments/{world.payment_id}/").status_code == 200
    requests_listed = admin.get("/api/payments/refund-requests/?status=pending&limit=100").json()["results"]
    assert world.refund_request_id in [r["refund_request_id"] for r in requests_listed]


def test_the_admin_lists_refund_requests_without_a_status_filter(users: Any, world: World) -> None:
    response = users.admin().get("/api/payments/refund-requests/")

    assert response.status_code == 200, response.text
