"""Idempotency-Key on POSTs: Powertools' idempotency utility on DynamoDB, keyed on caller + key.

The stored record holds the response we gave (never card data) and a hash of a keyed digest of the
request body, so the same key with another body is refused rather than replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel, SecretStr

from linguaflex.errors import CardRejected, IdempotencyKeyReused, InvalidRequest, RequestInProgress
from linguaflex.models.domain import Identity

EXPIRY_SECONDS = 24 * 3600  # as Stripe keeps its keys
MAX_KEY_LENGTH = 255

Outcome = tuple[dict[str, Any], int]


def body_digest(secret: str, body: BaseModel) -> str:
    """A keyed digest of the full body: card numbers change it, yet cannot be recovered from it."""
    canonical = json.dumps(body.model_dump(), sort_keys=True, separators=(",", ":"), default=_reveal)
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _reveal(value: Any) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


class IdempotentRunner:
    def __init__(self, client: Any, table_name: str, lambda_context: Any = None) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[user_id, scope, key]",
            payload_validation_jmespath="digest",
            expires_after_seconds=EXPIRY_SECONDS,
            use_local_cache=False,
        )
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)

        @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=self._config)
        def run(*, request: dict[str, Any], action: Callable[[], Outcome]) -> dict[str, Any]:
            body, status = _stored_outcome(action)
            return {"body": body, "status": status}

        self._run = run

    def register_lambda_context(self, context: Any) -> None:
        self._config.register_lambda_context(context)

    def run(
        self, scope: str, identity: Identity, key: str | None, digest: str, action: Callable[[], Outcome]
    ) -> Outcome:
        if key is None:
            return action()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidRequest("Invalid Idempotency-Key header", {"Idempotency-Key": "1 to 255 printable characters"})
        request = {"user_id": identity.user_id, "scope": scope, "key": key, "digest": digest}
        try:
            stored = self._run(request=request, action=action)
        except IdempotencyAlreadyInProgressError as exc:
            raise RequestInProgress() from exc
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused() from exc
        return stored["body"], int(stored["status"])


def _stored_outcome(action: Callable[[], Outcome]) -> Outcome:
    """A card decline is a final answer and is replayed like a success; other errors are retryable."""
    try:
        return action()
    except CardRejected as exc:
        body: dict[str, Any] = {"success": False, "error": exc.message}
        if exc.details:
            body["details"] = exc.details
        return body, exc.status_code
