"""Response bodies: amounts leave as decimals, timestamps as ISO-8601 UTC."""

from __future__ import annotations

from typing import Any

from linguaflex.models.domain import Booking, Payment, PaymentStatus
from linguaflex.money import to_decimal_amount

_MESSAGES = {
    PaymentStatus.SUCCEEDED: "Payment processed successfully",
    PaymentStatus.REQUIRES_ACTION: "Payment requires authentication",
    PaymentStatus.PROCESSING: "Payment is processing",
}


def payment_result(payment: Payment, used_saved_card: bool) -> dict[str, Any]:
    succeeded = payment.status is PaymentStatus.SUCCEEDED
    body: dict[str, Any] = {
        "success": True,
        "message": _MESSAGES.get(payment.status, f"Payment is {payment.status.value}"),
        "payment_id": payment.payment_id,
        "payment_intent_id": payment.payment_intent_id,
        "amount": to_decimal_amount(payment.amount_cents),
        "currency": payment.currency,
        "status": payment.status.value,
        "booking_id": payment.booking_id if succeeded else None,
    }
    if used_saved_card:
        body["used_saved_card"] = True
    else:
        body["payment_method_saved"] = bool(payment.save_card and succeeded)
    if payment.status is PaymentStatus.REQUIRES_ACTION and payment.next_action:
        body["next_action"] = payment.next_action
    return body


def payment_view(payment: Payment, booking: Booking | None) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "payment_intent_id": payment.payment_intent_id,
        "status": payment.status.value,
        "amount": to_decimal_amount(payment.amount_cents),
        "currency": payment.currency,
        "platform_fee": to_decimal_amount(payment.platform_fee_cents),
        "teacher_amount": to_decimal_amount(payment.teacher_cents),
        "refunded_amount": to_decimal_amount(payment.refunded_cents),
        "gig_id": payment.gig_id,
        "student_id": payment.student_id,
        "teacher_id": payment.teacher_id,
        "used_saved_card": payment.used_saved_card,
        "booking_id": payment.booking_id if payment.booking_created else None,
        "booking_status": booking.status.value if booking else None,
        "failure_code": payment.failure_code,
        "failure_message": payment.failure_message,
        "next_action": payment.next_action if payment.status is PaymentStatus.REQUIRES_ACTION else None,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }
