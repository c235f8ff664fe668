"""Settings helpers without heavy imports: the authorizer uses them on every cold start."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from linguaflex.errors import ConfigurationError

T = TypeVar("T")
SETTINGS_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within 5 minutes


class Refreshing(Generic[T]):
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


def secret_json(env: Mapping[str, str], arn_var: str) -> dict[str, str]:
    """Secrets Manager holds a JSON object. Read through botocore, not Powertools' parameters, whose
    import pulls in boto3 (see aws_clients.py); `Refreshing` already caches it for 5 minutes."""
    arn = env.get(arn_var)
    if not arn:
        return {}
    from linguaflex.aws_clients import client

    secret = client("secretsmanager").get_secret_value(SecretId=arn)
    value = secret.get("SecretString")
    if value is None:
        value = secret["SecretBinary"].decode()
    loaded = json.loads(value)
    if not isinstance(loaded, dict):
        raise ConfigurationError(f"The secret in {arn_var} must be a JSON object")
    return loaded
