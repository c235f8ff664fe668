"""Everything a resource handler needs for one request."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .ids import new_id
from .store import State
from .webhooks import WebhookDispatcher


@dataclass
class Context:
    state: State
    clock: Clock
    dispatcher: WebhookDispatcher
    request_id: str
    api_version: str
    base_url: str
    params: dict[str, Any] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None

    def now(self) -> int:
        return self.clock.timestamp()

    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        """Record an event and queue it for every webhook endpoint listening to its type."""
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        endpoints = [
            endpoint
            for endpoint in self.state.newest_first("webhook_endpoint")[::-1]
            if endpoint["status"] == "enabled"
            and ("*" in endpoint["enabled_events"] or event_type in endpoint["enabled_events"])
        ]
        event = self.state.add(
            {
                "id": new_id("evt"),
                "object": "event",
                "api_version": self.api_version,
                "created": self.now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": len(endpoints),
                "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
                "type": event_type,
            }
        )
        for endpoint in endpoints:
            self.dispatcher.enqueue(event["id"], endpoint, self.state.webhook_secrets[endpoint["id"]])
