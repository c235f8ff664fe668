"""How many Stripe requests one payment costs: a new card travels inside the PaymentIntent create."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests

from linguaflex import factory
from tests.support.client import FUTURE_YEAR

INTENT_CREATE = ("POST", "/v1/payment_intents")
CUSTOMER_CREATE = ("POST", "/v1/customers")


@pytest.fixture(autouse=True)
def _webhooks_paused(stack: Any) -> Iterator[None]:
    """The webhook reads the PaymentIntent back in the background; those reads are not the payment's."""
    stack.emulator.wait_for_deliveries(timeout=10)
    endpoints = stack.stripe_client().v1.webhook_endpoints.list().data
    for endpoint in endpoints:
        stack.stripe_client().v1.webhook_endpoints.update(endpoint.id, params={"disabled": True})
    yield
    for endpoint in endpoints:
        stack.stripe_client().v1.webhook_endpoints.update(endpoint.id, params={"disabled": False})


def _stripe_requests(stack: Any, pay: Callable[[], requests.Response]) -> list[tuple[str, str]]:
    start = len(stack.emulator.request_log)
    response = pay()
    assert response.status_code == 201, response.text
    return stack.emulator.request_log[start:]


def test_a_saved_card_is_one_stripe_request(stack, student):
    method = student.add_card("4242424242424242").json()["payment_method_id"]

    sent = _stripe_requests(stack, lambda: student.pay_saved_card(method, gig_id=1))

    assert sent == [INTENT_CREATE]


def test_a_new_card_is_one_stripe_request(stack, student):
    sent = _stripe_requests(stack, lambda: student.pay_new_card(gig_id=1))

    assert sent == [INTENT_CREATE]


def test_a_new_card_saved_by_a_first_time_student_is_two_stripe_requests(stack, student):
    sent = _stripe_requests(stack, lambda: student.pay_new_card(gig_id=1, save=True))

    assert sent == [CUSTOMER_CREATE, INTENT_CREATE]


def test_a_new_card_saved_by_a_student_with_a_stripe_customer_is_one_stripe_request(stack, student):
    assert student.add_card("5555555555554444").status_code == 201  # creates the student's Stripe customer

    sent = _stripe_requests(stack, lambda: student.pay_new_card(gig_id=1, save=True))

    assert sent == [INTENT_CREATE]


def test_a_card_saved_by_a_payment_keeps_stripes_details_and_is_saved_once(stack, student):
    first = student.pay_new_card(gig_id=1, number="378282246310005", save=True)
    again = student.pay_new_card(gig_id=2, number="378282246310005", save=True)

    assert (first.status_code, again.status_code) == (201, 201)
    [listed] = student.get("/api/payments/payment-methods/").json()["results"]
    assert (listed["card_brand"], listed["card_last4"]) == ("amex", "0005")
    assert (listed["card_exp_month"], listed["card_exp_year"]) == (12, FUTURE_YEAR)
    student_id = int(jwt.decode(student.token, options={"verify_signature": False})["user_id"])
    [saved] = factory.repository().get_profile(student_id).cards
    in_stripe = stack.stripe_client().v1.payment_methods.retrieve(listed["stripe_payment_method_id"])
    assert saved.fingerprint == in_stripe.card.fingerprint
    assert in_stripe.customer is not None
