"""API Gateway HTTP API (payload 2.0) events, as API Gateway builds them, for handlers and the authorizer."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

API_ID = "local"
ACCOUNT_ID = "123456789012"


def _request_context(method: str, path: str, route_key: str, source_ip: str, user_agent: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": "127.0.0.1",
        "domainPrefix": "127",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(time.time() * 1000),
    }


def http_event(
    method: str,
    path: str,
    route_key: str,
    headers: dict[str, str],
    query: str,
    body: bytes,
    path_parameters: dict[str, str] | None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in headers.items()}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": _request_context(method, path, route_key, source_ip, lowered.get("user-agent", "")),
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def authorizer_event(http: dict[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0) API Gateway sends for an identity source header."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{API_ID}/$default/"
        + http["routeKey"].replace(" ", ""),
        "identitySource": [http["headers"].get("authorization", "")],
        "routeKey": http["routeKey"],
        "rawPath": http["rawPath"],
        "rawQueryString": http["rawQueryString"],
        "headers": http["headers"],
        "requestContext": http["requestContext"],
        "pathParameters": http.get("pathParameters", {}),
    }


def with_authorizer_context(http: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    http["requestContext"]["authorizer"] = {"lambda": context}
    return http
