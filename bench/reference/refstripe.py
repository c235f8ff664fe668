"""The reference's Stripe client: configured exactly like ours (requests, timeouts, retries), nothing more."""

from __future__ import annotations

import os

import stripe

_base = os.environ.get("STRIPE_API_BASE")
client = stripe.StripeClient(
    os.environ["STRIPE_API_KEY"],
    base_addresses={"api": _base} if _base else None,
    max_network_retries=2,
    http_client=stripe.RequestsClient(timeout=(3.05, 20.0)),
)
API_KEY = os.environ["STRIPE_API_KEY"]
