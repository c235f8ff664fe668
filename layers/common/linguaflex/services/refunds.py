"""Refunds go through an admin: a student asks, an admin approves (full or partial) or denies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from linguaflex.clock import utc_now_iso
from linguaflex.errors import Conflict, InvalidRequest, NotFound, PaymentProviderUnavailable
from linguaflex.models.domain import Identity, Payment, PaymentStatus, RefundRequest, RefundRequestStatus
from linguaflex.money import to_cents, to_decimal_amount
from linguaflex.observability import metrics
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.settlement import record_refund_total

REFUNDABLE_NOW = {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED}


class Refunds:
    """Moves money back: the payment goes to refund_pending first, then Stripe, then the total is recorded."""

    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._gateway = gateway

    def refund(self, payment: Payment, amount_cents: int, idempotency_key: str) -> Payment:
        _require_refundable(payment, amount_cents)
        if payment.status not in REFUNDABLE_NOW or not payment.payment_intent_id:
            raise Conflict(f"A payment that is {payment.status.value} cannot be refunded")
        pending = self._repository.move_payment(
            payment.payment_id,
            REFUNDABLE_NOW,
            PaymentStatus.REFUND_PENDING,
            extra_condition="refunded_cents = :seen",
            extra_values={":seen": {"N": str(payment.refunded_cents)}},
            pending_refund_cents=amount_cents,
            pending_refund_key=idempotency_key,
            updated_at=utc_now_iso(),
        )
        try:
            self._gateway.refund(
                payment.payment_intent_id,
                amount_cents,
                destination_charge=payment.teacher_account_id is not None,
                idempotency_key=idempotency_key,
            )
        except PaymentProviderUnavailable:
            raise  # stays refund_pending; reconciliation retries with the same key
        except Exception:
            self._repository.move_payment(
                payment.payment_id, {PaymentStatus.REFUND_PENDING}, payment.status, pending_refund_cents=0
            )
            raise
        metrics.add_metric(name="RefundsIssued", unit="Count", value=1)
        return record_refund_total(self._repository, pending, payment.refunded_cents + amount_cents)


class RefundRequestService:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway) -> None:
        self._repository = repository
        self._refunds = Refunds(repository, gateway)

    def request(self, identity: Identity, payment_id: int, reason: str) -> dict[str, Any]:
        payment = self._repository.get_payment(payment_id)
        if payment is None or payment.student_id != identity.user_id:
            raise NotFound("Payment not found")
        if payment.status not in REFUNDABLE_NOW:
            raise Conflict(f"A payment that is {payment.status.value} cannot be refunded")
        now = utc_now_iso()
        request = RefundRequest(
            request_id=self._repository.allocate_ids("refund_request")["refund_request"],
            payment_id=payment.payment_id,
            student_id=payment.student_id,
            teacher_id=payment.teacher_id,
            reason=reason,
            status=RefundRequestStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        self._repository.create_refund_request(request)
        return {"success": True, "message": "Refund request submitted", **refund_request_view(request, payment)}

    def list(self, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
        wanted = _status(status)
        requests, next_cursor = self._repository.list_refund_requests(wanted, limit, cursor)
        return {"results": [refund_request_view(r, None) for r in requests], "next_cursor": next_cursor}

    def approve(self, identity: Identity, request_id: int, amount: Decimal | None) -> dict[str, Any]:
        request, payment = self._pending(request_id)
        amount_cents = to_cents(amount) if amount is not None else payment.amount_cents - payment.refunded_cents
        _require_refundable(payment, amount_cents)
        decided = self._repository.decide_refund_request(
            request,
            RefundRequestStatus.APPROVED,
            amount_cents=amount_cents,
            decided_by=identity.user_id,
            updated_at=utc_now_iso(),
        )
        refunded = self._refunds.refund(payment, amount_cents, f"refund-request-{request_id}")
        return {"success": True, "message": "Refund approved", **refund_request_view(decided, refunded)}

    def deny(self, identity: Identity, request_id: int, note: str | None) -> dict[str, Any]:
        request, payment = self._pending(request_id)
        decided = self._repository.decide_refund_request(
            request, RefundRequestStatus.DENIED, note=note or "", decided_by=identity.user_id, updated_at=utc_now_iso()
        )
        return {"success": True, "message": "Refund request denied", **refund_request_view(decided, payment)}

    def _pending(self, request_id: int) -> tuple[RefundRequest, Payment]:
        request = self._repository.get_refund_request(request_id)
        if request is None:
            raise NotFound("Refund request not found")
        if request.status is not RefundRequestStatus.PENDING:
            raise Conflict("This refund request was already decided")
        payment = self._repository.get_payment(request.payment_id)
        if payment is None:
            raise NotFound("Payment not found")
        return request, payment


def _require_refundable(payment: Payment, amount_cents: int) -> None:
    remaining = payment.amount_cents - payment.refunded_cents
    if amount_cents <= 0 or amount_cents > remaining:
        raise InvalidRequest(
            "Refund amount exceeds what remains refundable",
            {"amount": f"must be between 0.01 and {to_decimal_amount(remaining):.2f}"},
        )


def _status(value: str | None) -> RefundRequestStatus | None:
    if value is None:
        return None
    try:
        return RefundRequestStatus(value)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in RefundRequestStatus)
        raise InvalidRequest("Invalid status filter", {"status": f"one of {allowed}"}) from exc


def refund_request_view(request: RefundRequest, payment: Payment | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "refund_request_id": request.request_id,
        "payment_id": request.payment_id,
        "student_id": request.student_id,
        "reason": request.reason,
        "status": request.status.value,
        "amount": to_decimal_amount(request.amount_cents) if request.amount_cents is not None else None,
        "note": request.note,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }
    if payment is not None:
        view["payment_status"] = payment.status.value
        view["refunded_amount"] = to_decimal_amount(payment.refunded_cents)
    return view
