"""Stripe adapter: one StripeClient, every write with our own idempotency key, errors made domain errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import stripe

from linguaflex.cards import TEST_CARD_TOKENS, CheckedCard
from linguaflex.errors import (
    CardRejected,
    NotFound,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from linguaflex.models.domain import IntentResult, NewCard
from linguaflex.observability import tracer
from linguaflex.ports import IntentRequest

if TYPE_CHECKING:
    from stripe.params import (
        CustomerCreateParams,
        PaymentIntentCreateParams,
        PaymentIntentRetrieveParams,
        PaymentIntentSearchParams,
        PaymentMethodCreateParams,
        RefundCreateParams,
    )

# Statuses of a PaymentIntent that a failed confirmation leaves behind.
_FAILED_INTENT_STATUSES = {"requires_payment_method", "canceled"}


class StripeGateway:
    def __init__(
        self,
        client: stripe.StripeClient,
        webhook_secret: str | None,
        map_test_cards: bool,
        webhook_tolerance_seconds: int = 300,
    ) -> None:
        self._stripe = client
        self._webhook_secret = webhook_secret
        self._map_test_cards = map_test_cards
        self._tolerance = webhook_tolerance_seconds

    @tracer.capture_method(capture_response=False)
    def create_customer(self, student_id: int, idempotency_key: str) -> str:
        params: CustomerCreateParams = {
            "metadata": {"student_id": str(student_id)},
            "description": f"LinguaFlex student {student_id}",
        }
        customer = self._call(lambda options: self._stripe.v1.customers.create(params, options), idempotency_key)
        return str(customer.id)

    def payment_method_for_card(self, card: CheckedCard) -> str | None:
        if not self._map_test_cards:
            return None
        token = TEST_CARD_TOKENS.get(card.number)
        if token is None:
            raise CardRejected(
                "Only Stripe's documented test card numbers can be used in test mode.",
                {"code": "test_card_required", "param": "card_number"},
            )
        return token

    @tracer.capture_method(capture_response=False)
    def create_payment_method(self, card: CheckedCard, cardholder_name: str | None, idempotency_key: str) -> NewCard:
        token = self.payment_method_for_card(card)
        if token is not None:
            return _new_card(self._call(lambda options: self._stripe.v1.payment_methods.retrieve(token)))
        params = _card_data(card, cardholder_name)
        return _new_card(
            self._call(lambda options: self._stripe.v1.payment_methods.create(params, options), idempotency_key)
        )

    @tracer.capture_method(capture_response=False)
    def attach_payment_method(self, payment_method: str, customer_id: str, idempotency_key: str) -> NewCard:
        attached = self._call(
            lambda options: self._stripe.v1.payment_methods.attach(payment_method, {"customer": customer_id}, options),
            idempotency_key,
        )
        return _new_card(attached)

    @tracer.capture_method(capture_response=False)
    def detach_payment_method(self, payment_method_id: str) -> None:
        try:
            self._call(
                lambda options: self._stripe.v1.payment_methods.detach(payment_method_id, None, options),
                f"detach-{payment_method_id}",
            )
        except NotFound:
            return  # already gone in Stripe: the goal is reached

    @tracer.capture_method(capture_response=False)
    def create_and_confirm_intent(self, request: IntentRequest) -> IntentResult:
        params: dict[str, Any] = {
            "amount": request.amount_cents,
            "currency": request.currency,
            **self._paid_by(request),
            "confirm": True,
            "metadata": request.metadata,
            "payment_method_types": ["card"],
            "expand": ["payment_method"],
        }
        if request.description:
            params["description"] = request.description
        if request.customer_id:
            params["customer"] = request.customer_id
        if request.off_session:
            params["off_session"] = True
        else:
            params["return_url"] = request.return_url
        if request.save_for_future:
            params["setup_future_usage"] = "off_session"
        if request.destination_account_id:
            params["application_fee_amount"] = request.application_fee_cents
            params["transfer_data"] = {"destination": request.destination_account_id}
        # cast: the SDK's TypedDict has no payment_method_data["card"] (raw card numbers)
        typed_params = cast("PaymentIntentCreateParams", params)
        try:
            intent = self._call(
                lambda options: self._stripe.v1.payment_intents.create(typed_params, options), request.idempotency_key
            )
        except _IntentDeclined as declined:
            return declined.result
        return _intent_result(intent)

    def _paid_by(self, request: IntentRequest) -> dict[str, Any]:
        """A new card goes in `payment_method_data`: Stripe creates its PaymentMethod in the same call."""
        if request.card is None:
            return {"payment_method": request.payment_method}
        token = self.payment_method_for_card(request.card)
        if token is not None:
            return {"payment_method": token}
        return {"payment_method_data": _card_data(request.card, request.cardholder_name)}

    @tracer.capture_method(capture_response=False)
    def retrieve_intent(self, payment_intent_id: str) -> IntentResult:
        params: PaymentIntentRetrieveParams = {"expand": ["payment_method"]}
        intent = self._call(lambda options: self._stripe.v1.payment_intents.retrieve(payment_intent_id, params))
        return _intent_result(intent)

    @tracer.capture_method(capture_response=False)
    def find_intent_for_payment(self, payment_id: int) -> str | None:
        """For a payment whose create call never answered: did Stripe make its PaymentIntent?"""
        params: PaymentIntentSearchParams = {"query": f"metadata['payment_id']:'{int(payment_id)}'", "limit": 1}
        found = self._call(lambda options: self._stripe.v1.payment_intents.search(params))
        data = _plain(found).get("data") or []
        return str(data[0]["id"]) if data else None

    @tracer.capture_method(capture_response=False)
    def retrieve_charge_intent(self, charge_id: str) -> IntentResult:
        charge = _plain(self._call(lambda options: self._stripe.v1.charges.retrieve(charge_id)))
        return self.retrieve_intent(str(charge["payment_intent"]))

    @tracer.capture_method(capture_response=False)
    def refund(self, payment_intent_id: str, amount_cents: int, destination_charge: bool, idempotency_key: str) -> str:
        params: RefundCreateParams = {"payment_intent": payment_intent_id, "amount": amount_cents}
        if destination_charge:
            params["reverse_transfer"] = True
            params["refund_application_fee"] = True
        refund = self._call(lambda options: self._stripe.v1.refunds.create(params, options), idempotency_key)
        return str(refund.id)

    def verify_webhook(self, payload: str, signature_header: str) -> dict[str, Any]:
        from linguaflex.errors import ConfigurationError, InvalidRequest

        if not self._webhook_secret:
            raise ConfigurationError("STRIPE_WEBHOOK_SECRET is not configured; webhooks cannot be verified")
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, self._webhook_secret, self._tolerance)
        except stripe.SignatureVerificationError as exc:
            raise InvalidRequest("Invalid Stripe signature", {"reason": str(exc.user_message or exc)}) from exc
        import json

        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise InvalidRequest("Invalid webhook payload") from exc
        if not isinstance(event, dict) or "id" not in event or "type" not in event:
            raise InvalidRequest("Invalid webhook payload")
        return event

    # -- plumbing ----------------------------------------------------------------------------------

    def _call(self, operation: Callable[[Any], Any], idempotency_key: str | None = None) -> Any:
        """Run one SDK call; writes pass a key derived from our record so a retry cannot act twice."""
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        try:
            return operation(options)
        except stripe.CardError as exc:
            raise _card_error(exc) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise PaymentProviderUnavailable() from exc
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise NotFound("Payment method not found") from exc
            raise PaymentProviderError(details={"code": exc.code} if exc.code else None) from exc
        except stripe.IdempotencyError as exc:
            raise PaymentProviderError(details={"code": "idempotency_error"}) from exc
        except stripe.APIError as exc:
            raise PaymentProviderUnavailable() from exc
        except stripe.StripeError as exc:  # authentication, permission: our configuration is wrong
            raise PaymentProviderError() from exc


class _IntentDeclined(Exception):
    def __init__(self, result: IntentResult) -> None:
        self.result = result


def _card_error(exc: stripe.CardError) -> Exception:
    """A decline on a PaymentIntent is a result to record; any other card error goes to the student."""
    error = _plain(exc.error) if exc.error is not None else {}
    decline_code = error.get("decline_code")
    message = error.get("message") or exc.user_message or "Your card was declined."
    intent = error.get("payment_intent")
    if isinstance(intent, dict) and intent.get("id"):
        result = _intent_result(intent)
        return _IntentDeclined(
            dataclasses.replace(
                result,
                status=result.status if result.status in _FAILED_INTENT_STATUSES else "requires_payment_method",
                decline_code=decline_code or result.decline_code,
                error_code=error.get("code") or result.error_code,
                error_message=message,
            )
        )
    return card_rejection(message, error.get("code"), decline_code)


def card_rejection(message: str, code: str | None, decline_code: str | None) -> CardRejected:
    if code == "card_declined":
        message = "Your card was declined."  # the contract's wording for every issuer decline
    details: dict[str, Any] = {"param": "card_number"}
    if decline_code:
        details["decline_code"] = decline_code
    if code:
        details["code"] = code
    return CardRejected(message, details)


def _card_data(card: CheckedCard, cardholder_name: str | None) -> PaymentMethodCreateParams:
    """The PaymentMethod create hash for a raw card (also PaymentIntent `payment_method_data`)."""
    data: PaymentMethodCreateParams = {
        "type": "card",
        "card": {
            "number": card.number,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "cvc": card.cvc,
        },
    }
    if cardholder_name:
        data["billing_details"] = {"name": cardholder_name}
    return data


def _plain(obj: Any) -> Any:
    """Stripe objects are not dicts (stripe>=15); work on their plain form."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _new_card(payment_method: Any) -> NewCard:
    data = _plain(payment_method)
    card = data["card"]
    return NewCard(
        stripe_payment_method_id=str(data["id"]),
        brand=str(card["brand"]),
        last4=str(card["last4"]),
        exp_month=int(card["exp_month"]),
        exp_year=int(card["exp_year"]),
        fingerprint=str(card.get("fingerprint") or data["id"]),
    )


def _intent_result(intent: Any) -> IntentResult:
    data = _plain(intent)
    payment_method = data.get("payment_method")
    error = data.get("last_payment_error") or {}
    return IntentResult(
        payment_intent_id=str(data["id"]),
        status=str(data["status"]),
        payment_method=_new_card(payment_method) if isinstance(payment_method, dict) else None,
        next_action=data.get("next_action"),
        decline_code=error.get("decline_code"),
        error_code=error.get("code"),
        error_message=error.get("message"),
        metadata=dict(data.get("metadata") or {}),
        amount_cents=int(data.get("amount") or 0),
        customer_id=_id_of(data.get("customer")),
    )


def _id_of(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value["id"])
