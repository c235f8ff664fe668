"""Paying for a gig: record first, one Stripe call, then a conditional move forward."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from linguaflex import rate_limits
from linguaflex.adapters.dynamo import DuplicatePayment
from linguaflex.cards import CheckedCard, check_card
from linguaflex.clock import utc_now_iso
from linguaflex.config import Settings
from linguaflex.errors import (
    CardRejected,
    Conflict,
    GigUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    RequestInProgress,
)
from linguaflex.models.domain import (
    Gig,
    Identity,
    IntentResult,
    Payment,
    PaymentStatus,
    SavedCard,
    StudentProfile,
)
from linguaflex.models.requests import ProcessPaymentRequest
from linguaflex.money import CURRENCY, split_fee
from linguaflex.observability import metrics
from linguaflex.ports import IntentRequest, PaymentGateway, PaymentsRepository
from linguaflex.services.customers import ensure_customer
from linguaflex.services.settlement import Settlement
from linguaflex.services.views import payment_result

# A failed or canceled first attempt does not block trying again with the same card.
RETRYABLE = {PaymentStatus.FAILED, PaymentStatus.CANCELED}
MISSING_METHOD = "Either card_details or saved_payment_method_id must be provided"
BOTH_METHODS = "Provide either card_details or saved_payment_method_id, not both"


class PaymentService:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway, settings: Settings) -> None:
        self._repository = repository
        self._gateway = gateway
        self._settings = settings
        self._settlement = Settlement(repository, gateway)

    def process(self, identity: Identity, request: ProcessPaymentRequest) -> tuple[dict[str, Any], int]:
        if (request.card_details is None) == (request.saved_payment_method_id is None):
            raise InvalidRequest(MISSING_METHOD if request.card_details is None else BOTH_METHODS)
        card = _checked(request)
        declines = rate_limits.window(identity.user_id, rate_limits.DECLINES, self._settings.max_declines_per_hour)
        gig, profile, recent_declines = self._repository.get_gig_and_profile(request.gig_id, identity.user_id, declines)
        if recent_declines >= declines.limit:
            raise RateLimited(declines.retry_after_seconds, {"reason": "too_many_declined_attempts"})
        if gig is None or not gig.active:
            raise GigUnavailable()
        saved = self._saved_card(profile, request.saved_payment_method_id)
        if card is not None and request.save_card and len(profile.cards) >= self._settings.max_saved_cards:
            raise Conflict(f"You can save at most {self._settings.max_saved_cards} cards; remove one first")

        payment = self._new_payment(identity, gig, saved, request.save_card and card is not None)
        new_cards = (
            rate_limits.window(identity.user_id, rate_limits.NEW_CARDS, self._settings.max_new_cards_per_hour)
            if card is not None
            else None
        )
        duplicate_key = self._duplicate_key(identity, gig, card, saved)
        window = self._settings.duplicate_payment_window_seconds
        try:
            self._repository.create_payment(payment, duplicate_key, window, new_cards)
        except DuplicatePayment:
            first = self._repository.find_duplicate(duplicate_key)
            if first is None or first.status not in RETRYABLE:
                return self._replay_duplicate(first)
            try:
                self._repository.create_payment(payment, duplicate_key, window, new_cards, first.payment_id)
            except DuplicatePayment:
                raise RequestInProgress() from None

        customer_id = profile.stripe_customer_id
        if card is not None and request.save_card:
            customer_id = ensure_customer(self._repository, self._gateway, profile, persist=False)
        intent = self._gateway.create_and_confirm_intent(
            IntentRequest(
                amount_cents=payment.amount_cents,
                currency=CURRENCY,
                payment_method=saved.stripe_payment_method_id if saved else None,
                card=card,
                cardholder_name=request.card_details.cardholder_name if request.card_details else None,
                idempotency_key=f"payment-{payment.payment_id}-intent",
                metadata={
                    "payment_id": str(payment.payment_id),
                    "booking_id": str(payment.booking_id),
                    "student_id": str(identity.user_id),
                    "gig_id": str(gig.gig_id),
                },
                customer_id=customer_id if (saved or request.save_card) else None,
                off_session=saved is not None,
                save_for_future=card is not None and request.save_card,
                application_fee_cents=payment.platform_fee_cents,
                destination_account_id=gig.teacher_account_id,
                return_url=self._settings.return_url,
                description=f"LinguaFlex gig {gig.gig_id}",
            )
        )
        settled = self._settlement.apply(payment, intent, customer_id)
        if settled.status is PaymentStatus.FAILED:
            self._repository.count_event(declines)
        return self._outcome(settled, intent, saved is not None)

    def _outcome(self, payment: Payment, intent: IntentResult, used_saved_card: bool) -> tuple[dict[str, Any], int]:
        if payment.status is PaymentStatus.FAILED:
            metrics.add_metric(name="PaymentsDeclined", unit="Count", value=1)
            raise _decline(payment, intent, used_saved_card)
        if payment.status is PaymentStatus.SUCCEEDED:
            metrics.add_metric(name="PaymentsSucceeded", unit="Count", value=1)
            metrics.add_metric(name="PaymentAmountCents", unit="Count", value=payment.amount_cents)
        return payment_result(payment, used_saved_card), 201 if payment.status is PaymentStatus.SUCCEEDED else 202

    def _saved_card(self, profile: StudentProfile, payment_method_id: str | None) -> SavedCard | None:
        if payment_method_id is None:
            return None
        card = profile.card_by_payment_method(payment_method_id)
        if card is None or not profile.stripe_customer_id:
            raise NotFound("Saved payment method not found")
        return card

    def _new_payment(self, identity: Identity, gig: Gig, saved: SavedCard | None, save_card: bool) -> Payment:
        ids = self._repository.allocate_ids("payment", "booking", *(["card"] if save_card else []))
        split = split_fee(gig.price_cents, self._settings.platform_fee_bps)
        now = utc_now_iso()
        return Payment(
            payment_id=ids["payment"],
            booking_id=ids["booking"],
            student_id=identity.user_id,
            teacher_id=gig.teacher_id,
            gig_id=gig.gig_id,
            amount_cents=split.amount_cents,
            platform_fee_cents=split.platform_fee_cents,
            teacher_cents=split.teacher_cents,
            currency=CURRENCY,
            status=PaymentStatus.PROCESSING,
            created_at=now,
            updated_at=now,
            teacher_account_id=gig.teacher_account_id,
            payment_method_id=saved.stripe_payment_method_id if saved else None,
            used_saved_card=saved is not None,
            save_card=save_card,
            card_id=ids.get("card"),
        )

    def _duplicate_key(self, identity: Identity, gig: Gig, card: CheckedCard | None, saved: SavedCard | None) -> str:
        """Same student, gig and card within the window means a double click, not a second purchase.

        The card number is only ever hashed with a secret key, so the guard item cannot be reversed.
        """
        source = (
            saved.stripe_payment_method_id
            if saved
            else f"{card.number}|{card.exp_month}|{card.exp_year}"
            if card
            else ""
        )
        key = self._settings.stripe_api_key.get_secret_value().encode()
        material = f"{identity.user_id}|{gig.gig_id}|{gig.price_cents}|{source}".encode()
        return hmac.new(key, material, hashlib.sha256).hexdigest()

    def _replay_duplicate(self, first: Payment | None) -> tuple[dict[str, Any], int]:
        """A double click: answer with the first request's outcome instead of charging again."""
        if first is None or first.status is PaymentStatus.PROCESSING:
            raise RequestInProgress()
        metrics.add_metric(name="DuplicatePaymentsAbsorbed", unit="Count", value=1)
        return payment_result(first, first.used_saved_card), 201 if first.status is PaymentStatus.SUCCEEDED else 202


def _checked(request: ProcessPaymentRequest) -> CheckedCard | None:
    details = request.card_details
    if details is None:
        return None
    return check_card(
        details.card_number.get_secret_value(), details.exp_month, details.exp_year, details.cvc.get_secret_value()
    )


def _decline(payment: Payment, intent: IntentResult | None, used_saved_card: bool) -> CardRejected:
    code = payment.failure_code or (intent.error_code if intent else None) or "card_declined"
    decline_code = intent.decline_code if intent else payment.failure_decline_code
    message = (
        "Your card was declined." if code == "card_declined" else (payment.failure_message or "Your card was declined.")
    )
    details: dict[str, Any] = {
        "param": "saved_payment_method_id" if used_saved_card else "card_number",
        "code": code,
        "payment_id": payment.payment_id,
    }
    if decline_code:
        details["decline_code"] = decline_code
    if payment.payment_intent_id:
        details["payment_intent_id"] = payment.payment_intent_id
    return CardRejected(message, details)
