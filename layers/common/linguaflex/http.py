"""The API edge: one resolver factory, the identity from the authorizer, errors as the contract's envelope."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths

from linguaflex import errors
from linguaflex.models.domain import Identity, Role
from linguaflex.observability import logger, metrics, tracer

_ROLES: set[str] = {"student", "teacher", "admin"}
_FIELD_NAME = re.compile(r"[a-z][a-z_]{0,39}(\.[a-z][a-z_]{0,39}|\.\d{1,3})*")
MAX_BODY_BYTES = 16 * 1024


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def error_response(
    status: int, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"success": False, "error": message}
    if details:
        body["details"] = details
    return json_response(status, body, headers)


class PaymentsResolver(APIGatewayHttpResolver):
    """Refuses bodies that are too large, not UTF-8 or not a JSON object before anything parses them."""

    def __init__(self, max_body_bytes: int, enable_validation: bool = True) -> None:
        super().__init__(enable_validation=enable_validation)
        self._max_body_bytes = max_body_bytes

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        problem = body_problem(event, self._max_body_bytes)
        if problem is not None:
            status, message = problem
            return {
                "statusCode": status,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "body": json.dumps({"success": False, "error": message}),
                "isBase64Encoded": False,
            }
        return super().resolve(event, context)


def body_problem(event: Mapping[str, Any], max_body_bytes: int) -> tuple[int, str] | None:
    raw = event.get("body")
    if not raw:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = (headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return 415, "Content-Type must be application/json"
    try:
        data = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode("utf-8")
    except (binascii.Error, UnicodeEncodeError):
        return 400, "Request body is not valid"
    if len(data) > max_body_bytes:
        return 413, f"Request body is larger than {max_body_bytes} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "Request body is not valid UTF-8"
    try:
        parsed = json.loads(text)
    except ValueError:
        return None  # the validator answers with its field-level "not valid JSON" detail
    if not isinstance(parsed, dict):
        return 400, "Request body must be a JSON object"
    return None


def build_app(max_body_bytes: int = MAX_BODY_BYTES, validation: bool = True) -> APIGatewayHttpResolver:
    """`validation=False` for functions whose routes take no body or query model: Powertools' validation
    imports pydantic (see config.py). Their path ids then go through `path_id`."""
    app = PaymentsResolver(max_body_bytes, enable_validation=validation)

    @app.exception_handler(errors.DomainError)
    def domain_error(exc: errors.DomainError) -> Response:
        headers = None
        if isinstance(exc, errors.RateLimited | errors.RequestInProgress):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        if isinstance(exc, errors.RateLimited):
            metrics.add_metric(name="RateLimitedRequests", unit="Count", value=1)
        if exc.status_code >= 500:
            logger.warning("Dependency failure", extra={"error_type": type(exc).__name__})
        return error_response(exc.status_code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response:
        return error_response(400, "Invalid request", validation_details(exc.errors()))

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_content_type(_: RequestUnsupportedContentType) -> Response:
        return error_response(415, "Content-Type must be application/json")

    @app.not_found
    def not_found(_: Exception) -> Response:
        return error_response(404, "Not found")

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response:
        # The exception type only: its text may quote input. The redaction filter guards the traceback.
        logger.exception("Unhandled error", extra={"error_type": type(exc).__name__})
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        return error_response(500, "Internal error, the request was not completed")

    return app


def validation_details(problems: Any) -> dict[str, str]:
    """Field -> message, never the rejected input (it may be a card number)."""
    details: dict[str, str] = {}
    for problem in problems:
        location = [str(part) for part in problem.get("loc", ()) if part not in ("body",)]
        field = ".".join(location) or "body"
        if not _FIELD_NAME.fullmatch(field):
            field = "body"  # a name the client made up is input too: never echo it
        message = problem.get("msg", "Invalid value")
        if problem.get("type") == "json_invalid":
            field, message = "body", "Request body is not valid JSON"
        details.setdefault(field, message)
    return details


def path_id(value: int | str, name: str) -> int:
    """A path id, when the resolver runs without validation and hands it over as text."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise errors.InvalidRequest("Invalid request", {f"path.{name}": "Input should be a valid integer"})
    return int(text)


def route(app: APIGatewayHttpResolver, method: str, path: str, **options: Any) -> Callable[[Any], Any]:
    """Register a contract path and its twin without the trailing slash."""

    def register(handler: Any) -> Any:
        app.route(path, method, **options)(handler)
        if path.endswith("/"):
            app.route(path.rstrip("/"), method, include_in_schema=False, **options)(handler)
        return handler

    return register


def current_identity(app: APIGatewayHttpResolver) -> Identity:
    """Identity comes only from the authorizer's context, never from the request itself."""
    context = app.current_event.request_context.authorizer.get_lambda or {}
    user_id, role = context.get("user_id"), context.get("role", "student")
    if user_id is None or str(role) not in _ROLES:
        raise errors.Forbidden("Missing identity")
    try:
        identity = Identity(user_id=int(user_id), role=_role(str(role)))
    except ValueError as exc:
        raise errors.Forbidden("Missing identity") from exc
    logger.append_keys(user_id=identity.user_id)  # cleared per invocation (clear_state)
    return identity


def _role(value: str) -> Role:
    return value  # type: ignore[return-value]


def idempotency_key(app: APIGatewayHttpResolver) -> str | None:
    headers = app.current_event.headers or {}
    return headers.get("idempotency-key") or headers.get("Idempotency-Key")


def require_role(identity: Identity, *roles: Role) -> None:
    if identity.role not in roles:
        raise errors.Forbidden(f"This action requires the {' or '.join(roles)} role")


def created(body: dict[str, Any]) -> Response:
    return json_response(HTTPStatus.CREATED, body)


def ok(body: dict[str, Any]) -> Response:
    return json_response(HTTPStatus.OK, body)


def lambda_handler_for(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point every HTTP function shares: correlation id, metrics, tracing, then the routes."""

    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
    )
    @metrics.log_metrics(capture_cold_start_metric=True)
    @tracer.capture_lambda_handler(capture_response=False)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return lambda_handler
