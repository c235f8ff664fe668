"""The authorizer's configuration: a plain dataclass, so the authorizer's cold start skips pydantic."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from linguaflex.errors import ConfigurationError
from linguaflex.refreshing import Refreshing, secret_json


class SecretValue(Protocol):
    def get_secret_value(self) -> str: ...


class Secret:
    """A string that never shows itself in a repr or a log line."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class AuthSettings:
    mode: Literal["hs256", "jwks"] = "hs256"
    secret: SecretValue | None = None
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("HS256",)
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 30


def auth_settings_from_env(env: Mapping[str, str]) -> AuthSettings:
    mode = env.get("JWT_MODE", "hs256").lower()
    if mode not in ("hs256", "jwks"):
        raise ConfigurationError(f"JWT_MODE must be hs256 or jwks, not {mode!r}")
    secret = secret_json(env, "JWT_SECRET_ARN").get("secret") or env.get("JWT_SECRET") or None
    if mode == "hs256" and not secret:
        raise ConfigurationError("JWT_SECRET (or JWT_SECRET_ARN) is not configured")
    default_algorithms = "HS256" if mode == "hs256" else "RS256,ES256"
    algorithms = tuple(a.strip() for a in env.get("JWT_ALGORITHMS", default_algorithms).split(",") if a.strip())
    return AuthSettings(
        mode=mode,  # type: ignore[arg-type]
        secret=Secret(secret) if secret else None,
        jwks_url=env.get("JWT_JWKS_URL") or None,
        algorithms=algorithms,
        issuer=env.get("JWT_ISSUER") or None,
        audience=env.get("JWT_AUDIENCE") or None,
        leeway_seconds=int(env.get("JWT_LEEWAY_SECONDS", "30")),
    )


get_auth_settings = Refreshing(lambda: auth_settings_from_env(os.environ))
