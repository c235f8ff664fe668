"""Refund requests: students ask, admins list, approve (full or partial) or deny."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from linguaflex import factory
from linguaflex.http import build_app, created, current_identity, lambda_handler_for, ok, require_role, route
from linguaflex.models.requests import RefundDecisionBody, RefundRequestBody

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


lambda_handler = lambda_handler_for(app)
