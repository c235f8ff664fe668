"""Stripe-style object identifiers."""

import random
import string

_ALPHANUMERIC = string.ascii_letters + string.digits

# Lengths of the random part after the prefix, as seen on real objects.
_LENGTHS = {"cus": 14, "acct": 16, "req": 14, "py": 14, "ca": 16}


def new_id(prefix: str) -> str:
    return f"{prefix}_{random_token(_LENGTHS.get(prefix, 24))}"


def random_token(length: int) -> str:
    return "".join(random.choices(_ALPHANUMERIC, k=length))
