"""Moving a payment forward from what Stripe says about its PaymentIntent.

Used by process-payment, the webhook and reconciliation alike, so all three agree. Every move is a
conditional write that only goes forward; losing a race to another path is not an error.
"""

from __future__ import annotations

import dataclasses

from linguaflex.adapters.dynamo import ABANDONED
from linguaflex.clock import utc_now_iso
from linguaflex.errors import Conflict
from linguaflex.models.domain import Booking, BookingStatus, IntentResult, Payment, PaymentStatus
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.payment_methods import saved_card

OPEN_STATUSES = {PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION}


class Settlement:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._gateway = gateway

    def apply(self, payment: Payment, intent: IntentResult, customer_id: str | None = None) -> Payment:
        if payment.status not in OPEN_STATUSES and not _late_success(payment, intent):
            return payment
        try:
            if intent.status == "succeeded":
                return self._succeed(payment, intent, customer_id)
            if intent.status == "requires_action":
                return self._repository.move_payment(
                    payment.payment_id,
                    {PaymentStatus.PROCESSING},
                    PaymentStatus.REQUIRES_ACTION,
                    payment_intent_id=intent.payment_intent_id,
                    next_action=_json_text(intent.next_action),
                    updated_at=utc_now_iso(),
                )
            if intent.status in {"requires_payment_method", "canceled"}:
                status = (
                    PaymentStatus.CANCELED
                    if intent.status == "canceled" and not intent.error_code
                    else PaymentStatus.FAILED
                )
                return self._repository.move_payment(
                    payment.payment_id,
                    OPEN_STATUSES,
                    status,
                    payment_intent_id=intent.payment_intent_id,
                    failure_code=intent.error_code or intent.status,
                    failure_message=intent.error_message or "The payment was not completed",
                    failure_decline_code=intent.decline_code,
                    next_action=None,
                    updated_at=utc_now_iso(),
                )
        except Conflict:
            # Another path (webhook, reconciliation, a retry) moved it first; its result stands.
            current = self._repository.get_payment(payment.payment_id)
            return current if current is not None else payment
        return payment  # processing or requires_capture at Stripe: nothing to record yet

    def _succeed(self, payment: Payment, intent: IntentResult, customer_id: str | None) -> Payment:
        now = utc_now_iso()
        card = intent.payment_method
        done = dataclasses.replace(
            payment,
            status=PaymentStatus.SUCCEEDED,
            payment_intent_id=intent.payment_intent_id,
            payment_method_id=card.stripe_payment_method_id if card else payment.payment_method_id,
            updated_at=now,
            booking_created=True,
            next_action=None,
        )
        booking = Booking(
            booking_id=payment.booking_id,
            payment_id=payment.payment_id,
            student_id=payment.student_id,
            teacher_id=payment.teacher_id,
            gig_id=payment.gig_id,
            status=BookingStatus.PENDING_TEACHER_CONFIRMATION,
            created_at=now,
            updated_at=now,
        )
        new_card = (
            saved_card(payment.card_id, card)
            if payment.save_card and card is not None and customer_id and payment.card_id is not None
            else None
        )
        self._repository.complete_payment(done, booking, new_card, customer_id)
        return done


def _late_success(payment: Payment, intent: IntentResult) -> bool:
    """We gave up waiting for Stripe, yet the charge went through: the charge wins, never lost."""
    return payment.status is PaymentStatus.FAILED and payment.failure_code == ABANDONED and intent.status == "succeeded"


def _json_text(value: object) -> object:
    import json

    return json.dumps(value) if value is not None else None


REFUNDABLE = {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUND_PENDING}


def record_refund_total(repository: PaymentsRepository, payment: Payment, total_refunded_cents: int) -> Payment:
    """Stripe's running total of refunds on the charge; only ever moves the payment's total up."""
    if total_refunded_cents <= 0 or total_refunded_cents < payment.refunded_cents:
        return payment
    status = (
        PaymentStatus.REFUNDED if total_refunded_cents >= payment.amount_cents else PaymentStatus.PARTIALLY_REFUNDED
    )
    try:
        return repository.move_payment(
            payment.payment_id,
            REFUNDABLE | {PaymentStatus.DISPUTED},
            status,
            extra_condition="refunded_cents <= :total",
            extra_values={":total": {"N": str(total_refunded_cents)}},
            refunded_cents=min(total_refunded_cents, payment.amount_cents),
            pending_refund_cents=0,
            updated_at=utc_now_iso(),
        )
    except Conflict:
        current = repository.get_payment(payment.payment_id)
        return current if current is not None else payment
