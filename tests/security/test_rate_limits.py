"""Card-testing defences: per-student hourly limits on new cards and on declined attempts.

The hourly window is frozen (the rate-limit clock is pinned to the middle of one fixed hour), so a test
can never straddle a window boundary: the counts and the Retry-After value are exact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from linguaflex import factory, rate_limits
from linguaflex.config import settings_from_env
from tests.support.client import card

pytestmark = pytest.mark.e2e

WINDOW_START = 2_000_001_600  # a multiple of 3600
FROZEN_NOW = WINDOW_START + 1800
DECLINED = "4000000000000002"


@pytest.fixture
def frozen_window(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WINDOW_START % rate_limits.WINDOW_SECONDS == 0
    monkeypatch.setattr(rate_limits, "time", SimpleNamespace(time=lambda: FROZEN_NOW))


def assert_rate_limited(response: Any, reason: str | None = None) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == "1800"
    body = response.json()
    assert body["success"] is False
    assert body["error"]
    assert body["details"]["retry_after"] == 1800
    if reason:
        assert body["details"]["reason"] == reason


def stripe_writes(stack: Any, since: int) -> list[tuple[str, str]]:
    return [entry for entry in stack.emulator.request_log[since:] if entry[0] != "GET"]


@pytest.mark.usefixtures("frozen_window")
def test_the_eleventh_new_card_in_an_hour_is_429(stack: Any, student: Any) -> None:
    saved = student.add_card("4242424242424242", save=True)
    assert saved.status_code == 201, saved.text
    for _ in range(9):
        assert student.add_card("5555555555554444", save=False).status_code == 201

    log_start = len(stack.emulator.request_log)
    assert_rate_limited(student.add_card("6011111111111117", save=False))
    assert_rate_limited(student.add_card("6011111111111117", save=True))
    assert_rate_limited(student.pay_new_card(gig_id=1, number="6011111111111117"))
    assert stripe_writes(stack, log_start) == []  # refused before Stripe is called

    # Paying with a card already saved is not a new card: still allowed.
    paid = student.pay_saved_card(saved.json()["payment_method_id"], gig_id=1)
    assert paid.status_code == 201, paid.text


@pytest.mark.usefixtures("frozen_window")
def test_after_five_declines_the_sixth_attempt_is_429_even_with_a_good_card(stack: Any, student: Any) -> None:
    for attempt in range(5):
        # A different expiry each time, so the duplicate-payment guard does not absorb the retries.
        details = card(DECLINED, exp_year=2030 + attempt)
        declined = student.post("/api/payments/process-payment/", {"gig_id": 1, "card_details": details})
        assert declined.status_code == 402, declined.text

    log_start = len(stack.emulator.request_log)
    assert_rate_limited(student.pay_new_card(gig_id=2, number="4242424242424242"), "too_many_declined_attempts")
    assert_rate_limited(student.add_card("4242424242424242", save=True), "too_many_declined_attempts")
    assert stripe_writes(stack, log_start) == []


@pytest.mark.usefixtures("frozen_window")
def test_the_limits_are_per_student(users: Any) -> None:
    first, second = users.student(), users.student()
    for _ in range(10):
        assert first.add_card(save=False).status_code == 201
    assert first.add_card(save=False).status_code == 429

    assert second.add_card(save=False).status_code == 201


def test_the_limits_are_read_from_the_environment() -> None:
    env = {"STRIPE_API_KEY": "sk_test_x", "MAX_NEW_CARDS_PER_HOUR": "3", "MAX_DECLINES_PER_HOUR": "2"}

    configured = settings_from_env(env)
    defaults = settings_from_env({"STRIPE_API_KEY": "sk_test_x"})

    assert (configured.max_new_cards_per_hour, configured.max_declines_per_hour) == (3, 2)
    assert (defaults.max_new_cards_per_hour, defaults.max_declines_per_hour) == (10, 5)


def test_the_window_key_is_per_user_kind_and_hour() -> None:
    window = rate_limits.window(42, rate_limits.NEW_CARDS, 10, now=FROZEN_NOW)

    assert window.key == f"RATE#42#new-cards#{WINDOW_START}"
    assert window.expires_at == WINDOW_START + 3600
    assert rate_limits.window(42, rate_limits.NEW_CARDS, 10, now=WINDOW_START + 3599).key == window.key
    assert rate_limits.window(42, rate_limits.NEW_CARDS, 10, now=WINDOW_START + 3600).key != window.key


@pytest.fixture
def two_cards_an_hour() -> Iterator[None]:
    """MAX_NEW_CARDS_PER_HOUR=2 for the in-process stack; the environment and the caches are restored."""
    saved = os.environ.get("MAX_NEW_CARDS_PER_HOUR")
    os.environ["MAX_NEW_CARDS_PER_HOUR"] = "2"
    factory.reset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MAX_NEW_CARDS_PER_HOUR", None)
        else:
            os.environ["MAX_NEW_CARDS_PER_HOUR"] = saved
        factory.reset()


@pytest.mark.usefixtures("frozen_window", "two_cards_an_hour")
def test_a_configured_limit_applies_end_to_end(student: Any) -> None:
    assert student.add_card(save=False).status_code == 201
    assert student.add_card(save=False).status_code == 201

    assert_rate_limited(student.add_card(save=False))
