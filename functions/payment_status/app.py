"""GET /api/payments/payments/{payment_id}/ and GET /api/payments/payments/."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from linguaflex import factory
from linguaflex.http import build_app, current_identity, lambda_handler_for, ok, route

app = build_app()


@route(app, "GET", "/api/payments/payments/")
def list_payments(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    identity = current_identity(app)
    return ok(factory.payment_queries().list(identity, limit, cursor))


@route(app, "GET", "/api/payments/payments/<payment_id>/")
def get_payment(payment_id: int):
    identity = current_identity(app)
    return ok(factory.payment_queries().get(identity, payment_id))


lambda_handler = lambda_handler_for(app)
