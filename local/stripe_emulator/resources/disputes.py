"""Disputes: created only through the emulator endpoint, readable through /v1/disputes."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import invalid_request
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import FREE, STR, validate

REASONS = (
    "fraudulent",
    "product_not_received",
    "duplicate",
    "general",
    "unrecognized",
    "credit_not_processed",
)


def open_dispute(ctx: Context, charge_id: str, reason: str, amount: int | None) -> dict[str, Any]:
    charge = ctx.state.require("charge", charge_id)
    if charge["status"] != "succeeded":
        raise invalid_request(f"Charge {charge_id} did not succeed and cannot be disputed.")
    if reason not in REASONS:
        raise invalid_request(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    dispute = ctx.state.add(
        {
            "id": new_id("dp"),
            "object": "dispute",
            "amount": amount or charge["amount_captured"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": ctx.now(),
            "currency": charge["currency"],
            "evidence": {},
            "evidence_details": {"due_by": ctx.now() + 7 * 86400, "has_evidence": False, "past_due": False},
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "needs_response",
        }
    )
    charge["disputed"] = True
    ctx.emit("charge.dispute.created", dispute)
    return dispute


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("dispute", ctx.path["id"])


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "charge": STR, "payment_intent": STR, "created": FREE})
    wanted = {name: params[name] for name in ("charge", "payment_intent") if params.get(name)}
    return paginate(
        ctx.state.newest_first("dispute"),
        params,
        "/v1/disputes",
        "dispute",
        lambda dispute: all(dispute[name] == value for name, value in wanted.items()),
    )


ROUTES = [
    ("GET", "/v1/disputes", list_),
    ("GET", "/v1/disputes/{id}", retrieve),
]
