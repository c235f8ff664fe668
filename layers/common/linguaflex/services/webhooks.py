"""Stripe webhooks: verified, processed once per event id, applied from Stripe's current state."""

from __future__ import annotations

from typing import Any

from linguaflex.clock import utc_now_iso
from linguaflex.errors import Conflict, InvalidRequest
from linguaflex.models.domain import Payment, PaymentStatus
from linguaflex.observability import logger, metrics
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.settlement import Settlement, record_refund_total

DISPUTABLE = {
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUND_PENDING,
    PaymentStatus.REFUNDED,
}

EVENT_MEMORY_SECONDS = 7 * 24 * 3600
_INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.canceled",
    "payment_intent.processing",
}


class WebhookService:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._gateway = gateway
        self._settlement = Settlement(repository, gateway)

    def receive(self, payload: str, signature_header: str) -> dict[str, Any]:
        try:
            event = self._gateway.verify_webhook(payload, signature_header)
        except InvalidRequest:
            metrics.add_metric(name="WebhookSignatureFailures", unit="Count", value=1)
            raise
        event_id, event_type = str(event["id"]), str(event["type"])
        if not self._repository.remember_event(event_id, EVENT_MEMORY_SECONDS):
            metrics.add_metric(name="WebhookDuplicates", unit="Count", value=1)
            return {"received": True, "duplicate": True}
        try:
            handled = self._dispatch(event_type, event.get("data", {}).get("object", {}))
        except Exception:
            # Forget the event so Stripe's retry is processed; the 5xx makes Stripe retry.
            self._repository.forget_event(event_id)
            raise
        metrics.add_metric(name="WebhooksProcessed", unit="Count", value=1)
        logger.info("Webhook processed", extra={"event_id": event_id, "event_type": event_type, "handled": handled})
        return {"received": True, "handled": handled}

    def _dispatch(self, event_type: str, obj: dict[str, Any]) -> bool:
        if event_type in _INTENT_EVENTS:
            return self._on_intent(obj)
        if event_type == "charge.refunded":
            return self._on_refund(obj)
        if event_type == "charge.dispute.created":
            return self._on_dispute(obj)
        if event_type == "payment_method.detached":
            return self._on_detached(obj)
        return False  # acknowledged, nothing to do

    def _payment_of_charge(self, charge_id: str) -> Payment | None:
        payment_id = self._gateway.retrieve_charge_intent(charge_id).metadata.get("payment_id", "")
        return self._repository.get_payment(int(payment_id)) if payment_id.isdigit() else None

    def _on_refund(self, charge: dict[str, Any]) -> bool:
        payment = self._payment_of_charge(str(charge["id"]))
        if payment is None:
            return False
        record_refund_total(self._repository, payment, int(charge.get("amount_refunded") or 0))
        return True

    def _on_dispute(self, dispute: dict[str, Any]) -> bool:
        payment = self._payment_of_charge(str(dispute["charge"]))
        if payment is None:
            return False
        try:
            self._repository.move_payment(
                payment.payment_id,
                DISPUTABLE,
                PaymentStatus.DISPUTED,
                dispute_id=str(dispute.get("id", "")),
                updated_at=utc_now_iso(),
            )
        except Conflict:
            return True  # already disputed (or never settled): nothing moves backwards
        metrics.add_metric(name="PaymentsDisputed", unit="Count", value=1)
        return True

    def _on_detached(self, payment_method: dict[str, Any]) -> bool:
        payment_method_id = str(payment_method["id"])
        student_id = self._repository.payment_method_owner(payment_method_id)
        if student_id is None:
            return False
        return self._repository.remove_card_by_payment_method(student_id, payment_method_id)

    def _on_intent(self, intent_object: dict[str, Any]) -> bool:
        payment_id = (intent_object.get("metadata") or {}).get("payment_id")
        if not payment_id or not str(payment_id).isdigit():
            return False  # not one of ours
        payment = self._repository.get_payment(int(payment_id))
        if payment is None:
            return False
        # The event may be stale or out of order: apply what Stripe says now.
        intent = self._gateway.retrieve_intent(str(intent_object["id"]))
        self._settlement.apply(payment, intent, intent.customer_id)
        return True
