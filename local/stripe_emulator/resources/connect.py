"""Connect: accounts, and the transfers and application fees of destination charges."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import FREE, METADATA, STR, Enum, validate
from .common import apply_metadata

PLATFORM_APPLICATION = new_id("ca")


def create_account(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {
            "type": Enum(("standard", "express", "custom")),
            "country": STR,
            "email": STR,
            "business_type": Enum(("company", "government_entity", "individual", "non_profit")),
            "capabilities": FREE,
            "business_profile": FREE,
            "controller": FREE,
            "default_currency": STR,
            "metadata": METADATA,
            "tos_acceptance": FREE,
        },
    )
    account_id = new_id("acct")
    account: dict[str, Any] = {
        "id": account_id,
        "object": "account",
        "business_profile": {"mcc": None, "name": None, "url": None, "support_email": None},
        "business_type": params.get("business_type"),
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "application", "is_controller": True},
        "country": params.get("country") or "US",
        "created": ctx.now(),
        "default_currency": params.get("default_currency") or "usd",
        "details_submitted": True,
        "email": params.get("email"),
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "metadata": apply_metadata({}, params.get("metadata")),
        "payouts_enabled": True,
        "requirements": {
            "currently_due": [],
            "disabled_reason": None,
            "eventually_due": [],
            "past_due": [],
            "pending_verification": [],
        },
        "settings": {"payouts": {"schedule": {"interval": "daily", "delay_days": 2}}},
        "type": params.get("type") or "custom",
    }
    return ctx.state.add(account)


def retrieve_account(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("account", ctx.path["id"])


def list_accounts(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "created": FREE})
    return paginate(ctx.state.newest_first("account"), params, "/v1/accounts", "account")


def settle_destination_charge(
    ctx: Context, payment_intent: dict[str, Any], charge: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Create the transfer and application fee of a captured destination charge; returns events to emit."""
    transfer_data = payment_intent["transfer_data"]
    if not transfer_data:
        return []
    fee_amount = payment_intent["application_fee_amount"] or 0
    transfer_amount = transfer_data.get("amount") or charge["amount_captured"] - fee_amount
    transfer_id = new_id("tr")
    transfer = ctx.state.add(
        {
            "id": transfer_id,
            "object": "transfer",
            "amount": transfer_amount,
            "amount_reversed": 0,
            "balance_transaction": new_id("txn"),
            "created": ctx.now(),
            "currency": charge["currency"],
            "description": None,
            "destination": transfer_data["destination"],
            "destination_payment": new_id("py"),
            "livemode": False,
            "metadata": {},
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": charge["id"],
            "source_type": "card",
            "transfer_group": payment_intent["transfer_group"],
        }
    )
    charge["transfer"] = transfer_id
    events = [("transfer.created", transfer)]
    if fee_amount:
        fee_id = new_id("fee")
        fee = ctx.state.add(
            {
                "id": fee_id,
                "object": "application_fee",
                "account": transfer_data["destination"],
                "amount": fee_amount,
                "amount_refunded": 0,
                "application": PLATFORM_APPLICATION,
                "balance_transaction": new_id("txn"),
                "charge": charge["id"],
                "created": ctx.now(),
                "currency": charge["currency"],
                "fee_source": {"charge": charge["id"], "type": "charge"},
                "livemode": False,
                "originating_transaction": charge["id"],
                "refunded": False,
                "refunds": {
                    "object": "list",
                    "data": [],
                    "has_more": False,
                    "total_count": 0,
                    "url": f"/v1/application_fees/{fee_id}/refunds",
                },
            }
        )
        charge["application_fee"] = fee_id
        charge["application_fee_amount"] = fee_amount
        events.append(("application_fee.created", fee))
    return events


def reverse_transfer(ctx: Context, charge: dict[str, Any], refund: dict[str, Any]) -> None:
    """Reverse the destination transfer in proportion to the refund (the remainder on a full refund)."""
    transfer = ctx.state.require("transfer", charge["transfer"], "reverse_transfer")
    left = transfer["amount"] - transfer["amount_reversed"]
    amount = left if charge["refunded"] else min(left, transfer["amount"] * refund["amount"] // charge["amount"])
    reversal = {
        "id": new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "created": ctx.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": new_id("pyr"),
        "metadata": {},
        "source_refund": refund["id"],
        "transfer": transfer["id"],
    }
    transfer["reversals"]["data"].insert(0, reversal)
    transfer["reversals"]["total_count"] += 1
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
    refund["transfer_reversal"] = reversal["id"]
    ctx.emit("transfer.reversed", transfer)


def refund_application_fee(ctx: Context, charge: dict[str, Any], refund: dict[str, Any]) -> None:
    fee = ctx.state.get("application_fee", charge["application_fee"] or "")
    if fee is None:
        return
    left = fee["amount"] - fee["amount_refunded"]
    amount = left if charge["refunded"] else min(left, fee["amount"] * refund["amount"] // charge["amount"])
    fee_refund = {
        "id": new_id("fr"),
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "created": ctx.now(),
        "currency": fee["currency"],
        "fee": fee["id"],
        "metadata": {},
    }
    fee["refunds"]["data"].insert(0, fee_refund)
    fee["refunds"]["total_count"] += 1
    fee["amount_refunded"] += amount
    fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
    ctx.emit("application_fee.refunded", fee)


def retrieve_transfer(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("transfer", ctx.path["id"])


def list_transfers(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "destination": STR, "transfer_group": STR, "created": FREE})
    destination = params.get("destination")
    return paginate(
        ctx.state.newest_first("transfer"),
        params,
        "/v1/transfers",
        "transfer",
        lambda transfer: destination is None or transfer["destination"] == destination,
    )


def retrieve_application_fee(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("application_fee", ctx.path["id"])


def list_application_fees(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "charge": STR, "created": FREE})
    charge = params.get("charge")
    return paginate(
        ctx.state.newest_first("application_fee"),
        params,
        "/v1/application_fees",
        "application_fee",
        lambda fee: charge is None or fee["charge"] == charge,
    )


ROUTES = [
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/accounts", list_accounts),
    ("GET", "/v1/accounts/{id}", retrieve_account),
    ("GET", "/v1/transfers", list_transfers),
    ("GET", "/v1/transfers/{id}", retrieve_transfer),
    ("GET", "/v1/application_fees", list_application_fees),
    ("GET", "/v1/application_fees/{id}", retrieve_application_fee),
]
