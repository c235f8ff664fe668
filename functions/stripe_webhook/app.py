"""POST /api/payments/stripe-webhook/: no JWT; Stripe's signature over the raw body is the authentication."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from linguaflex import factory
from linguaflex.http import build_app, ok, route
from linguaflex.observability import logger, metrics, tracer

app = build_app(max_body_bytes=512 * 1024)  # Stripe events are larger than our requests


@route(app, "POST", "/api/payments/stripe-webhook/")
def stripe_webhook():
    event = app.current_event
    payload = event.decoded_body or ""
    signature = event.headers.get("stripe-signature") or event.headers.get("Stripe-Signature") or ""
    return ok(factory.webhook_service().receive(payload, signature))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
