"""The contract's flows replayed over HTTP against the running local stack, field by field."""

from __future__ import annotations

import re

import pytest

from tests.support.client import FUTURE_YEAR, card

pytestmark = pytest.mark.e2e

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_flow1_add_payment_method_saves_the_card(student):
    response = student.add_card("4242424242424242", save=True)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "success": True,
        "message": "Payment method added successfully",
        "payment_method_id": body["payment_method_id"],
        "card_last4": "4242",
        "card_brand": "visa",
        "saved": True,
    }
    assert body["payment_method_id"].startswith("pm_")


def test_flow1_card_not_saved_is_not_listed(student):
    response = student.add_card("5555555555554444", save=False)

    assert response.status_code == 201
    assert response.json()["saved"] is False
    assert response.json()["card_brand"] == "mastercard"
    assert student.get("/api/payments/payment-methods/").json() == {"results": []}


def test_same_card_saved_twice_returns_the_existing_method(student):
    first = student.add_card("4242424242424242").json()

    again = student.add_card("4242424242424242")

    assert again.status_code == 200
    assert again.json()["payment_method_id"] == first["payment_method_id"]
    assert again.json()["saved"] is True
    assert len(student.get("/api/payments/payment-methods/").json()["results"]) == 1


def test_flow3_list_saved_methods_has_the_contract_fields(student):
    added = student.add_card("378282246310005").json()

    listing = student.get("/api/payments/payment-methods/")

    assert listing.status_code == 200
    [method] = listing.json()["results"]
    assert isinstance(method["id"], int)
    assert method["stripe_payment_method_id"] == added["payment_method_id"]
    assert method["card_last4"] == "0005"
    assert method["card_brand"] == "amex"
    assert method["card_exp_month"] == 12
    assert method["card_exp_year"] == FUTURE_YEAR
    assert ISO_UTC.match(method["created_at"])
    assert set(method) == {
        "id",
        "stripe_payment_method_id",
        "card_last4",
        "card_brand",
        "card_exp_month",
        "card_exp_year",
        "created_at",
    }


def test_flow2_pay_with_a_new_card_and_save_it(student):
    response = student.pay_new_card(gig_id=1, save=True)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "success": True,
        "message": "Payment processed successfully",
        "payment_id": body["payment_id"],
        "payment_intent_id": body["payment_intent_id"],
        "amount": 50.0,
        "currency": "usd",
        "status": "succeeded",
        "booking_id": body["booking_id"],
        "payment_method_saved": True,
    }
    assert isinstance(body["payment_id"], int)
    assert isinstance(body["booking_id"], int)
    assert body["payment_intent_id"].startswith("pi_")
    [saved] = student.get("/api/payments/payment-methods/").json()["results"]
    assert saved["card_last4"] == "4242"


def test_flow2_pay_with_a_new_card_without_saving(student):
    body = student.pay_new_card(gig_id=1, number="6011111111111117", save=False).json()

    assert body["status"] == "succeeded"
    assert body["payment_method_saved"] is False
    assert student.get("/api/payments/payment-methods/").json()["results"] == []


def test_flow3_pay_with_a_saved_card_on_the_alias_path(student):
    method = student.add_card("5555555555554444").json()["payment_method_id"]

    response = student.pay_saved_card(method, gig_id=2)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "success": True,
        "message": "Payment processed successfully",
        "payment_id": body["payment_id"],
        "payment_intent_id": body["payment_intent_id"],
        "amount": 75.0,
        "currency": "usd",
        "status": "succeeded",
        "booking_id": body["booking_id"],
        "used_saved_card": True,
    }


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("378282246310005", "amex"),
    ],
)
def test_test_card_table_cards_that_succeed(student, number, brand):
    added = student.add_card(number, save=True).json()
    paid = student.pay_new_card(gig_id=1, number=number)

    assert added["card_brand"] == brand
    assert paid.status_code == 201
    assert paid.json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("number", "decline_code"),
    [
        ("4000000000000002", "generic_decline"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000009987", "lost_card"),
        ("4000000000009979", "stolen_card"),
    ],
)
def test_test_card_table_cards_that_are_declined(student, number, decline_code):
    response = student.pay_new_card(gig_id=1, number=number)

    assert response.status_code == 402
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Your card was declined."
    assert body["details"]["decline_code"] == decline_code
    assert body["details"]["param"] == "card_number"
    status = student.get(f"/api/payments/payments/{body['details']['payment_id']}/").json()
    assert status["status"] == "failed"
    assert status["booking_id"] is None


@pytest.mark.parametrize(
    ("number", "decline_code"),
    [("4000000000000002", "generic_decline"), ("4000000000009995", "insufficient_funds")],
)
def test_error_card_declined_when_adding_a_method(student, number, decline_code):
    response = student.add_card(number, save=True)

    assert response.status_code == 402
    assert response.json() == {
        "success": False,
        "error": "Your card was declined.",
        "details": {"decline_code": decline_code, "param": "card_number", "code": "card_declined"},
    }


def test_error_invalid_card_number(student):
    response = student.add_card("4242424242424241")

    assert response.status_code == 402
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Your card number is invalid."
    assert body["details"]["param"] == "card_number"


