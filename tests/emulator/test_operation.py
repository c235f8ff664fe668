"""Operating the emulator: start/stop, reset, request log, thread safety, CLI, raw wire details."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import stripe

from local.stripe_emulator import StripeEmulator

pytestmark = pytest.mark.emulator_only

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_starts_fast_on_loopback_and_stops() -> None:
    started = time.monotonic()
    emulator = StripeEmulator(port=0).start()
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 1.0
        assert emulator.url.startswith("http://127.0.0.1:")
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": emulator.url})
        assert client.v1.customers.list().data == []
    finally:
        emulator.stop()


def test_reset_clears_objects_keys_endpoints_and_faults(emulator, client: stripe.StripeClient) -> None:
    client.v1.customers.create(params={}, options={"idempotency_key": "k1"})
    client.v1.webhook_endpoints.create(params={"url": "https://example.com", "enabled_events": ["*"]})
    emulator.inject_fault("GET", "/v1/customers", "http_500", count=10)

    urllib.request.urlopen(urllib.request.Request(f"{emulator.url}/_emulator/reset", method="POST"), timeout=5)

    assert client.v1.customers.list().data == []
    assert client.v1.webhook_endpoints.list().data == []
    assert client.v1.events.list().data == []
    client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"}, options={"idempotency_key": "k1"})


def test_request_log_counts_v1_requests(emulator, client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    client.v1.customers.retrieve(customer.id)

    assert emulator.request_count == 2
    assert emulator.request_log == [("POST", "/v1/customers"), ("GET", f"/v1/customers/{customer.id}")]


def test_concurrent_requests_are_consistent(client: stripe.StripeClient) -> None:
    created: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(10):
            customer = client.v1.customers.create()
            with lock:
                created.append(customer.id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    listed = [customer.id for customer in client.v1.customers.list(params={"limit": 100}).auto_paging_iter()]
    assert len(set(created)) == 80
    assert sorted(listed) == sorted(created)


def _raw(emulator: StripeEmulator, method: str, path: str, body: str = "", headers: dict | None = None):
    request = urllib.request.Request(
        f"{emulator.url}{path}", data=body.encode() if body else None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_missing_api_key_is_401_with_stripes_message(emulator) -> None:
    status, headers, body = _raw(emulator, "GET", "/v1/customers")

    assert status == 401
    assert headers["Request-Id"].startswith("req_")
    assert body["error"]["message"].startswith("You did not provide an API key.")
    assert set(body["error"]) == {"type", "message", "request_log_url"}


def test_basic_auth_and_curl_style_empty_bracket_arrays(emulator) -> None:
    basic = "Basic " + base64.b64encode(b"sk_test_abc:").decode()
    form = "url=https%3A%2F%2Fexample.com&enabled_events[]=charge.succeeded&enabled_events[]=charge.failed"

    status, _, body = _raw(emulator, "POST", "/v1/webhook_endpoints", form, {"Authorization": basic})

    assert status == 200
    assert body["enabled_events"] == ["charge.succeeded", "charge.failed"]


def test_cli_prints_url_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.stripe_emulator",
            "--port",
            "0",
            "--webhook-url",
            "http://127.0.0.1:9/h",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        second_line = process.stdout.readline()
        assert first_line.startswith("Stripe emulator listening on http://127.0.0.1:")
        assert "whsec_" in second_line
        url = first_line.rsplit(" ", 1)[1].strip()
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": url})
        assert client.v1.customers.create().id.startswith("cus_")
    finally:
        process.send_signal(2)
        assert process.wait(timeout=5) == 0


def test_emulator_http_endpoints_for_disputes_events_and_3ds_redirect(emulator, client: stripe.StripeClient) -> None:
    payment_intent = client.v1.payment_intents.create(
        params={
            "amount": 3000,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://example.com/back",
        }
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(payment_intent.next_action.redirect_to_url.url, timeout=5)
    succeeded = client.v1.payment_intents.retrieve(payment_intent.id)
    status, _, dispute = _raw(
        emulator, "POST", f"/_emulator/charges/{succeeded.latest_charge}/dispute", "reason=general"
    )
    _, _, events = _raw(emulator, "GET", "/_emulator/events")

    assert redirect.value.code == 302
    location = redirect.value.headers["Location"]
    assert location.startswith("https://example.com/back?payment_intent=" + payment_intent.id)
    assert "redirect_status=succeeded" in location
    assert succeeded.status == "succeeded"
    assert (status, dispute["reason"]) == (200, "general")
    assert events["data"][0]["type"] == "charge.dispute.created"
