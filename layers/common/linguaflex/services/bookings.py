"""Bookings exist only for succeeded payments; the gig's teacher confirms or declines (refund in full)."""

from __future__ import annotations

from typing import Any

from linguaflex.clock import utc_now_iso
from linguaflex.errors import InvalidRequest, NotFound
from linguaflex.models.domain import Booking, BookingStatus, Identity
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.refunds import Refunds

PENDING = {BookingStatus.PENDING_TEACHER_CONFIRMATION}


class BookingService:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._refunds = Refunds(repository, gateway)

    def confirm(self, identity: Identity, booking_id: int) -> dict[str, Any]:
        self._teachers_booking(identity, booking_id)
        booking = self._repository.move_booking(booking_id, PENDING, BookingStatus.CONFIRMED, updated_at=utc_now_iso())
        return {"success": True, "message": "Booking confirmed", **booking_view(booking)}

    def decline(self, identity: Identity, booking_id: int, reason: str | None) -> dict[str, Any]:
        self._teachers_booking(identity, booking_id)
        booking = self._repository.move_booking(
            booking_id, PENDING, BookingStatus.DECLINED, decline_reason=reason or "", updated_at=utc_now_iso()
        )
        payment = self._repository.get_payment(booking.payment_id)
        assert payment is not None
        remaining = payment.amount_cents - payment.refunded_cents
        if remaining > 0:
            payment = self._refunds.refund(payment, remaining, f"booking-{booking_id}-decline-refund")
        return {
            "success": True,
            "message": "Booking declined; the payment is refunded in full",
            **booking_view(booking),
            "payment_status": payment.status.value,
        }

    def list(
        self,
        identity: Identity,
        limit: int,
        cursor: str | None,
        student_id: int | None = None,
        teacher_id: int | None = None,
    ) -> dict[str, Any]:
        if identity.role == "student":
            index, owner = "gsi1", f"STUDENT#{identity.user_id}"
        elif identity.role == "teacher":
            index, owner = "gsi2", f"TEACHER#{identity.user_id}"
        elif student_id is not None:
            index, owner = "gsi1", f"STUDENT#{student_id}"
        elif teacher_id is not None:
            index, owner = "gsi2", f"TEACHER#{teacher_id}"
        else:
            raise InvalidRequest("Admins list bookings by student_id or teacher_id", {"student_id": "required"})
        bookings, next_cursor = self._repository.list_bookings(index, owner, limit, cursor)
        return {"results": [booking_view(b) for b in bookings], "next_cursor": next_cursor}

    def _teachers_booking(self, identity: Identity, booking_id: int) -> Booking:
        booking = self._repository.get_booking(booking_id)
        if booking is None or (identity.role != "admin" and booking.teacher_id != identity.user_id):
            raise NotFound("Booking not found")
        return booking


def booking_view(booking: Booking) -> dict[str, Any]:
    return {
        "booking_id": booking.booking_id,
        "payment_id": booking.payment_id,
        "gig_id": booking.gig_id,
        "student_id": booking.student_id,
        "teacher_id": booking.teacher_id,
        "booking_status": booking.status.value,
        "created_at": booking.created_at,
        "updated_at": booking.updated_at,
    }
