"""Adapters and services built once per container (cold start) and reused by every invocation."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from linguaflex.config import get_settings


def dynamodb_client() -> Any:
    """One per container (cached in `aws_clients`), shared by the repository and the idempotency layer."""
    from linguaflex.aws_clients import client

    return client("dynamodb")


@lru_cache(maxsize=1)
def repository() -> Any:
    from linguaflex.adapters.dynamo import DynamoRepository

    return DynamoRepository(dynamodb_client(), get_settings().table_name)


def gateway() -> Any:
    """Rebuilt only when the settings change (a rotated Stripe key or webhook secret)."""
    return _gateway_for(get_settings())


@lru_cache(maxsize=1)
def _gateway_for(settings: Any) -> Any:
    import stripe

    from linguaflex.adapters.stripe_gateway import StripeGateway

    client = stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base} if settings.stripe_api_base else None,
        max_network_retries=settings.stripe_max_network_retries,
        http_client=stripe.RequestsClient(timeout=(3.05, settings.stripe_timeout_seconds)),
    )
    secret = settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else None
    return StripeGateway(client, secret, settings.stripe_map_test_cards, settings.webhook_tolerance_seconds)


@lru_cache(maxsize=1)
def idempotent_runner() -> Any:
    from linguaflex.idempotency import IdempotentRunner

    return IdempotentRunner(dynamodb_client(), get_settings().idempotency_table_name)


def run_idempotent(scope: str, identity: Any, key: str | None, body: Any, action: Any, lambda_context: Any) -> Any:
    """Runs `action` once per (caller, scope, Idempotency-Key); without a key it simply runs.

    The Lambda context bounds an in-progress record to this invocation, so a crashed attempt
    does not block retries for the whole expiry."""
    if key is None:
        return action()
    from linguaflex.idempotency import body_digest

    runner = idempotent_runner()
    runner.register_lambda_context(lambda_context)
    digest = body_digest(get_settings().stripe_api_key.get_secret_value(), body)
    return runner.run(scope, identity, key, digest, action)


class _LazyGateway:
    """The Stripe gateway, built (import stripe, StripeClient) only when a call needs it: listing cards,
    reading a payment or a booking usually never talks to Stripe."""

    def __getattr__(self, name: str) -> Any:
        return getattr(gateway(), name)


lazy_gateway = _LazyGateway()


def payment_method_service() -> Any:
    from linguaflex.services.payment_methods import PaymentMethodService

    return PaymentMethodService(repository(), lazy_gateway, get_settings())


def payment_service() -> Any:
    from linguaflex.services.payments import PaymentService

    return PaymentService(repository(), gateway(), get_settings())


def payment_queries() -> Any:
    from linguaflex.services.payment_queries import PaymentQueries

    return PaymentQueries(repository(), lazy_gateway)


def webhook_service() -> Any:
    from linguaflex.services.webhooks import WebhookService

    return WebhookService(repository(), gateway())


def booking_service() -> Any:
    from linguaflex.services.bookings import BookingService

    return BookingService(repository(), lazy_gateway)


def refund_request_service() -> Any:
    from linguaflex.services.refunds import RefundRequestService

    return RefundRequestService(repository(), lazy_gateway)


def reconciler() -> Any:
    from linguaflex.services.reconciliation import Reconciler

    return Reconciler(repository(), lazy_gateway)


def reset() -> None:
    """Tests and the local stack rebuild everything after changing the environment."""
    from linguaflex.auth_config import get_auth_settings
    from linguaflex.aws_clients import client

    for cached in (client, repository, _gateway_for, idempotent_runner, get_settings, get_auth_settings):
        cached.cache_clear()
