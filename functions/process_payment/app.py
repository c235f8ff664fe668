"""POST /api/payments/process-payment/ (and /stripe-payments/process-payment/): pay for a gig."""

from linguaflex import factory
from linguaflex.http import (
    build_app,
    current_identity,
    idempotency_key,
    json_response,
    lambda_handler_for,
    require_role,
    route,
)
from linguaflex.models.requests import ProcessPaymentRequest

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


lambda_handler = lambda_handler_for(app)
