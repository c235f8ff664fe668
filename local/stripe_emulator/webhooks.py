"""Webhook delivery: signed POSTs from a background thread, retried with exponential backoff."""

from __future__ import annotations

import heapq
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    v1 = hmac.new(secret.encode(), signed, "sha256").hexdigest()
    # Test-mode deliveries also carry a meaningless v0 scheme; verifiers must ignore it.
    return f"t={timestamp},v1={v1},v0={secrets.token_hex(32)}"


@dataclass(order=True)
class _Delivery:
    due: float
    sequence: int
    event_id: str = field(compare=False)
    endpoint_id: str = field(compare=False)
    url: str = field(compare=False)
    secret: str = field(compare=False)
    attempt: int = field(compare=False, default=1)
    generation: int = field(compare=False, default=0)


@dataclass
class DeliveryAttempt:
    event_id: str
    endpoint_id: str
    attempt: int
    status: int | None  # None: connection error
    succeeded: bool


class WebhookDispatcher:
    """Owns the delivery queue and the single thread that drains it."""

    def __init__(
        self,
        clock: Clock,
        render_event: Callable[[str], dict[str, Any] | None],
        on_delivered: Callable[[str], None],
        retry_base_seconds: float = 0.2,
        max_attempts: int = 5,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._clock = clock
        self._render_event = render_event
        self._on_delivered = on_delivered
        self.retry_base_seconds = retry_base_seconds
        self.max_attempts = max_attempts
        self.timeout_seconds = timeout_seconds
        self._queue: list[_Delivery] = []
        self._in_progress = 0
        self._generation = 0
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._stopping = False
        self.attempts: list[DeliveryAttempt] = []
        self._thread = threading.Thread(target=self._run, name="stripe-emulator-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def enqueue(self, event_id: str, endpoint: dict[str, Any], secret: str) -> None:
        delivery = _Delivery(time.monotonic(), next(self._sequence), event_id, endpoint["id"], endpoint["url"], secret)
        with self._condition:
            delivery.generation = self._generation
            heapq.heappush(self._queue, delivery)
            self._condition.notify_all()

    def wait_until_drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._in_progress:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    def clear(self) -> None:
        with self._condition:
            self._queue.clear()
            self._generation += 1
            self.attempts = []
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            succeeded, status = self._post(delivery)
            if succeeded:
                # Outside the condition: the callback takes the state lock, which API threads hold while
                # they enqueue.
                self._on_delivered(delivery.event_id)
            with self._condition:
                self._in_progress -= 1
                if delivery.generation == self._generation:
                    self.attempts.append(
                        DeliveryAttempt(delivery.event_id, delivery.endpoint_id, delivery.attempt, status, succeeded)
                    )
                    self._after_attempt(delivery, succeeded)
                self._condition.notify_all()

    def _next_due(self) -> _Delivery | None:
        with self._condition:
            while True:
                if self._stopping:
                    return None
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        self._in_progress += 1
                        return heapq.heappop(self._queue)
                    self._condition.wait(wait)
                else:
                    self._condition.wait()

    def _after_attempt(self, delivery: _Delivery, succeeded: bool) -> None:
        if not succeeded and delivery.attempt < self.max_attempts:
            delivery.attempt += 1
            delivery.due = time.monotonic() + self.retry_base_seconds * 2 ** (delivery.attempt - 2)
            delivery.sequence = next(self._sequence)
            heapq.heappush(self._queue, delivery)

    def _post(self, delivery: _Delivery) -> tuple[bool, int | None]:
        event = self._render_event(delivery.event_id)
        if event is None:
            return True, None
        payload = json.dumps(event, indent=2).encode()
        request = urllib.request.Request(  # noqa: S310 - endpoint URLs are checked to be http(s) on creation
            delivery.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                # A fresh timestamp and signature on every attempt, as Stripe does.
                "Stripe-Signature": signature_header(payload, delivery.secret, self._clock.timestamp()),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                return 200 <= response.status < 300, response.status
        except urllib.error.HTTPError as error:
            return False, error.code
        except (urllib.error.URLError, OSError):
            return False, None