def test_error_gig_not_available(student):
    inactive = student.pay_new_card(gig_id=3)
    missing = student.pay_new_card(gig_id=999_999)

    for response in (inactive, missing):
        assert response.status_code == 400
        assert response.json() == {"success": False, "error": "Gig is not available for booking"}


def test_error_missing_payment_method(student):
    response = student.post("/api/payments/process-payment/", {"gig_id": 1})

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "Either card_details or saved_payment_method_id must be provided",
    }


def test_both_payment_methods_is_refused(student):
    method = student.add_card().json()["payment_method_id"]

    response = student.post(
        "/api/payments/process-payment/",
        {"gig_id": 1, "card_details": card(), "saved_payment_method_id": method},
    )

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_complete_flow_example(student):
    """The contract's three steps: add a method, pay with it, check the payment's status."""
    step1 = student.add_card("4242424242424242", save=True).json()
    step2 = student.post(
        "/api/payments/process-payment/", {"gig_id": 1, "saved_payment_method_id": step1["payment_method_id"]}
    ).json()
    step3 = student.get(f"/api/payments/payments/{step2['payment_id']}/")

    assert step2["status"] == "succeeded"
    assert step3.status_code == 200
    status = step3.json()
    assert status["success"] is True
    assert status["payment_id"] == step2["payment_id"]
    assert status["payment_intent_id"] == step2["payment_intent_id"]
    assert status["status"] == "succeeded"
    assert status["amount"] == 50.0
    assert status["currency"] == "usd"
    assert status["platform_fee"] == 5.0
    assert status["teacher_amount"] == 45.0
    assert status["booking_id"] == step2["booking_id"]
    assert status["booking_status"] == "pending_teacher_confirmation"


@pytest.mark.parametrize(
    "path", ["/api/payments/payment-methods", "/api/payments/payment-methods/", "/api/payments/payments"]
)
def test_paths_answer_with_and_without_trailing_slash(student, path):
    assert student.get(path).status_code == 200


def test_expired_card_is_refused_before_stripe(student, stack):
    before = len(stack.emulator.request_log)

    response = student.post("/api/payments/process-payment/", {"gig_id": 1, "card_details": card(exp_year=2020)})

    assert response.status_code == 402
    assert response.json()["details"] == {"code": "invalid_expiry_year", "param": "exp_year"}
    assert len(stack.emulator.request_log) == before


def test_amex_needs_a_four_digit_cvc(student):
    response = student.post(
        "/api/payments/process-payment/", {"gig_id": 1, "card_details": card("378282246310005", cvc="123")}
    )

    assert response.status_code == 402
    assert response.json()["details"]["code"] == "invalid_cvc"


def test_delete_a_saved_card_detaches_it_in_stripe(student, stack):
    added = student.add_card().json()
    [method] = student.get("/api/payments/payment-methods/").json()["results"]

    response = student.delete(f"/api/payments/payment-methods/{method['id']}/")

    assert response.status_code == 200
    assert student.get("/api/payments/payment-methods/").json()["results"] == []
    detached = stack.stripe_client().v1.payment_methods.retrieve(added["payment_method_id"])
    assert detached.customer is None
    assert student.pay_saved_card(added["payment_method_id"]).status_code == 404


def test_payments_list_is_newest_first_and_paginated(student):
    purchases = [(1, "4242424242424242"), (2, "4242424242424242"), (1, "5555555555554444")]
    ids = [student.pay_new_card(gig_id=gig, number=number).json()["payment_id"] for gig, number in purchases]

    first_page = student.get("/api/payments/payments/?limit=2").json()
    second_page = student.get(f"/api/payments/payments/?limit=2&cursor={first_page['next_cursor']}").json()

    listed = [p["payment_id"] for p in first_page["results"] + second_page["results"]]
    assert listed == list(reversed(ids))
    assert second_page["next_cursor"] is None or second_page["results"] == []


def test_payment_status_visibility(users, student):
    payment_id = student.pay_new_card(gig_id=1).json()["payment_id"]

    assert users.teacher(7).get(f"/api/payments/payments/{payment_id}/").status_code == 200
    assert users.admin().get(f"/api/payments/payments/{payment_id}/").status_code == 200
    assert users.teacher(8).get(f"/api/payments/payments/{payment_id}/").status_code == 404
    assert users.student().get(f"/api/payments/payments/{payment_id}/").status_code == 404


def test_destination_charge_splits_ten_percent_to_the_platform(student, stack):
    body = student.pay_new_card(gig_id=2).json()

    intent = stack.stripe_client().v1.payment_intents.retrieve(body["payment_intent_id"])

    assert intent.amount == 7500
    assert intent.currency == "usd"
    assert intent.application_fee_amount == 750
    assert intent.transfer_data.destination == stack.teacher_account_id
    assert intent.metadata["payment_id"] == str(body["payment_id"])


def test_teacher_cannot_pay(users):
    response = users.teacher(7).pay_new_card(gig_id=1)

    assert response.status_code == 403
    assert response.json()["success"] is False
