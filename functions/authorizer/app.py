"""HTTP API Lambda REQUEST authorizer (simple responses): verifies the bearer token with PyJWT.

Fails closed: anything but `Bearer <one valid access token>` is refused. A misconfiguration raises, which
API Gateway answers with a 500, never with access. The token is never logged, only a fixed reason.

Deliberately lean (no Powertools, no pydantic): it sits on the cold path of every API request, and
importing those would double its cold start. It logs through the standard library (Lambda's JSON log
format) and writes its one metric in CloudWatch's embedded metric format.
"""

import json
import logging
import time
from typing import Any

from linguaflex.auth_config import get_auth_settings
from linguaflex.tokens import MAX_TOKEN_CHARS, InvalidToken, verify_access_token

logger = logging.getLogger("linguaflex-payments.authorizer")
logger.setLevel(logging.INFO)

DENY = {"isAuthorized": False}
_MAX_HEADER_CHARS = MAX_TOKEN_CHARS + len("Bearer ")


def lambda_handler(event: dict, context: Any) -> dict:
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
    print(json.dumps(_TOKENS_REFUSED | {"_aws": {**_TOKENS_REFUSED["_aws"], "Timestamp": int(time.time() * 1000)}}))
    return DENY


_TOKENS_REFUSED: dict[str, Any] = {
    "_aws": {
        "CloudWatchMetrics": [
            {
                "Namespace": "LinguaFlex",
                "Dimensions": [["service"]],
                "Metrics": [{"Name": "TokensRefused", "Unit": "Count"}],
            }
        ]
    },
    "service": "linguaflex-payments",
    "TokensRefused": 1,
}


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
