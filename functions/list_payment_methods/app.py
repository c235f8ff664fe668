"""GET /api/payments/payment-methods/ and DELETE /api/payments/payment-methods/{id}/."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, current_identity, ok, require_role, route
from linguaflex.observability import logger, metrics, tracer

app = build_app()


@route(app, "GET", "/api/payments/payment-methods/")
def list_payment_methods():
    identity = current_identity(app)
    require_role(identity, "student")
    return ok(factory.payment_method_service().list(identity))


@route(app, "DELETE", "/api/payments/payment-methods/<card_id>/")
def delete_payment_method(card_id: int):
    identity = current_identity(app)
    require_role(identity, "student")
    return ok(factory.payment_method_service().remove(identity, card_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
