"""GET /api/payments/payments/{payment_id}/ and GET /api/payments/payments/."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, current_identity, ok, route
from linguaflex.observability import logger, metrics, tracer

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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
