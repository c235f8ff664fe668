"""`StripeEmulator`: the public entry point that wires state, API, webhooks and the HTTP server together."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from .admin import Admin
from .api import Api, Request
from .clock import Clock
from .resources import events
from .server import EmulatorHTTPServer
from .store import State
from .webhooks import DeliveryAttempt, WebhookDispatcher


class StripeEmulator:
    def __init__(
        self,
        port: int = 0,
        *,
        clock: Callable[[], float] | None = None,
        webhook_retry_base_seconds: float = 0.2,
        webhook_max_attempts: int = 5,
        webhook_timeout_seconds: float = 5.0,
    ) -> None:
        self._port = port
        self.clock = Clock(clock)
        self._state = State()
        self._dispatcher = WebhookDispatcher(
            self.clock,
            self._render_event,
            self._mark_delivered,
            retry_base_seconds=webhook_retry_base_seconds,
            max_attempts=webhook_max_attempts,
            timeout_seconds=webhook_timeout_seconds,
        )
        self._api = Api(self._state, self.clock, self._dispatcher)
        self._admin = Admin(self._api, self.reset)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> StripeEmulator:
        """Bind 127.0.0.1 and serve from a daemon thread; returns once the socket is listening."""
        self._server = EmulatorHTTPServer(("127.0.0.1", self._port), self._api, self._admin)
        self._api.base_url = self.url
        self._dispatcher.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="stripe-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._dispatcher.stop()

    def __enter__(self) -> StripeEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("StripeEmulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def reset(self) -> None:
        """Forget every object, event, idempotency key, webhook endpoint, fault and the request log."""
        with self._state.lock:
            self._state.clear()
        self._api.idempotency.clear()
        self._api.faults.clear()
        self._dispatcher.clear()
        self._api.request_log.clear()

    # inspection ------------------------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        return len(self._api.request_log)

    @property
    def request_log(self) -> list[tuple[str, str]]:
        return list(self._api.request_log)

    @property
    def delivery_attempts(self) -> list[DeliveryAttempt]:
        return list(self._dispatcher.attempts)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        with self._state.lock:
            found = self._state.newest_first("event")
            return copy.deepcopy([event for event in found if event_type in (None, event["type"])])

    def idempotency_keys_in_flight(self) -> int:
        return self._api.idempotency.in_flight_count()

    # control ---------------------------------------------------------------------------------------------

    def inject_fault(
        self, method: str, path_prefix: str, mode: str, count: int = 1, delay_seconds: float = 0.0
    ) -> None:
        self._api.faults.add(method, path_prefix, mode, count, delay_seconds)

    def clear_faults(self) -> None:
        self._api.faults.clear()

    def authenticate_payment_intent(self, payment_intent_id: str, outcome: str = "succeed") -> dict[str, Any]:
        """Complete ("succeed") or fail ("fail") 3-D Secure, like POST /_emulator/payment_intents/{id}/authenticate."""
        return self._admin_call(
            "POST", f"/_emulator/payment_intents/{payment_intent_id}/authenticate", f"outcome={outcome}"
        )

    def create_dispute(self, charge_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        """Open a dispute on a charge, like POST /_emulator/charges/{id}/dispute."""
        return self._admin_call("POST", f"/_emulator/charges/{charge_id}/dispute", f"reason={reason}")

    def _admin_call(self, method: str, path: str, form: str) -> dict[str, Any]:
        response = self._admin.handle(Request(method, path, "", {}, form.encode()))
        body = json.loads(response.body)
        if response.status != 200:
            raise RuntimeError(f"{method} {path} failed ({response.status}): {body}")
        return body

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def wait_for_deliveries(self, timeout: float = 5) -> bool:
        """Block until every queued webhook delivery (including scheduled retries) is done."""
        return self._dispatcher.wait_until_drained(timeout)

    def register_webhook(self, url: str, enabled_events: Iterable[str] = ("*",)) -> tuple[str, str]:
        """Register an endpoint directly (as `--webhook-url` does); returns (endpoint id, signing secret)."""
        ctx = self._api.context("req_emulator_setup")
        ctx.params = {"url": url, "enabled_events": list(enabled_events)}
        with self._state.lock:
            endpoint = events.create_endpoint(ctx)
        return endpoint["id"], endpoint["secret"]

    # webhook callbacks -----------------------------------------------------------------------------------

    def _render_event(self, event_id: str) -> dict[str, Any] | None:
        with self._state.lock:
            event = self._state.get("event", event_id)
            return copy.deepcopy(event) if event is not None else None

    def _mark_delivered(self, event_id: str) -> None:
        with self._state.lock:
            event = self._state.get("event", event_id)
            if event is not None:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
