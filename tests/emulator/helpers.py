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
