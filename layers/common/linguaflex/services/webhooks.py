"""Stripe webhooks: verified, processed once per event id, applied from Stripe's current state."""

from __future__ import annotations

from typing import Any

from linguaflex.observability import logger, metrics
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.settlement import Settlement

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
        event = self._gateway.verify_webhook(payload, signature_header)
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
        return False  # acknowledged, nothing to do

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
