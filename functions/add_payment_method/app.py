"""POST /api/payments/add-payment-method/: tokenize a card and, if asked, save it for the student."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, current_identity, idempotency_key, json_response, require_role, route
from linguaflex.models.requests import AddPaymentMethodRequest
from linguaflex.observability import logger, metrics, tracer

app = build_app()


@route(app, "POST", "/api/payments/add-payment-method/")
def add_payment_method(body: AddPaymentMethodRequest):
    identity = current_identity(app)
    require_role(identity, "student")
    result, status = factory.run_idempotent(
        "add-payment-method",
        identity,
        idempotency_key(app),
        body,
        lambda: factory.payment_method_service().add(identity, body),
        app.lambda_context,
    )
    return json_response(status, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
