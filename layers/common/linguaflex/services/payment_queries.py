"""Reading payments: who may see what, and settling a stale payment from Stripe's truth on read."""

from __future__ import annotations

from typing import Any

from linguaflex.errors import NotFound, PaymentProviderUnavailable
from linguaflex.models.domain import Identity, Payment
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.settlement import OPEN_STATUSES, Settlement
from linguaflex.services.views import payment_view


class PaymentQueries:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._gateway = gateway
        self._settlement = Settlement(repository, gateway)

    def get(self, identity: Identity, payment_id: int) -> dict[str, Any]:
        payment = self._repository.get_payment(payment_id)
        if payment is None or not _may_see(identity, payment):
            raise NotFound("Payment not found")
        if payment.status in OPEN_STATUSES and payment.payment_intent_id:
            payment = self._refresh(payment)
        booking = self._repository.get_booking(payment.booking_id) if payment.booking_created else None
        return {"success": True, **payment_view(payment, booking)}

    def list(self, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
        payments, next_cursor = self._repository.list_payments(identity.user_id, limit, cursor)
        return {"results": [payment_view(p, None) for p in payments], "next_cursor": next_cursor}

    def _refresh(self, payment: Payment) -> Payment:
        assert payment.payment_intent_id is not None
        try:
            intent = self._gateway.retrieve_intent(payment.payment_intent_id)
        except PaymentProviderUnavailable:
            return payment  # the stored state is still the best answer we have
        return self._settlement.apply(payment, intent, intent.customer_id)


def _may_see(identity: Identity, payment: Payment) -> bool:
    if identity.role == "admin":
        return True
    if identity.role == "teacher":
        return payment.teacher_id == identity.user_id
    return payment.student_id == identity.user_id
