"""HTTP API Lambda REQUEST authorizer (simple responses): verifies the bearer token with PyJWT."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from linguaflex.config import get_auth_settings
from linguaflex.observability import logger, metrics
from linguaflex.tokens import InvalidToken, verify_access_token

DENY = {"isAuthorized": False}


@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    header = _authorization_header(event)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return DENY
    try:
        verified = verify_access_token(token.strip(), get_auth_settings())
    except InvalidToken as exc:
        logger.info("Token refused", extra={"reason": str(exc)})
        metrics.add_metric(name="TokensRefused", unit="Count", value=1)
        return DENY
    identity = verified.identity
    return {"isAuthorized": True, "context": {"user_id": str(identity.user_id), "role": identity.role}}


def _authorization_header(event: dict) -> str:
    headers = event.get("headers") or {}
    value = headers.get("authorization") or headers.get("Authorization")
    if value is None:
        sources = event.get("identitySource") or []
        value = sources[0] if sources else ""
    return str(value)
