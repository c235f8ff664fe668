"""Refund requests: students ask, admins list, approve (full or partial) or deny."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, created, current_identity, ok, require_role, route
from linguaflex.models.requests import RefundDecisionBody, RefundRequestBody
from linguaflex.observability import logger, metrics, tracer

app = build_app()


@route(app, "POST", "/api/payments/payments/<payment_id>/refund-request/")
def request_refund(payment_id: int, body: RefundRequestBody):
    identity = current_identity(app)
    require_role(identity, "student")
    return created(factory.refund_request_service().request(identity, payment_id, body.reason))


@route(app, "GET", "/api/payments/refund-requests/")
def list_refund_requests(
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    require_role(current_identity(app), "admin")
    return ok(factory.refund_request_service().list(status, limit, cursor))


@route(app, "POST", "/api/payments/refund-requests/<request_id>/approve/")
def approve_refund(request_id: int, body: RefundDecisionBody | None = None):
    identity = current_identity(app)
    require_role(identity, "admin")
    return ok(factory.refund_request_service().approve(identity, request_id, body.amount if body else None))


@route(app, "POST", "/api/payments/refund-requests/<request_id>/deny/")
def deny_refund(request_id: int, body: RefundDecisionBody | None = None):
    identity = current_identity(app)
    require_role(identity, "admin")
    return ok(factory.refund_request_service().deny(identity, request_id, body.note if body else None))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
