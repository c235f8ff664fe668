"""Domain errors. Each carries its HTTP status; `http.py` turns them into the contract's envelope."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    default_message = "Bad request"

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class InvalidRequest(DomainError):
    status_code = 400
    default_message = "Invalid request"


class GigUnavailable(DomainError):
    status_code = 400
    default_message = "Gig is not available for booking"


class CardRejected(DomainError):
    """A card problem the student can fix: invalid data or an issuer decline (Stripe's card_error)."""

    status_code = 402
    default_message = "Your card was declined."


class Forbidden(DomainError):
    status_code = 403
    default_message = "You do not have permission to perform this action"


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found"


class Conflict(DomainError):
    status_code = 409
    default_message = "The request conflicts with the current state"


class RequestInProgress(Conflict):
    default_message = "A request with this Idempotency-Key is still being processed"

    def __init__(self, retry_after_seconds: int = 2) -> None:
        super().__init__(details={"retry_after": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_message = "This Idempotency-Key was already used with a different request body"


class RateLimited(DomainError):
    status_code = 429
    default_message = "Too many requests, please retry later"

    def __init__(self, retry_after_seconds: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(details={"retry_after": retry_after_seconds, **(details or {})})
        self.retry_after_seconds = retry_after_seconds


class PaymentProviderError(DomainError):
    """Stripe refused the request for a reason that is ours, not the student's (bad configuration)."""

    status_code = 502
    default_message = "The payment provider rejected the request"


class PaymentProviderUnavailable(DomainError):
    status_code = 503
    default_message = "The payment provider is unavailable, please retry"


class StorageUnavailable(DomainError):
    status_code = 503
    default_message = "The service is temporarily unavailable, please retry"


class ConfigurationError(Exception):
    """The deployment is misconfigured (for example a missing webhook secret). Never caught as a 4xx."""
