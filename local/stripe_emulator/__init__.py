"""A stateful, offline emulator of Stripe's v1 HTTP API for tests and local development."""

from .emulator import StripeEmulator

__all__ = ["StripeEmulator"]
