"""Stripe-shaped API errors, raised by handlers and rendered into the `{"error": {...}}` envelope."""

from __future__ import annotations

from typing import Any

DOC_URL_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error response. `stored=False` marks validation failures that idempotency must not remember."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        stored: bool = True,
        should_retry: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.stored = stored
        self.should_retry = should_retry
        self.extra = extra or {}

    def body(self, request_id: str, now: int) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "type": self.type,
            "code": self.code,
            "decline_code": self.decline_code,
            "param": self.param,
            "message": self.message,
            "doc_url": DOC_URL_BASE + self.code.replace("_", "-") if self.code else None,
            **self.extra,
            "request_log_url": f"https://dashboard.stripe.com/test/logs/{request_id}?t={now}",
        }
        return {"error": {key: value for key, value in fields.items() if value is not None}}


def invalid_request(message: str, *, code: str | None = None, param: str | None = None, status: int = 400):
    return StripeError(status, "invalid_request_error", message, code=code, param=param)


def validation_error(message: str, *, code: str | None = None, param: str | None = None) -> StripeError:
    """A parameter validation failure: never stored under an idempotency key."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param, stored=False)


def resource_missing(kind: str, object_id: str, param: str) -> StripeError:
    # Path lookups answer 404 with param "id"; lookups of body parameters answer 400 naming the parameter.
    status = 404 if param == "id" else 400
    return invalid_request(f"No such {kind}: '{object_id}'", code="resource_missing", param=param, status=status)


def unexpected_state(message: str, *, code: str = "payment_intent_unexpected_state") -> StripeError:
    return invalid_request(message, code=code)


def error_object(error: StripeError) -> dict[str, Any]:
    """The error as embedded in `last_payment_error` (no request log URL)."""
    fields = {
        "type": error.type,
        "code": error.code,
        "decline_code": error.decline_code,
        "param": error.param,
        "message": error.message,
        "doc_url": DOC_URL_BASE + error.code.replace("_", "-") if error.code else None,
        "charge": error.extra.get("charge"),
        "payment_method": error.extra.get("payment_method"),
    }
    return {key: value for key, value in fields.items() if value is not None}
