"""Typed configuration, read once per container from the environment (and Secrets Manager in AWS)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from linguaflex.errors import ConfigurationError

T = TypeVar("T")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str
    idempotency_table_name: str
    stripe_api_key: SecretStr
    stripe_webhook_secret: SecretStr | None = None
    # Points the real stripe SDK at the local emulator; unset in AWS.
    stripe_api_base: str | None = None
    # Real Stripe refuses raw card numbers without raw-card-data access; in test mode we can send the
    # matching `pm_card_*` token instead.
    stripe_map_test_cards: bool = False
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 20.0
    platform_fee_bps: int = Field(default=1000, ge=0, le=10_000)
    return_url: str = "https://linguaflex.example/payments/return"
    duplicate_payment_window_seconds: int = Field(default=60, ge=0)
    webhook_tolerance_seconds: int = 300
    max_new_cards_per_hour: int = 10
    max_declines_per_hour: int = 5
    max_saved_cards: int = 20


class AuthSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: Literal["hs256", "jwks"] = "hs256"
    secret: SecretStr | None = None
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("HS256",)
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 30


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_json(env: Mapping[str, str], arn_var: str) -> dict[str, str]:
    """Secrets Manager holds a JSON object; Powertools' parameters cache it for 5 minutes."""
    arn = env.get(arn_var)
    if not arn:
        return {}
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(arn, max_age=300)
    return json.loads(value) if isinstance(value, str) else json.loads(value.decode())


def settings_from_env(env: Mapping[str, str]) -> Settings:
    secret = _secret_json(env, "STRIPE_SECRET_ARN")
    api_key = secret.get("api_key") or env.get("STRIPE_API_KEY")
    if not api_key:
        raise ConfigurationError("STRIPE_API_KEY (or STRIPE_SECRET_ARN) is not configured")
    webhook_secret = secret.get("webhook_secret") or env.get("STRIPE_WEBHOOK_SECRET") or None
    api_base = env.get("STRIPE_API_BASE") or None
    # Default: map test cards only when talking to real Stripe with a test key.
    map_default = api_key.startswith("sk_test_") and api_base is None
    values: dict[str, object] = {
        "table_name": env.get("TABLE_NAME", "linguaflex-payments"),
        "idempotency_table_name": env.get("IDEMPOTENCY_TABLE_NAME", "linguaflex-idempotency"),
        "stripe_api_key": api_key,
        "stripe_webhook_secret": webhook_secret,
        "stripe_api_base": api_base,
        "stripe_map_test_cards": _flag(env.get("STRIPE_MAP_TEST_CARDS"), map_default),
    }
    optional_ints = {
        "platform_fee_bps": "PLATFORM_FEE_BPS",
        "duplicate_payment_window_seconds": "DUPLICATE_PAYMENT_WINDOW_SECONDS",
        "webhook_tolerance_seconds": "WEBHOOK_TOLERANCE_SECONDS",
        "max_new_cards_per_hour": "MAX_NEW_CARDS_PER_HOUR",
        "max_declines_per_hour": "MAX_DECLINES_PER_HOUR",
        "max_saved_cards": "MAX_SAVED_CARDS",
        "stripe_max_network_retries": "STRIPE_MAX_NETWORK_RETRIES",
    }
    for field, var in optional_ints.items():
        if env.get(var):
            values[field] = int(env[var])
    if env.get("PAYMENT_RETURN_URL"):
        values["return_url"] = env["PAYMENT_RETURN_URL"]
    return Settings.model_validate(values)


def auth_settings_from_env(env: Mapping[str, str]) -> AuthSettings:
    mode = env.get("JWT_MODE", "hs256").lower()
    secret = _secret_json(env, "JWT_SECRET_ARN").get("secret") or env.get("JWT_SECRET") or None
    if mode == "hs256" and not secret:
        raise ConfigurationError("JWT_SECRET (or JWT_SECRET_ARN) is not configured")
    default_algorithms = "HS256" if mode == "hs256" else "RS256,ES256"
    algorithms = tuple(a.strip() for a in env.get("JWT_ALGORITHMS", default_algorithms).split(",") if a)
    return AuthSettings(
        mode=mode,  # type: ignore[arg-type]
        secret=secret,
        jwks_url=env.get("JWT_JWKS_URL") or None,
        algorithms=algorithms,
        issuer=env.get("JWT_ISSUER") or None,
        audience=env.get("JWT_AUDIENCE") or None,
        leeway_seconds=int(env.get("JWT_LEEWAY_SECONDS", "30")),
    )


SETTINGS_MAX_AGE_SECONDS = 300  # as Powertools caches the secrets: a rotated secret is picked up within 5 min


class _Refreshing(Generic[T]):
    """Settings read once per container, then again every few minutes so rotated secrets take effect."""

    def __init__(self, load: Callable[[], T], max_age_seconds: float = SETTINGS_MAX_AGE_SECONDS) -> None:
        self._load = load
        self._max_age = max_age_seconds
        self._value: T | None = None
        self._loaded_at = 0.0

    def __call__(self) -> T:
        now = time.monotonic()
        if self._value is None or now - self._loaded_at >= self._max_age:
            self._value, self._loaded_at = self._load(), now
        return self._value

    def cache_clear(self) -> None:
        self._value = None


get_settings = _Refreshing(lambda: settings_from_env(os.environ))
get_auth_settings = _Refreshing(lambda: auth_settings_from_env(os.environ))
