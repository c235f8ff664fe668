"""/v1/charges: the Charge objects that PaymentIntent confirmations create."""

from __future__ import annotations

import copy
from typing import Any

from ..cards import CardFailure
from ..context import Context
from ..ids import new_id, random_token
from ..listing import LIST_PARAMS, paginate
from ..params import FREE, METADATA, STR, validate
from ..store import State
from .common import apply_metadata


def record(
    ctx: Context,
    payment_intent: dict[str, Any],
    payment_method: dict[str, Any],
    failure: CardFailure | None,
    *,
    captured: bool,
    three_d_secure: bool = False,
) -> dict[str, Any]:
    succeeded = failure is None
    amount = payment_intent["amount"]
    card = payment_method["card"]
    charge = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if succeeded and captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn") if succeeded and captured else None,
        "billing_details": copy.deepcopy(payment_method["billing_details"]),
        "calculated_statement_descriptor": "LINGUAFLEX",
        "captured": succeeded and captured,
        "created": ctx.now(),
        "currency": payment_intent["currency"],
        "customer": payment_intent["customer"],
        "description": payment_intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure.code if failure else None,
        "failure_message": failure.message if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(payment_intent["metadata"]),
        "on_behalf_of": payment_intent["on_behalf_of"],
        "outcome": _outcome(failure),
        "paid": succeeded,
        "payment_intent": payment_intent["id"],
        "payment_method": payment_method["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": amount if succeeded else None,
                "brand": card["brand"],
                "checks": {**card["checks"], "cvc_check": card["checks"]["cvc_check"] or "pass"},
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "last4": card["last4"],
                "network": card["brand"],
                "three_d_secure": {
                    "authentication_flow": "challenge",
                    "result": "authenticated",
                    "version": "2.2.0",
                }
                if three_d_secure
                else None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": payment_intent["receipt_email"],
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{random_token(40)}" if succeeded else None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": payment_intent["statement_descriptor"],
        "statement_descriptor_suffix": payment_intent["statement_descriptor_suffix"],
        "status": "succeeded" if succeeded else "failed",
        "transfer": None,
        "transfer_data": copy.deepcopy(payment_intent["transfer_data"]),
        "transfer_group": payment_intent["transfer_group"],
    }
    return ctx.state.add(charge)


def _outcome(failure: CardFailure | None) -> dict[str, Any]:
    if failure is None:
        return {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    if failure.decline_code == "fraudulent":
        return {
            "network_status": "not_sent_to_network",
            "reason": "highest_risk_level",
            "risk_level": "highest",
            "risk_score": 95,
            "seller_message": "Stripe blocked this payment as too risky.",
            "type": "blocked",
        }
    return {
        "network_status": "declined_by_network",
        "reason": failure.decline_code or failure.code,
        "risk_level": "normal",
        "risk_score": 40,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def remaining(charge: dict[str, Any]) -> int:
    return charge["amount_captured"] - charge["amount_refunded"]


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("charge", ctx.path["id"])


def update(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {"metadata": METADATA, "description": STR, "receipt_email": STR})
    charge = ctx.state.require("charge", ctx.path["id"])
    charge["metadata"] = apply_metadata(charge["metadata"], params.get("metadata"))
    for name in ("description", "receipt_email"):
        if name in params:
            charge[name] = params[name]
    ctx.emit("charge.updated", charge)
    return charge


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "payment_intent": STR, "customer": STR, "created": FREE})
    wanted = {name: params[name] for name in ("payment_intent", "customer") if params.get(name)}
    return paginate(
        ctx.state.newest_first("charge"),
        params,
        "/v1/charges",
        "charge",
        lambda charge: all(charge[name] == value for name, value in wanted.items()),
    )


def succeeded_charge_of(state: State, payment_intent: dict[str, Any]) -> dict[str, Any] | None:
    charge = state.get("charge", payment_intent["latest_charge"] or "")
    return charge if charge is not None and charge["status"] == "succeeded" else None


ROUTES = [
    ("GET", "/v1/charges", list_),
    ("GET", "/v1/charges/{id}", retrieve),
    ("POST", "/v1/charges/{id}", update),
]
