"""Item shapes of the single table. Keys:

| entity          | pk                 | sk          | gsi1 (student)                | gsi2 (teacher / admin)        |
|-----------------|--------------------|-------------|-------------------------------|-------------------------------|
| gig             | GIG#<id>           | GIG         |                               | TEACHER#<id> / GIG#<id>       |
| teacher         | TEACHER#<id>       | PROFILE     |                               |                               |
| student profile | USER#<id>          | PROFILE     |                               |                               |
| payment         | PAYMENT#<id>       | PAYMENT     | STUDENT#<id> / PAYMENT#<ts>#<id> | TEACHER#<id> / PAYMENT#...  |
| booking         | BOOKING#<id>       | BOOKING     | STUDENT#<id> / BOOKING#...    | TEACHER#<id> / BOOKING#...    |
| duplicate guard | DUPLICATE#<hash>   | DUPLICATE   |                               |                               |
| webhook event   | EVENT#<evt id>     | EVENT       |                               |                               |
| ledger entry    | LEDGER#TEACHER#<id>| PAYMENT#<id>|                               |                               |
| counters        | COUNTER            | IDS         |                               |                               |

A student's saved cards live on the profile item as attributes `card_<pm id>` (a map) and
`fp_<fingerprint>` (the pm id), so the whole wallet is one GetItem and a duplicate card is a failed
condition on `fp_<fingerprint>`.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from linguaflex.adapters.attribute_values import from_item, to_attr, to_item
from linguaflex.models.domain import (
    Booking,
    BookingStatus,
    Gig,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundRequestStatus,
    SavedCard,
    StudentProfile,
)

_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in (Gig, SavedCard, Payment, Booking, RefundRequest)}

CARD_PREFIX = "card_"
FINGERPRINT_PREFIX = "fp_"


def _shallow(record: Any) -> dict[str, Any]:
    """A flat dataclass's fields; `asdict` would deep-copy every value on the hot path."""
    return {name: getattr(record, name) for name in _FIELD_NAMES[type(record)]}


def gig_key(gig_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"GIG#{gig_id}"}, "sk": {"S": "GIG"}}


def profile_key(student_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{student_id}"}, "sk": {"S": "PROFILE"}}


def teacher_key(teacher_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"TEACHER#{teacher_id}"}, "sk": {"S": "PROFILE"}}


def payment_key(payment_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"PAYMENT#{payment_id}"}, "sk": {"S": "PAYMENT"}}


def booking_key(booking_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"BOOKING#{booking_id}"}, "sk": {"S": "BOOKING"}}


def duplicate_key(digest: str) -> dict[str, Any]:
    return {"pk": {"S": f"DUPLICATE#{digest}"}, "sk": {"S": "DUPLICATE"}}


def event_key(event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}}


COUNTER_KEY = {"pk": {"S": "COUNTER"}, "sk": {"S": "IDS"}}
OPEN_PARTITION = "OPEN_PAYMENTS"
OPEN_PAYMENT_STATUSES = {PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION}
REFUND_REQUESTS_PARTITION = "REFUND_REQUESTS"


def refund_request_key(request_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"REFUNDREQ#{request_id}"}, "sk": {"S": "REFUNDREQ"}}


def open_refund_guard_key(payment_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"PAYMENT#{payment_id}"}, "sk": {"S": "OPEN_REFUND_REQUEST"}}


def rate_key(counter_key: str) -> dict[str, Any]:
    return {"pk": {"S": counter_key}, "sk": {"S": "WINDOW"}}


