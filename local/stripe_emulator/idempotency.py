"""Idempotency keys as Stripe keeps them: replay, parameter mismatch, in-flight conflict, 24 h retention."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .clock import Clock
from .errors import StripeError

RETENTION_SECONDS = 24 * 60 * 60


@dataclass
class StoredResponse:
    status: int
    body: bytes
    request_id: str


@dataclass
class _Entry:
    fingerprint: Any
    created: float
    response: StoredResponse | None = None
    in_flight: bool = True


class IdempotencyStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, fingerprint: Any) -> StoredResponse | None:
        """Claim `key` for a new request, or return the response to replay. Raises on conflicts."""
        with self._lock:
            now = self._clock.now()
            entry = self._entries.get(key)
            if entry is not None and not entry.in_flight and now - entry.created >= RETENTION_SECONDS:
                entry = None
            if entry is None:
                self._entries[key] = _Entry(fingerprint, now)
                return None
            if entry.in_flight:
                raise StripeError(
                    409,
                    "idempotency_error",
                    "There is currently another in-progress request using this Idempotent Key (that probably "
                    f"means you submitted twice, and the other request is still going through): {key}. "
                    "Please try again later.",
                    code="idempotency_key_in_use",
                    stored=False,
                    should_retry=True,
                )
            if entry.fingerprint != fingerprint:
                raise StripeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    stored=False,
                )
            return entry.response

    def finish(self, key: str, response: StoredResponse | None) -> None:
        """Store the response, or forget the key (None) when the request never started executing."""
        with self._lock:
            if response is None:
                self._entries.pop(key, None)
                return
            entry = self._entries[key]
            entry.response, entry.in_flight = response, False

    def in_flight_count(self) -> int:
        with self._lock:
            return sum(1 for entry in self._entries.values() if entry.in_flight)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
