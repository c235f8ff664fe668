"""POST /api/payments/process-payment/ (and /stripe-payments/process-payment/): pay for a gig."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, current_identity, idempotency_key, json_response, require_role, route
from linguaflex.models.requests import ProcessPaymentRequest
from linguaflex.observability import logger, metrics, tracer

app = build_app()


@route(app, "POST", "/api/payments/process-payment/")
@route(app, "POST", "/stripe-payments/process-payment/")
def process_payment(body: ProcessPaymentRequest):
    identity = current_identity(app)
    require_role(identity, "student")
    result, status = factory.run_idempotent(
        "process-payment",
        identity,
        idempotency_key(app),
        body,
        lambda: factory.payment_service().process(identity, body),
        app.lambda_context,
    )
    return json_response(status, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
