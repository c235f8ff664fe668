"""A small HTTP client for the local stack: a user's token on every request."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import requests

from linguaflex.tokens import issue_token

_user_ids = itertools.count(10_000)
FUTURE_YEAR = 2034

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": FUTURE_YEAR, "cvc": "123"}


def card(number: str = "4242424242424242", **overrides: Any) -> dict[str, Any]:
    cvc = "1234" if number.startswith(("34", "37")) else "123"
    return {**CARD, "card_number": number, "cvc": cvc, "cardholder_name": "Test Student", **overrides}


def new_user_id() -> int:
    """A user id no other test uses, so tests never see each other's cards or payments."""
    return next(_user_ids)


@dataclass
class ApiClient:
    base_url: str
    token: str | None
    session: requests.Session

    def request(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        return self.session.request(method, self.base_url + path, json=json, headers=all_headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # contract shortcuts
    def add_card(self, number: str = "4242424242424242", save: bool = True, **overrides: Any) -> requests.Response:
        return self.post("/api/payments/add-payment-method/", {**card(number, **overrides), "save_for_future": save})

    def pay_new_card(
        self, gig_id: int = 1, number: str = "4242424242424242", save: bool = False, idempotency_key: str | None = None
    ) -> requests.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        body = {"gig_id": gig_id, "card_details": card(number), "save_card": save}
        return self.post("/api/payments/process-payment/", body, headers=headers)

    def pay_saved_card(self, payment_method_id: str, gig_id: int = 1) -> requests.Response:
        return self.post(
            "/stripe-payments/process-payment/", {"gig_id": gig_id, "saved_payment_method_id": payment_method_id}
        )


class Users:
    def __init__(self, base_url: str, jwt_secret: str) -> None:
        self._base_url = base_url
        self._secret = jwt_secret

    def client(self, role: str, user_id: int) -> ApiClient:
        return ApiClient(self._base_url, issue_token(self._secret, user_id, role), requests.Session())

    def student(self) -> ApiClient:
        return self.client("student", new_user_id())

    def teacher(self, user_id: int = 7) -> ApiClient:
        return self.client("teacher", user_id)

    def admin(self) -> ApiClient:
        return self.client("admin", 1)

    def anonymous(self) -> ApiClient:
        return ApiClient(self._base_url, None, requests.Session())


def unique_key() -> str:
    return uuid.uuid4().hex
