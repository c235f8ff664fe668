"""/v1/refunds"""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import invalid_request, validation_error
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import BOOL, FREE, INT, METADATA, STR, Enum, validate
from . import charges, connect
from .common import apply_metadata, format_amount


def create(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {
            "charge": STR,
            "payment_intent": STR,
            "amount": INT,
            "reason": Enum(("duplicate", "fraudulent", "requested_by_customer")),
            "metadata": METADATA,
            "reverse_transfer": BOOL,
            "refund_application_fee": BOOL,
            "instructions_email": STR,
        },
    )
    charge = _charge_to_refund(ctx, params)
    if charge["disputed"]:
        raise invalid_request(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.", code="charge_disputed"
        )
    if charge["refunded"]:
        raise invalid_request(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    left = charges.remaining(charge)
    amount = left if params.get("amount") is None else params["amount"]
    if amount <= 0:
        raise validation_error("Invalid positive integer", param="amount")
    if amount > left:
        raise invalid_request(
            f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than unrefunded amount on "
            f"charge ({format_amount(left, charge['currency'])})",
            param="amount",
        )
    if params.get("reverse_transfer") and not charge["transfer"]:
        raise invalid_request(
            "You cannot reverse the transfer of a charge that has no transfer.", param="reverse_transfer"
        )

    refund = ctx.state.add(
        {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "charge": charge["id"],
            "created": ctx.now(),
            "currency": charge["currency"],
            "destination_details": {
                "card": {
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
                "type": "card",
            },
            "metadata": apply_metadata({}, params.get("metadata")),
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
    )
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charges.remaining(charge) == 0
    if params.get("reverse_transfer"):
        connect.reverse_transfer(ctx, charge, refund)
    if params.get("refund_application_fee"):
        connect.refund_application_fee(ctx, charge, refund)
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    return refund


def _charge_to_refund(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("charge"):
        charge = ctx.state.require("charge", params["charge"], "charge")
    elif params.get("payment_intent"):
        payment_intent = ctx.state.require("payment_intent", params["payment_intent"], "payment_intent")
        succeeded = charges.succeeded_charge_of(ctx.state, payment_intent)
        if succeeded is None:
            raise invalid_request(
                f"This PaymentIntent ({payment_intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge = succeeded
    else:
        raise validation_error(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    if charge["status"] != "succeeded":
        raise invalid_request(f"Charge {charge['id']} has not succeeded; cannot issue a refund.", param="charge")
    if not charge["captured"]:
        raise invalid_request(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent to release the funds.",
            param="charge",
        )
    return charge


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("refund", ctx.path["id"])


def update(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {"metadata": METADATA})
    refund = ctx.state.require("refund", ctx.path["id"])
    refund["metadata"] = apply_metadata(refund["metadata"], params.get("metadata"))
    ctx.emit("refund.updated", refund)
    return refund


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "charge": STR, "payment_intent": STR, "created": FREE})
    wanted = {name: params[name] for name in ("charge", "payment_intent") if params.get(name)}
    return paginate(
        ctx.state.newest_first("refund"),
        params,
        "/v1/refunds",
        "refund",
        lambda refund: all(refund[name] == value for name, value in wanted.items()),
    )


ROUTES = [
    ("POST", "/v1/refunds", create),
    ("GET", "/v1/refunds", list_),
    ("GET", "/v1/refunds/{id}", retrieve),
    ("POST", "/v1/refunds/{id}", update),
]
