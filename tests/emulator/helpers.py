"""Shared test helpers (imported by conftest and tests)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Confirming server-side without return_url needs redirects off (see test_return_url_required_...).
CARDS_ONLY = {"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}

_NOT_A_CARD_NUMBER = "Your card number is not a valid credit card number."
_BAD_CVC = "Your card's security code is invalid."
# Raw card data Stripe refuses before anything is created, wherever it is sent (PaymentMethod create or a
# PaymentIntent's payment_method_data): (number, exp_month, exp_year, cvc, code, message, field).
INVALID_RAW_CARDS = [
    ("4242424242424241", 12, 2034, "123", "incorrect_number", "Your card number is incorrect.", "number"),
    ("4242abcd", 12, 2034, "123", "invalid_number", _NOT_A_CARD_NUMBER, "number"),
    ("4242", 12, 2034, "123", "invalid_number", _NOT_A_CARD_NUMBER, "number"),
    (
        "4242424242424242",
        13,
        2034,
        "123",
        "invalid_expiry_month",
        "Your card's expiration month is invalid.",
        "exp_month",
    ),
    ("4242424242424242", 12, 2001, "123", "invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year"),
    ("4242424242424242", 12, 2034, "99", "invalid_cvc", _BAD_CVC, "cvc"),
    ("378282246310005", 12, 2034, "123", "invalid_cvc", _BAD_CVC, "cvc"),
]
INVALID_RAW_CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc", "code", "message", "field")


def event_types_about(client: Any, object_id: str, limit: int = 30) -> list[str]:
    """Types of the recent events whose object is, or belongs to, `object_id` (oldest first)."""
    events = client.v1.events.list(params={"limit": limit}).data
    related = [
        event.type
        for event in events
        if object_id in (event.data.object.id, event.data.object.to_dict().get("payment_intent"))
    ]
    return related[::-1]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@dataclass
class ReceivedWebhook:
    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint that records deliveries and can answer 500 to the first N of them."""

    url: str = ""
    received: list[ReceivedWebhook] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def types(self) -> list[str]:
        with self.lock:
            return [item.event["type"] for item in self.received]
