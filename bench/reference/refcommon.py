"""Shared plumbing of the reference handlers: plain boto3, the standard library, nothing else.

The reference exists to price our framework: each handler makes the same DynamoDB and Stripe calls as
the real function for the benchmarked requests, with the least code that still checks its input.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

TABLE = os.environ.get("TABLE_NAME", "linguaflex-payments")
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE_NAME", "linguaflex-idempotency")
db = boto3.client("dynamodb")

Outcome = tuple[int, dict[str, Any]]


def identity(event: dict[str, Any]) -> tuple[int, str] | None:
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    try:
        return int(context["user_id"]), str(context.get("role", "student"))
    except (KeyError, TypeError, ValueError):
        return None


def respond(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def error(status: int, message: str) -> dict[str, Any]:
    return respond(status, {"success": False, "error": message})


def json_body(event: dict[str, Any]) -> dict[str, Any] | None:
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def rate_key(user_id: int, kind: str) -> tuple[dict[str, Any], int]:
    now = int(time.time())
    start = now - now % 3600
    return key(f"RATE#{user_id}#{kind}#{start}", "WINDOW"), start + 3600


def idempotency_key(event: dict[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    return headers.get("idempotency-key") or headers.get("Idempotency-Key")


def idempotent(
    user_id: int, scope: str, key_value: str, body: dict[str, Any], action: Callable[[], Outcome]
) -> Outcome:
    """The same two writes as Powertools' idempotency: an in-progress record, then the stored response."""
    record_id = hashlib.md5(f"{user_id}|{scope}|{key_value}".encode(), usedforsecurity=False).hexdigest()
    digest = hmac.new(b"ref", json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()
    now = int(time.time())
    try:
        db.put_item(
            TableName=IDEMPOTENCY_TABLE,
            Item={
                "id": {"S": record_id},
                "expiration": {"N": str(now + 86400)},
                "status": {"S": "INPROGRESS"},
                "validation": {"S": digest},
            },
            ConditionExpression="attribute_not_exists(id) OR expiration < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return 409, {"success": False, "error": "Request in progress or already done"}
        raise
    status, result = action()
    db.update_item(
        TableName=IDEMPOTENCY_TABLE,
        Key={"id": {"S": record_id}},
        UpdateExpression="SET #s = :done, #d = :data",
        ExpressionAttributeNames={"#s": "status", "#d": "data"},
        ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":data": {"S": json.dumps([result, status])}},
    )
    return status, result
