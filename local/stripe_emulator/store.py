"""In-memory state of one emulated Stripe account. Every access happens under `State.lock`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .errors import resource_missing

# Id prefix → object type, used by lookups and `expand`.
PREFIX_TO_KIND = {
    "cus": "customer",
    "pm": "payment_method",
    "pi": "payment_intent",
    "ch": "charge",
    "re": "refund",
    "acct": "account",
    "tr": "transfer",
    "fee": "application_fee",
    "evt": "event",
    "we": "webhook_endpoint",
    "dp": "dispute",
}


@dataclass
class CardRecord:
    """What Stripe knows about a card PaymentMethod beyond its JSON."""

    number: str
    set_up_for_off_session: bool = False
    consumed: bool = False  # used without a customer, or detached: may not be used again


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.cards: dict[str, CardRecord] = {}
        self.webhook_secrets: dict[str, str] = {}
        self.return_urls: dict[str, str] = {}  # PaymentIntent id → return_url of its pending 3-D Secure

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects.setdefault(obj["object"], {})[obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        return self.objects.get(kind, {}).get(object_id)

    def require(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.get(kind, object_id) if isinstance(object_id, str) else None
        if obj is None:
            raise resource_missing(kind, str(object_id), param)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        kind = PREFIX_TO_KIND.get(object_id.partition("_")[0])
        return self.get(kind, object_id) if kind else None

    def newest_first(self, kind: str) -> list[dict[str, Any]]:
        return list(reversed(self.objects.get(kind, {}).values()))

    def remove(self, kind: str, object_id: str) -> None:
        self.objects.get(kind, {}).pop(object_id, None)
