"""Domain records as the services see them; the repository maps them to DynamoDB items."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Re-exported: most modules import them from here.
from linguaflex.models.identity import Identity as Identity
from linguaflex.models.identity import Role as Role


class PaymentStatus(StrEnum):
    PROCESSING = "processing"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUND_PENDING = "refund_pending"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


class RefundRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REFUNDED = "refunded"


class BookingStatus(StrEnum):
    PENDING_TEACHER_CONFIRMATION = "pending_teacher_confirmation"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELED = "canceled"


@dataclass(frozen=True)
class Gig:
    gig_id: int
    teacher_id: int
    price_cents: int
    active: bool
    title: str = ""
    teacher_account_id: str | None = None


@dataclass(frozen=True)
class SavedCard:
    id: int
    stripe_payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    created_at: str


@dataclass(frozen=True)
class StudentProfile:
    student_id: int
    stripe_customer_id: str | None = None
    cards: tuple[SavedCard, ...] = ()

    def card_by_payment_method(self, payment_method_id: str) -> SavedCard | None:
        return next((c for c in self.cards if c.stripe_payment_method_id == payment_method_id), None)

    def card_by_fingerprint(self, fingerprint: str) -> SavedCard | None:
        return next((c for c in self.cards if c.fingerprint == fingerprint), None)

    def card_by_id(self, card_id: int) -> SavedCard | None:
        return next((c for c in self.cards if c.id == card_id), None)


@dataclass
class Payment:
    payment_id: int
    booking_id: int
    student_id: int
    teacher_id: int
    gig_id: int
    amount_cents: int
    platform_fee_cents: int
    teacher_cents: int
    currency: str
    status: PaymentStatus
    created_at: str
    updated_at: str
    payment_intent_id: str | None = None
    teacher_account_id: str | None = None
    payment_method_id: str | None = None
    used_saved_card: bool = False
    save_card: bool = False
    refunded_cents: int = 0
    pending_refund_cents: int = 0
    pending_refund_key: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    failure_decline_code: str | None = None
    card_id: int | None = None
    next_action: dict[str, object] | None = None
    booking_created: bool = False


@dataclass
class Booking:
    booking_id: int
    payment_id: int
    student_id: int
    teacher_id: int
    gig_id: int
    status: BookingStatus
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class NewCard:
    """What Stripe told us about a card; enough to save it, nothing secret."""

    stripe_payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclass(frozen=True)
class IntentResult:
    payment_intent_id: str
    status: str
    payment_method: NewCard | None = None
    next_action: dict[str, object] | None = None
    decline_code: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    amount_cents: int = 0
    customer_id: str | None = None


@dataclass
class RefundRequest:
    request_id: int
    payment_id: int
    student_id: int
    teacher_id: int
    reason: str
    status: RefundRequestStatus
    created_at: str
    updated_at: str
    amount_cents: int | None = None
    refund_id: str | None = None
    note: str | None = None
    decided_by: int | None = None
