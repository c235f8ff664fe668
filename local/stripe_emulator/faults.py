"""Fault injection: make the next matching requests fail the way networks and Stripe sometimes do."""

from __future__ import annotations

import threading
from dataclasses import dataclass

HTTP_500 = "http_500"
HTTP_429 = "http_429"
DROP_BEFORE = "drop_before"  # close the connection without executing
DROP_AFTER = "drop_after"  # execute fully, then close without answering ("charged but never heard")
DELAY = "delay"  # execute after a pause; lets tests hold an idempotency key in flight
MODES = (HTTP_500, HTTP_429, DROP_BEFORE, DROP_AFTER, DELAY)


@dataclass
class Fault:
    method: str
    path_prefix: str
    mode: str
    remaining: int
    delay_seconds: float = 0.0


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, method: str, path_prefix: str, mode: str, count: int = 1, delay_seconds: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; expected one of {', '.join(MODES)}")
        with self._lock:
            self._faults.append(Fault(method.upper(), path_prefix, mode, count, delay_seconds))

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*") and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
