"""Contract-test fixtures: a StripeClient against the in-process emulator, or against real Stripe test mode.

Set STRIPE_TEST_SECRET_KEY to run the same suite against Stripe; tests marked `emulator_only` are skipped then.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from local.stripe_emulator import StripeEmulator

from .helpers import CARDS_ONLY, ReceivedWebhook, WebhookReceiver

REAL_STRIPE_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator_only: needs the local Stripe emulator (skipped against real Stripe test mode)"
    )


@pytest.fixture(scope="session")
def _session_emulator() -> Iterator[StripeEmulator | None]:
    if REAL_STRIPE_KEY:
        yield None
        return
    emulator = StripeEmulator(port=0).start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest, _session_emulator: StripeEmulator | None) -> None:
    if _session_emulator is None:
        if request.node.get_closest_marker("emulator_only"):
            pytest.skip("emulator-only behaviour")
        return
    _session_emulator.reset()


@pytest.fixture
def emulator(_session_emulator: StripeEmulator | None) -> StripeEmulator:
    assert _session_emulator is not None, "mark the test emulator_only"
    return _session_emulator


def _client(emulator: StripeEmulator | None, **options: Any) -> stripe.StripeClient:
    if emulator is None:
        return stripe.StripeClient(REAL_STRIPE_KEY or "", **options)
    return stripe.StripeClient("sk_test_emulator", base_addresses={"api": emulator.url}, **options)


@pytest.fixture
def client(_session_emulator: StripeEmulator | None) -> stripe.StripeClient:
    return _client(_session_emulator)


@pytest.fixture
def retrying_client(_session_emulator: StripeEmulator | None) -> stripe.StripeClient:
    """StripeClient does not retry unless asked (stripe 16 leaves max_network_retries unset)."""
    return _client(_session_emulator, max_network_retries=2)


@pytest.fixture
def client_without_retries(_session_emulator: StripeEmulator | None) -> stripe.StripeClient:
    return _client(_session_emulator, max_network_retries=0)


@pytest.fixture
def make_client(_session_emulator: StripeEmulator | None) -> Callable[..., stripe.StripeClient]:
    return lambda **options: _client(_session_emulator, **options)


@pytest.fixture
def pay(client: stripe.StripeClient) -> Callable[..., stripe.PaymentIntent]:
    """Create and confirm a card PaymentIntent in one call."""

    def create(payment_method: str = "pm_card_visa", amount: int = 2000, **params: Any) -> stripe.PaymentIntent:
        full = {
            "amount": amount,
            "currency": "usd",
            "payment_method": payment_method,
            "confirm": True,
            **CARDS_ONLY,
            **params,
        }
        return client.v1.payment_intents.create(params=full)

    return create


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                receiver.received.append(ReceivedWebhook(body, self.headers["Stripe-Signature"]))
                failing = receiver.failures_left > 0
                receiver.failures_left -= failing
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