def payment_method_owner_key(payment_method_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PM#{payment_method_id}"}, "sk": {"S": "OWNER"}}


def gig_from_item(item: dict[str, Any]) -> Gig:
    data = from_item(item)
    return Gig(
        gig_id=data["gig_id"],
        teacher_id=data["teacher_id"],
        price_cents=data["price_cents"],
        active=bool(data.get("active", False)),
        title=data.get("title", ""),
        teacher_account_id=data.get("teacher_account_id"),
    )


def gig_to_item(gig: Gig) -> dict[str, Any]:
    return {
        **gig_key(gig.gig_id),
        **to_item({**_shallow(gig), "gsi2pk": f"TEACHER#{gig.teacher_id}", "gsi2sk": f"GIG#{gig.gig_id:012d}"}),
    }


def card_to_attr(card: SavedCard) -> dict[str, Any]:
    return to_attr(_shallow(card))


def profile_from_item(student_id: int, item: dict[str, Any] | None) -> StudentProfile:
    if not item:
        return StudentProfile(student_id=student_id)
    data = from_item(item)
    cards = sorted(
        (SavedCard(**value) for key, value in data.items() if key.startswith(CARD_PREFIX)),
        key=lambda card: card.id,
    )
    return StudentProfile(student_id, data.get("stripe_customer_id"), tuple(cards))


_PAYMENT_FIELDS = set(_FIELD_NAMES[Payment])
_BOOKING_FIELDS = set(_FIELD_NAMES[Booking])


def payment_to_item(payment: Payment) -> dict[str, Any]:
    data = _shallow(payment)
    data["status"] = payment.status.value
    data["next_action"] = json.dumps(payment.next_action) if payment.next_action else None
    sort = f"PAYMENT#{payment.created_at}#{payment.payment_id:012d}"
    data.update(
        gsi1pk=f"STUDENT#{payment.student_id}",
        gsi1sk=sort,
        gsi2pk=f"TEACHER#{payment.teacher_id}",
        gsi2sk=sort,
    )
    if payment.status in OPEN_PAYMENT_STATUSES:
        # Sparse index of payments still waiting for Stripe's answer, for reconciliation.
        data.update(gsi3pk=OPEN_PARTITION, gsi3sk=f"{payment.created_at}#{payment.payment_id:012d}")
    return {**payment_key(payment.payment_id), **to_item(data)}


def payment_from_item(item: dict[str, Any]) -> Payment:
    data = {k: v for k, v in from_item(item).items() if k in _PAYMENT_FIELDS}
    data["status"] = PaymentStatus(data["status"])
    if data.get("next_action"):
        data["next_action"] = json.loads(data["next_action"])
    return Payment(**data)


def booking_to_item(booking: Booking) -> dict[str, Any]:
    data = _shallow(booking)
    data["status"] = booking.status.value
    sort = f"BOOKING#{booking.created_at}#{booking.booking_id:012d}"
    data.update(
        gsi1pk=f"STUDENT#{booking.student_id}",
        gsi1sk=sort,
        gsi2pk=f"TEACHER#{booking.teacher_id}",
        gsi2sk=sort,
    )
    return {**booking_key(booking.booking_id), **to_item(data)}


def booking_from_item(item: dict[str, Any]) -> Booking:
    data = {k: v for k, v in from_item(item).items() if k in _BOOKING_FIELDS}
    data["status"] = BookingStatus(data["status"])
    return Booking(**data)


_REFUND_FIELDS = set(_FIELD_NAMES[RefundRequest])


def refund_request_to_item(request: RefundRequest) -> dict[str, Any]:
    data = _shallow(request)
    data["status"] = request.status.value
    data.update(
        gsi1pk=f"STUDENT#{request.student_id}",
        gsi1sk=f"REFUNDREQ#{request.created_at}#{request.request_id:012d}",
        gsi2pk=REFUND_REQUESTS_PARTITION,
        gsi2sk=f"{request.status.value}#{request.created_at}#{request.request_id:012d}",
    )
    return {**refund_request_key(request.request_id), **to_item(data)}


def refund_request_from_item(item: dict[str, Any]) -> RefundRequest:
    data = {k: v for k, v in from_item(item).items() if k in _REFUND_FIELDS}
    data["status"] = RefundRequestStatus(data["status"])
    return RefundRequest(**data)
