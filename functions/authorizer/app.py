"""HTTP API Lambda REQUEST authorizer (simple responses): verifies the bearer token with PyJWT.

Fails closed: anything but `Bearer <one valid access token>` is refused. A misconfiguration raises, which
API Gateway answers with a 500, never with access. The token is never logged, only a fixed reason.
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from linguaflex.config import get_auth_settings
from linguaflex.observability import logger, metrics
from linguaflex.tokens import MAX_TOKEN_CHARS, InvalidToken, verify_access_token

DENY = {"isAuthorized": False}
_MAX_HEADER_CHARS = MAX_TOKEN_CHARS + len("Bearer ")


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    token = _bearer_token(_authorization_header(event))
    if token is None:
        return _deny("malformed Authorization header")
    try:
        verified = verify_access_token(token, get_auth_settings())
    except InvalidToken as exc:
        return _deny(str(exc))
    identity = verified.identity
    return {"isAuthorized": True, "context": {"user_id": str(identity.user_id), "role": identity.role}}


def _deny(reason: str) -> dict:
    logger.info("Token refused", extra={"reason": reason})
    metrics.add_metric(name="TokensRefused", unit="Count", value=1)
    return DENY


def _bearer_token(header: str) -> str | None:
    """`Bearer <token>`; the scheme is case-insensitive (RFC 9110), the token a single word."""
    if len(header) > _MAX_HEADER_CHARS:
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def _authorization_header(event: dict) -> str:
    headers = event.get("headers") or {}
    value = headers.get("authorization") or headers.get("Authorization")
    if value is None:
        sources = event.get("identitySource") or []
        value = sources[0] if sources else ""
    return value if isinstance(value, str) else ""
