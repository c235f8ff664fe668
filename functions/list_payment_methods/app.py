"""GET /api/payments/payment-methods/ and DELETE /api/payments/payment-methods/{id}/."""

from linguaflex import factory
from linguaflex.http import build_app, current_identity, lambda_handler_for, ok, path_id, require_role, route

app = build_app(validation=False)  # no body or query model: no pydantic on this cold start


@route(app, "GET", "/api/payments/payment-methods/")
def list_payment_methods():
    identity = current_identity(app)
    require_role(identity, "student")
    return ok(factory.payment_method_service().list(identity))


@route(app, "DELETE", "/api/payments/payment-methods/<card_id>/")
def delete_payment_method(card_id: int):
    identity = current_identity(app)
    require_role(identity, "student")
    return ok(factory.payment_method_service().remove(identity, path_id(card_id, "card_id")))


lambda_handler = lambda_handler_for(app)
