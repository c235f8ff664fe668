"""Saving, listing and removing a student's cards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linguaflex import rate_limits
from linguaflex.cards import CheckedCard, check_card
from linguaflex.clock import contract_timestamp, utc_now_iso
from linguaflex.config import Settings
from linguaflex.errors import CardRejected, Conflict, NotFound, RateLimited
from linguaflex.models.domain import Identity, NewCard, SavedCard, StudentProfile
from linguaflex.observability import metrics
from linguaflex.ports import PaymentGateway, PaymentsRepository
from linguaflex.services.customers import ensure_customer

if TYPE_CHECKING:  # listing cards must not import pydantic (see config.py)
    from linguaflex.models.requests import AddPaymentMethodRequest


class PaymentMethodService:
    def __init__(self, repository: PaymentsRepository, gateway: PaymentGateway, settings: Settings) -> None:
        self._repository = repository
        self._gateway = gateway
        self._settings = settings

    def add(self, identity: Identity, request: AddPaymentMethodRequest) -> tuple[dict[str, Any], int]:
        """The response body and its status: 201 when something was created, 200 for a card already saved."""
        body, created = self._add(identity, request)
        if created and body["saved"]:
            metrics.add_metric(name="CardsSaved", unit="Count", value=1)
        return body, 201 if created else 200

    def _add(self, identity: Identity, request: AddPaymentMethodRequest) -> tuple[dict[str, Any], bool]:
        card = check_card(
            request.card_number.get_secret_value(),
            request.exp_month,
            request.exp_year,
            request.cvc.get_secret_value(),
        )
        user_id = identity.user_id
        declines = rate_limits.window(user_id, rate_limits.DECLINES, self._settings.max_declines_per_hour)
        profile, recent_declines = self._repository.get_profile_and_count(user_id, declines)
        if recent_declines >= declines.limit:
            raise RateLimited(declines.retry_after_seconds, {"reason": "too_many_declined_attempts"})
        self._repository.consume(
            rate_limits.window(user_id, rate_limits.NEW_CARDS, self._settings.max_new_cards_per_hour)
        )
        try:
            return self._tokenize(identity, request, card, profile)
        except CardRejected as exc:
            if exc.details.get("decline_code"):
                self._repository.count_event(declines)
            raise

    def _tokenize(
        self, identity: Identity, request: AddPaymentMethodRequest, card: CheckedCard, profile: StudentProfile
    ) -> tuple[dict[str, Any], bool]:
        card_id = self._repository.allocate_ids("card")["card"]
        if not request.save_for_future:
            one_time = self._gateway.create_payment_method(card, request.cardholder_name, f"card-{card_id}-create")
            return _added(one_time.stripe_payment_method_id, one_time, saved=False), True

        if len(profile.cards) >= self._settings.max_saved_cards:
            raise Conflict(f"You can save at most {self._settings.max_saved_cards} cards; remove one first")
        customer_id = ensure_customer(self._repository, self._gateway, profile)
        token = self._gateway.payment_method_for_card(card)
        if token is not None:
            # Test mode without raw card access: attaching the token creates the PaymentMethod.
            attached = self._gateway.attach_payment_method(token, customer_id, f"card-{card_id}-attach")
            existing = profile.card_by_fingerprint(attached.fingerprint)
            if existing:
                self._gateway.detach_payment_method(attached.stripe_payment_method_id)
                return _already_saved(existing), False
        else:
            created = self._gateway.create_payment_method(card, request.cardholder_name, f"card-{card_id}-create")
            existing = profile.card_by_fingerprint(created.fingerprint)
            if existing:
                return _already_saved(existing), False
            attached = self._gateway.attach_payment_method(
                created.stripe_payment_method_id, customer_id, f"card-{card_id}-attach"
            )
        saved = self._repository.save_card(
            identity.user_id, customer_id, saved_card(card_id, attached), self._settings.max_saved_cards
        )
        if saved.stripe_payment_method_id != attached.stripe_payment_method_id:
            return _already_saved(saved), False
        return _added(saved.stripe_payment_method_id, attached, saved=True), True

    def list(self, identity: Identity) -> dict[str, Any]:
        profile = self._repository.get_profile(identity.user_id)
        return {"results": [card_view(card) for card in profile.cards]}

    def remove(self, identity: Identity, card_id: int) -> dict[str, Any]:
        profile: StudentProfile = self._repository.get_profile(identity.user_id)
        card = profile.card_by_id(card_id)
        if card is None:
            raise NotFound("Payment method not found")
        self._gateway.detach_payment_method(card.stripe_payment_method_id)
        self._repository.delete_card(identity.user_id, card)
        return {"success": True, "message": "Payment method removed", "id": card_id}


def saved_card(card_id: int, card: NewCard) -> SavedCard:
    return SavedCard(
        id=card_id,
        stripe_payment_method_id=card.stripe_payment_method_id,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        fingerprint=card.fingerprint,
        created_at=utc_now_iso(),
    )


def card_view(card: SavedCard) -> dict[str, Any]:
    return {
        "id": card.id,
        "stripe_payment_method_id": card.stripe_payment_method_id,
        "card_last4": card.last4,
        "card_brand": card.brand,
        "card_exp_month": card.exp_month,
        "card_exp_year": card.exp_year,
        "created_at": contract_timestamp(card.created_at),
    }


def _added(payment_method_id: str, card: NewCard, saved: bool) -> dict[str, Any]:
    return {
        "success": True,
        "message": "Payment method added successfully",
        "payment_method_id": payment_method_id,
        "card_last4": card.last4,
        "card_brand": card.brand,
        "saved": saved,
    }


def _already_saved(card: SavedCard) -> dict[str, Any]:
    return {
        "success": True,
        "message": "This card is already saved",
        "payment_method_id": card.stripe_payment_method_id,
        "card_last4": card.last4,
        "card_brand": card.brand,
        "saved": True,
        "already_saved": True,
    }
