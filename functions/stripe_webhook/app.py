"""POST /api/payments/stripe-webhook/: no JWT; Stripe's signature over the raw body is the authentication."""

from linguaflex import factory
from linguaflex.http import build_app, lambda_handler_for, ok, route

# Stripe events are larger than our requests; the raw body is all we read, so no validation (no pydantic).
app = build_app(max_body_bytes=512 * 1024, validation=False)


@route(app, "POST", "/api/payments/stripe-webhook/")
def stripe_webhook():
    event = app.current_event
    payload = event.decoded_body or ""
    signature = event.headers.get("stripe-signature") or event.headers.get("Stripe-Signature") or ""
    return ok(factory.webhook_service().receive(payload, signature))


lambda_handler = lambda_handler_for(app)
