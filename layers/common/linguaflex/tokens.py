"""Verifying access tokens: pinned algorithms, required expiry, issuer and audience when configured."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from linguaflex.config import AuthSettings
from linguaflex.models.domain import Identity

_ROLES = {"student", "teacher", "admin"}


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Verified:
    identity: Identity
    claims: dict[str, Any]


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300)


def verify_access_token(token: str, settings: AuthSettings) -> Verified:
    try:
        key: Any
        if settings.mode == "jwks":
            if not settings.jwks_url:
                raise InvalidToken("JWKS URL not configured")
            key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
        else:
            assert settings.secret is not None
            key = settings.secret.get_secret_value()
        claims = jwt.decode(
            token,
            key=key,
            algorithms=list(settings.algorithms),
            issuer=settings.issuer,
            audience=settings.audience,
            leeway=settings.leeway_seconds,
            options={
                "require": ["exp"],
                "verify_aud": settings.audience is not None,
                "verify_iss": settings.issuer is not None,
            },
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(type(exc).__name__) from exc
    if claims.get("token_type", "access") != "access":
        raise InvalidToken("not an access token")
    raw_user = claims.get("user_id", claims.get("sub"))
    role = claims.get("role", "student")
    if raw_user is None or role not in _ROLES:
        raise InvalidToken("missing user or role")
    try:
        user_id = int(raw_user)
    except (TypeError, ValueError) as exc:
        raise InvalidToken("user id is not an integer") from exc
    if user_id <= 0:
        raise InvalidToken("user id is not positive")
    return Verified(Identity(user_id=user_id, role=role), claims)


def issue_token(secret: str, user_id: int, role: str, lifetime_seconds: int = 3600, **claims: Any) -> str:
    """Local development and tests only: mint an access token shaped like simplejwt's."""
    import time
    import uuid

    now = int(time.time())
    payload = {
        "token_type": "access",
        "user_id": user_id,
        "role": role,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")
