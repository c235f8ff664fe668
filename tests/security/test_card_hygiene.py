"""Card numbers and CVCs go to Stripe and nowhere else: not in logs, not in responses, not in DynamoDB.

Every Stripe test card runs through add-payment-method (save true/false) and process-payment (new card
with save_card false/true, then the saved card), end to end through the local stack. Every log record of
every logger (at DEBUG, before any formatter), every line our Powertools logger printed, everything
written to stdout/stderr, every response body and a full Scan of both DynamoDB tables are then searched
for each number (plain, spaced, dashed) and CVC. last4 is allowed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from linguaflex.observability import logger as app_logger
from tests.security.helpers import (
    AMEX_CVC,
    CVC,
    TEST_CARDS,
    Findings,
    LogCapture,
    _Tee,
    capture_logs,
    cvc_for,
    scan_table,
)
from tests.support.client import card, unique_key

pytestmark = pytest.mark.e2e

CVCS = (CVC, AMEX_CVC)


@dataclass
class Run:
    logs: LogCapture
    printed: str
    responses: list[tuple[str, str]] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)


@contextlib.contextmanager
def tee_std_streams() -> Iterator[io.StringIO]:
    copy = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, copy)), contextlib.redirect_stderr(_Tee(sys.stderr, copy)):
        yield copy


def _flows(users: Any, number: str, run: Run, spaced: bool = False) -> None:
    student = users.student()
    details = card(number, cvc=cvc_for(number))
    if spaced:
        details["card_number"] = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    statuses = run.statuses.setdefault(details["card_number"], [])

    def call(label: str, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else None
        response = student.request(method, path, json=body, headers=headers)
        run.responses.append((f"{label} {number[-4:]}", response.text))
        statuses.append(response.status_code)
        return response

    saved = call("add save", "POST", "/api/payments/add-payment-method/", {**details, "save_for_future": True})
    call("add once", "POST", "/api/payments/add-payment-method/", {**details, "save_for_future": False})
    pay = "/api/payments/process-payment/"
    call("pay new", "POST", pay, {"gig_id": 1, "card_details": details, "save_card": False}, unique_key())
    call("pay new+save", "POST", pay, {"gig_id": 2, "card_details": details, "save_card": True}, unique_key())
    if saved.status_code in (200, 201):
        pm = saved.json()["payment_method_id"]
        call("pay saved", "POST", "/stripe-payments/process-payment/", {"gig_id": 1, "saved_payment_method_id": pm})
    call("list cards", "GET", "/api/payments/payment-methods/")
    payments = call("list payments", "GET", "/api/payments/payments/")
    for payment in payments.json().get("results", []):
        call("get payment", "GET", f"/api/payments/payments/{payment['payment_id']}/")
    for saved_card in student.get("/api/payments/payment-methods/").json().get("results", []):
        call("delete card", "DELETE", f"/api/payments/payment-methods/{saved_card['id']}/")


@pytest.fixture(scope="module")
def run(stack: Any, users: Any) -> Run:
    with capture_logs(logging.DEBUG) as logs, tee_std_streams() as printed:
        result = Run(logs=logs, printed="")
        # Four students at a time (the stack runs four containers per function); each card its own student.
        jobs = [(number, False) for number in TEST_CARDS] + [("4242424242424242", True), ("378282246310005", True)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: _flows(users, job[0], result, spaced=job[1]), jobs))
        stack.emulator.wait_for_deliveries(timeout=15)
    result.printed = printed.getvalue()
    return result


def test_the_flows_really_ran(run: Run) -> None:
    """Guard against a vacuous pass: successes, declines, 3-D Secure and invalid numbers all happened."""
    every = [status for statuses in run.statuses.values() for status in statuses]
    assert every.count(201) >= 20
    assert 402 in run.statuses["4000000000000002"]
    assert 202 in run.statuses["4000002760003184"]  # requires_action
    assert set(run.statuses["4242424242424241"]) <= {402, 200}  # Luhn failure: refused before Stripe
    assert len(run.logs.records) > 100
    assert '"level":"INFO"' in run.logs.emitted.getvalue()


def _is_stripe_post_details(record: logging.LogRecord) -> bool:
    # Known leak, asserted separately below (stripe-python logs every request body at DEBUG).
    return record.name == "stripe" and record.levelno == logging.DEBUG


def test_no_log_record_contains_card_data(run: Run) -> None:
    findings = Findings()
    for where, text in run.logs.raw_texts(skip=_is_stripe_post_details):
        findings.scan_text(where, text, TEST_CARDS, CVCS)

    assert findings.hits == []


def test_no_emitted_log_line_or_printed_output_contains_card_data(run: Run) -> None:
    findings = Findings()
    findings.scan_text("Powertools JSON lines", run.logs.emitted.getvalue(), TEST_CARDS, CVCS)
    findings.scan_text("stdout/stderr", run.printed, TEST_CARDS, CVCS)

    assert findings.hits == []


def test_no_response_body_contains_card_data(run: Run) -> None:
    findings = Findings()
    for where, text in run.responses:
        findings.scan_text(where, text, TEST_CARDS, CVCS)
        with contextlib.suppress(ValueError):
            import json

            findings.scan_value(where, json.loads(text), TEST_CARDS, CVCS)

    assert findings.hits == []
    assert any('"card_last4":"4242"' in text or '"card_last4": "4242"' in text for _, text in run.responses)


@pytest.mark.parametrize("table", ["table_name", "idempotency_table_name"])
def test_no_dynamodb_item_contains_card_data(stack: Any, run: Run, table: str) -> None:
    findings = Findings()
    scanned = scan_table(stack.dynamodb(), getattr(stack, table))
    for item in scanned:
        findings.scan_value(f"{table}: {item.get('pk', {}).get('S', '?')}", item, TEST_CARDS, CVCS)

    assert scanned
    assert findings.hits == []


def test_no_logger_emits_card_data_even_at_debug(run: Run) -> None:
    findings = Findings()
    for where, text in run.logs.raw_texts():
        findings.scan_text(where, text, TEST_CARDS, CVCS)

    assert findings.hits == []


def test_the_redacting_formatter_is_a_second_line_of_defence() -> None:
    """Even if code logged a card number, the formatter of our logger masks it."""
    stream = io.StringIO()
    handler = app_logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        app_logger.info("Card 4242424242424242 and 4242 4242 4242 4242, cvc=737", extra={"number": "5555555555554444"})
        app_logger.info({"card_number": "378282246310005", "cvc": "7373"})
        try:
            raise ValueError("bad card 6011111111111117")
        except ValueError:
            app_logger.exception("Failure")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]

    written = stream.getvalue()
    assert written.count("[REDACTED]") >= 6
    findings = Findings()
    findings.scan_text(
        "redacted output",
        written,
        ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"],
        CVCS,
    )
    assert findings.hits == []
