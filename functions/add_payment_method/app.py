"""POST /api/payments/add-payment-method/: tokenize a card and, if asked, save it for the student."""

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
from linguaflex.models.requests import AddPaymentMethodRequest

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


lambda_handler = lambda_handler_for(app)
