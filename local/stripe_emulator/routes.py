"""The /v1 route table: (method, path template) → handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .context import Context
from .resources import (
    charges,
    connect,
    customers,
    disputes,
    events,
    payment_intents,
    payment_methods,
    refunds,
)

Handler = Callable[[Context], dict[str, Any]]

_MODULES = (customers, payment_methods, payment_intents, charges, refunds, connect, events, disputes)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_ROUTES = [(method, _compile(template), handler) for module in _MODULES for method, template, handler in module.ROUTES]


def match(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    for route_method, pattern, handler in _ROUTES:
        if route_method == method:
            found = pattern.match(path)
            if found:
                return handler, found.groupdict()
    return None
