"""Verifying access tokens: pinned algorithms, required expiry, issuer and audience when configured.

Two modes, chosen by configuration and never by the token: `hs256` (a shared secret with the identity
service, e.g. djangorestframework-simplejwt) and `jwks` (RS256/ES256 public keys fetched from a JWKS URL).
The algorithm families never mix, so a token cannot pick its own verification method (`alg: none`,
HS256 signed with an RSA public key, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from linguaflex.auth_config import AuthSettings
from linguaflex.errors import ConfigurationError
from linguaflex.models.identity import Identity, Role

_ROLES: frozenset[str] = frozenset({"student", "teacher", "admin"})
_ACCESS = "access"  # simplejwt's token_type of an access token (a refresh token says "refresh")
# The algorithms each mode may ever use; the configured list is narrowed to these. `none` is in neither.
_MODE_ALGORITHMS: dict[str, frozenset[str]] = {
    "hs256": frozenset({"HS256", "HS384", "HS512"}),
    "jwks": frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}),
}
# simplejwt access tokens are ~250 characters, RS256 ones ~700: anything near this is not ours.
MAX_TOKEN_CHARS = 4096
# A positive decimal integer without sign, spaces, underscores or non-ASCII digits, below 2**53.
_USER_ID = re.compile(r"[1-9][0-9]{0,15}")
_MAX_USER_ID = 2**53
JWKS_TIMEOUT_SECONDS = 3  # below the authorizer's 5 s Lambda timeout
JWKS_LIFESPAN_SECONDS = 300


class InvalidToken(Exception):
    """The token is refused. The message is a fixed reason, never the token or a claim value."""


@dataclass(frozen=True)
class Verified:
    identity: Identity
    claims: dict[str, Any]


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # One client per container: the JWK set is cached for 5 minutes and an unknown `kid` forces at most one
    # refetch per cooldown. No per-key cache (`cache_keys`): it never expires, so a key withdrawn from the
    # JWKS would stay trusted for the life of a warm container.
    return jwt.PyJWKClient(url, cache_keys=False, lifespan=JWKS_LIFESPAN_SECONDS, timeout=JWKS_TIMEOUT_SECONDS)


def allowed_algorithms(settings: AuthSettings) -> list[str]:
    """The configured algorithms that the mode permits; a misconfiguration fails loudly, not open."""
    permitted = _MODE_ALGORITHMS[settings.mode]
    chosen = [name for name in settings.algorithms if name in permitted]
    if not chosen:
        raise ConfigurationError(f"JWT_ALGORITHMS has no algorithm usable in {settings.mode} mode")
    return chosen


def verify_access_token(token: str, settings: AuthSettings) -> Verified:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("token missing or too large")
    algorithms = allowed_algorithms(settings)
    key = _verification_key(token, settings)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=algorithms,
            issuer=settings.issuer,
            audience=settings.audience,
            leeway=settings.leeway_seconds,
            options={
                # nbf and iat (not in the future) are verified by PyJWT whenever present.
                "require": ["exp"],
                "verify_aud": settings.audience is not None,
                "verify_iss": settings.issuer is not None,
                "enforce_minimum_key_length": True,
            },
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(type(exc).__name__) from exc
    return Verified(_identity(claims), claims)


def _verification_key(token: str, settings: AuthSettings) -> Any:
    if settings.mode == "jwks":
        if not settings.jwks_url:
            raise ConfigurationError("JWT_JWKS_URL is not configured")
        try:
            # The PyJWK itself, not its raw key: PyJWT then binds the algorithm to the key's own type.
            return _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidToken(type(exc).__name__) from exc
    if settings.secret is None:
        raise ConfigurationError("JWT_SECRET (or JWT_SECRET_ARN) is not configured")
    return settings.secret.get_secret_value()


def _identity(claims: dict[str, Any]) -> Identity:
    if "token_type" in claims and claims["token_type"] != _ACCESS:
        raise InvalidToken("not an access token")
    user_id = _user_id(claims.get("user_id"))
    subject = _user_id(claims.get("sub"))
    if user_id is not None and subject is not None and user_id != subject:
        raise InvalidToken("user_id and sub disagree")
    user_id = user_id or subject
    if user_id is None:
        raise InvalidToken("no user in the token")
    role = claims.get("role", "student")
    if not isinstance(role, str) or role not in _ROLES:
        raise InvalidToken("unknown role")
    return Identity(user_id=user_id, role=_role(role))


def _user_id(value: Any) -> int | None:
    """simplejwt puts the user id as an int (or a str); `sub` is a str. Nothing else is a user id."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidToken("user id is not an integer")
    if isinstance(value, str):
        if not _USER_ID.fullmatch(value):
            raise InvalidToken("user id is not a positive integer")
        value = int(value)
    if not 0 < value < _MAX_USER_ID:
        raise InvalidToken("user id out of range")
    return value


def _role(value: str) -> Role:
    return value  # type: ignore[return-value]  # checked against _ROLES above


def issue_token(secret: str, user_id: int, role: str, lifetime_seconds: int = 3600, **claims: Any) -> str:
    """Local development and tests only: mint an access token shaped like simplejwt's."""
    import time
    import uuid

    now = int(time.time())
    payload = {
        "token_type": _ACCESS,
        "user_id": user_id,
        "role": role,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")
