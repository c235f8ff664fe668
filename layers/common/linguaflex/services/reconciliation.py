"""Settles payments left open (a crash, a timeout) from Stripe's truth; run on a schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from linguaflex.adapters.dynamo import ABANDONED
from linguaflex.clock import utc_now_iso
from linguaflex.errors import Conflict, PaymentProviderUnavailable
from linguaflex.models.domain import Payment, PaymentStatus
from linguaflex.observability import logger, metrics
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.settlement import OPEN_STATUSES, Settlement


@dataclass
class ReconciliationReport:
    examined: int = 0
    settled: int = 0
    abandoned: int = 0
    still_open: int = 0
    errors: int = 0


class Reconciler:
    def __init__(
        self,
        repository: PaymentsRepository,
        gateway: PaymentGateway,
        settle_after_seconds: int = 120,
        abandon_after_seconds: int = 900,
    ) -> None:
        self._repository = repository
        self._gateway = gateway
        self._settlement = Settlement(repository, gateway)
        self._settle_after = settle_after_seconds
        self._abandon_after = abandon_after_seconds

    def run(self, now: datetime | None = None) -> ReconciliationReport:
        now = now or datetime.now(UTC)
        cutoff = _iso(now - timedelta(seconds=self._settle_after))
        report = ReconciliationReport()
        for payment in self._repository.list_open_payments(cutoff):
            report.examined += 1
            try:
                outcome = self._reconcile(payment, now)
            except (PaymentProviderUnavailable, Conflict):
                report.errors += 1
                continue
            if outcome.status in OPEN_STATUSES:
                report.still_open += 1
            elif outcome.status is PaymentStatus.FAILED and outcome.failure_code == ABANDONED:
                report.abandoned += 1
            else:
                report.settled += 1
        metrics.add_metric(name="PaymentsStuckProcessing", unit="Count", value=report.still_open)
        logger.info("Reconciliation finished", extra=report.__dict__)
        return report

    def _reconcile(self, payment: Payment, now: datetime) -> Payment:
        intent_id = payment.payment_intent_id or self._gateway.find_intent_for_payment(payment.payment_id)
        if intent_id:
            intent = self._gateway.retrieve_intent(intent_id)
            return self._settlement.apply(payment, intent, intent.customer_id)
        if _age_seconds(payment, now) < self._abandon_after:
            return payment
        # Stripe never saw it: close it so the student can pay again. A late success still wins.
        return self._repository.move_payment(
            payment.payment_id,
            {PaymentStatus.PROCESSING},
            PaymentStatus.FAILED,
            failure_code=ABANDONED,
            failure_message="The payment was not completed",
            updated_at=utc_now_iso(),
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _age_seconds(payment: Payment, now: datetime) -> float:
    created = datetime.fromisoformat(payment.created_at.replace("Z", "+00:00"))
    return (now - created).total_seconds()
