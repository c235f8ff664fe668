"""Ports: what the services need from the outside world. Adapters live in `linguaflex.adapters`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from linguaflex.cards import CheckedCard
from linguaflex.models.domain import (
    Booking,
    BookingStatus,
    Gig,
    IntentResult,
    NewCard,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundRequestStatus,
    SavedCard,
    StudentProfile,
)
from linguaflex.rate_limits import RateWindow


@dataclass(frozen=True)
class IntentRequest:
    """A PaymentIntent to create and confirm, paid by a saved PaymentMethod or by a new card."""

    amount_cents: int
    currency: str
    idempotency_key: str
    metadata: dict[str, str]
    payment_method: str | None = None
    card: CheckedCard | None = None
    cardholder_name: str | None = None
    customer_id: str | None = None
    off_session: bool = False
    save_for_future: bool = False
    application_fee_cents: int | None = None
    destination_account_id: str | None = None
    return_url: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if (self.payment_method is None) == (self.card is None):
            raise ValueError("An IntentRequest is paid by either a payment_method or a card")


class PaymentGateway(Protocol):
    def create_customer(self, student_id: int, idempotency_key: str) -> str: ...

    def create_payment_method(
        self, card: CheckedCard, cardholder_name: str | None, idempotency_key: str
    ) -> NewCard: ...

    def payment_method_for_card(self, card: CheckedCard) -> str | None:
        """A test-mode token standing for the card, when raw numbers must not be sent."""
        ...

    def attach_payment_method(self, payment_method: str, customer_id: str, idempotency_key: str) -> NewCard: ...

    def detach_payment_method(self, payment_method_id: str) -> None: ...

    def create_and_confirm_intent(self, request: IntentRequest) -> IntentResult: ...

    def retrieve_intent(self, payment_intent_id: str) -> IntentResult: ...

    def find_intent_for_payment(self, payment_id: int) -> str | None: ...

    def retrieve_charge_intent(self, charge_id: str) -> IntentResult: ...

    def refund(
        self, payment_intent_id: str, amount_cents: int, destination_charge: bool, idempotency_key: str
    ) -> str: ...

    def verify_webhook(self, payload: str, signature_header: str) -> dict[str, Any]: ...


class PaymentsRepository(Protocol):
    def get_gig_and_profile(
        self, gig_id: int, student_id: int, counter: RateWindow | None = None
    ) -> tuple[Gig | None, StudentProfile, int]: ...

    def get_profile(self, student_id: int) -> StudentProfile: ...

    def get_profile_and_count(self, student_id: int, counter: RateWindow) -> tuple[StudentProfile, int]: ...

    def consume(self, counter: RateWindow) -> None: ...

    def count_event(self, counter: RateWindow) -> None: ...

    def allocate_ids(self, *names: str) -> dict[str, int]: ...

    def create_payment(
        self,
        payment: Payment,
        duplicate_key: str | None,
        window_seconds: int,
        counter: RateWindow | None = None,
        replaces_payment_id: int | None = None,
    ) -> None: ...

    def find_duplicate(self, duplicate_key: str) -> Payment | None: ...

    def complete_payment(
        self,
        payment: Payment,
        booking: Booking,
        new_card: SavedCard | None,
        customer_id: str | None,
    ) -> None: ...

    def move_payment(
        self,
        payment_id: int,
        from_statuses: set[PaymentStatus],
        to_status: PaymentStatus,
        extra_condition: str | None = None,
        extra_values: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Payment: ...

    def get_payment(self, payment_id: int) -> Payment | None: ...

    def get_booking(self, booking_id: int) -> Booking | None: ...

    def list_payments(self, student_id: int, limit: int, cursor: str | None) -> tuple[list[Payment], str | None]: ...

    def save_card(self, student_id: int, customer_id: str, card: SavedCard, max_cards: int) -> SavedCard: ...

    def set_customer(self, student_id: int, customer_id: str) -> None: ...

    def delete_card(self, student_id: int, card: SavedCard) -> None: ...

    def remember_event(self, event_id: str, ttl_seconds: int) -> bool: ...

    def forget_event(self, event_id: str) -> None: ...

    def list_bookings(
        self, index: str, owner_key: str, limit: int, cursor: str | None
    ) -> tuple[list[Booking], str | None]: ...

    def move_booking(
        self, booking_id: int, from_statuses: set[BookingStatus], to_status: BookingStatus, **fields: Any
    ) -> Booking: ...

    def create_refund_request(self, request: RefundRequest) -> None: ...

    def get_refund_request(self, request_id: int) -> RefundRequest | None: ...

    def list_refund_requests(
        self, status: RefundRequestStatus | None, limit: int, cursor: str | None
    ) -> tuple[list[RefundRequest], str | None]: ...

    def decide_refund_request(
        self, request: RefundRequest, to_status: RefundRequestStatus, **fields: Any
    ) -> RefundRequest: ...

    def list_open_payments(self, created_before: str, limit: int = 100) -> list[Payment]: ...

    def payment_method_owner(self, payment_method_id: str) -> int | None: ...

    def remove_card_by_payment_method(self, student_id: int, payment_method_id: str) -> bool: ...
