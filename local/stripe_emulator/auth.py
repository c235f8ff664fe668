"""API key checks with Stripe's 401 messages. Only test-mode secret (or restricted) keys are accepted."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

from .errors import StripeError

if TYPE_CHECKING:
    from .api import Headers

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using "
    "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
    "for details, or we can help at https://support.stripe.com/."
)
_KEY_PREFIX = re.compile(r"^[a-z]{2}_(test|live)_")


def check(headers: Headers) -> None:
    key = _key_from(headers.get("Authorization") or "")
    if not key:
        raise StripeError(401, "invalid_request_error", NO_KEY, stored=False)
    if not key.startswith(("sk_test_", "rk_test_")) or len(key) <= len("sk_test_"):
        raise StripeError(401, "invalid_request_error", f"Invalid API Key provided: {mask(key)}", stored=False)


def _key_from(authorization: str) -> str:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0]
    return ""


def mask(key: str) -> str:
    prefix_match = _KEY_PREFIX.match(key)
    prefix = prefix_match.group(0) if prefix_match else ""
    secret = key[len(prefix) :]
    visible = secret[-4:] if len(secret) > 4 else ""
    return prefix + "*" * (len(secret) - len(visible)) + visible
