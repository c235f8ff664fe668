"""/v1/payment_intents"""

from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..errors import StripeError, unexpected_state, validation_error
from ..ids import new_id, random_token
from ..listing import LIST_PARAMS, paginate
from ..params import BOOL, FREE, INT, LIST, METADATA, STR, Enum, validate
from . import charges, confirmation, payment_methods
from .common import CURRENCY_SYMBOLS, apply_metadata

MINIMUM_AMOUNT = 50
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)

_OFF_SESSION = Enum(("one_off", "recurring"), allow_bool=True)
_SETUP_FUTURE_USAGE = Enum(("off_session", "on_session"))
_CAPTURE_METHOD = Enum(("automatic", "automatic_async", "manual"))
_CONFIRM_FIELDS = {
    "payment_method": STR,
    "payment_method_data": payment_methods.CREATE_FIELDS,
    "return_url": STR,
    "off_session": _OFF_SESSION,
    "setup_future_usage": _SETUP_FUTURE_USAGE,
    "error_on_requires_action": BOOL,
    "receipt_email": STR,
    "capture_method": _CAPTURE_METHOD,
    "payment_method_options": FREE,
    "payment_method_types": LIST,
    "mandate_data": FREE,
    "use_stripe_sdk": BOOL,
}
_UPDATE_FIELDS = {
    "amount": INT,
    "currency": STR,
    "customer": STR,
    "description": STR,
    "metadata": METADATA,
    "payment_method": STR,
    "receipt_email": STR,
    "setup_future_usage": _SETUP_FUTURE_USAGE,
    "statement_descriptor": STR,
    "statement_descriptor_suffix": STR,
    "application_fee_amount": INT,
    "capture_method": _CAPTURE_METHOD,
    "payment_method_options": FREE,
    "payment_method_types": LIST,
    "shipping": FREE,
    "transfer_group": STR,
}
_CREATE_FIELDS = {
    **_UPDATE_FIELDS,
    **_CONFIRM_FIELDS,
    "confirm": BOOL,
    "confirmation_method": Enum(("automatic", "manual")),
    "automatic_payment_methods": {"enabled": BOOL, "allow_redirects": Enum(("always", "never"))},
    "transfer_data": {"destination": STR, "amount": INT},
    "on_behalf_of": STR,
}


def create(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, _CREATE_FIELDS, required=("amount", "currency"))
    _check_create_params(ctx, params)
    customer = params.get("customer")
    if customer is not None:
        ctx.state.require("customer", customer, "customer")
    if params.get("on_behalf_of"):
        ctx.state.require("account", params["on_behalf_of"], "on_behalf_of")
    transfer_data = params.get("transfer_data")
    if transfer_data:
        ctx.state.require("account", transfer_data.get("destination") or "", "transfer_data[destination]")
    payment_method = _payment_method_of(ctx, params)

    payment_intent = _build(ctx, params, payment_method)
    if payment_method is not None:
        confirmation.check_payment_method_owner(payment_intent, payment_method)
    ctx.state.add(payment_intent)
    ctx.emit("payment_intent.created", payment_intent)
    if params.get("confirm"):
        confirmation.confirm(
            ctx,
            payment_intent,
            off_session=bool(params.get("off_session")),
            return_url=params.get("return_url"),
            error_on_requires_action=bool(params.get("error_on_requires_action")),
        )
    return payment_intent


def _check_create_params(ctx: Context, params: dict[str, Any]) -> None:
    amount, currency = params["amount"], params["currency"].lower()
    if amount < MINIMUM_AMOUNT:
        symbol = CURRENCY_SYMBOLS.get(currency, "")
        raise validation_error(
            f"Amount must be at least {symbol}0.50 {currency}", code="amount_too_small", param="amount"
        )
    if not params.get("confirm"):
        for name in ("off_session", "return_url", "error_on_requires_action"):
            if params.get(name) is not None:
                raise validation_error(f"You may only specify `{name}` when `confirm` is set to `true`.", param=name)
    if params.get("automatic_payment_methods") is not None and params.get("payment_method_types"):
        raise _exclusive("automatic_payment_methods", "payment_method_types")
    if params.get("application_fee_amount") is not None and not params.get("transfer_data"):
        raise validation_error(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment "
            "(using an OAuth key or Stripe-Account header) or destination payment (using "
            "`transfer_data[destination]`).",
            param="application_fee_amount",
        )


def _exclusive(*names: str) -> StripeError:
    return validation_error(
        f"You may only specify one of these parameters: {', '.join(names)}.", code="parameters_exclusive"
    )


def _payment_method_of(ctx: Context, params: dict[str, Any]) -> dict[str, Any] | None:
    """The PaymentMethod named by `payment_method`, or a new one made from `payment_method_data`."""
    if params.get("payment_method") and params.get("payment_method_data"):
        raise _exclusive("payment_method", "payment_method_data")
    if params.get("payment_method"):
        return payment_methods.resolve(ctx, params["payment_method"], "payment_method")
    if params.get("payment_method_data"):
        return payment_methods.create_from(ctx, params["payment_method_data"], "payment_method_data")
    return None


def _build(ctx: Context, params: dict[str, Any], payment_method: dict[str, Any] | None) -> dict[str, Any]:
    payment_intent_id = new_id("pi")
    types = params.get("payment_method_types")
    automatic = params.get("automatic_payment_methods")
    if not types and automatic is None:
        # Recent API versions turn on dashboard payment methods when nothing is specified.
        automatic = {"enabled": True}
    if automatic is not None:
        automatic = {"allow_redirects": automatic.get("allow_redirects") or "always", "enabled": True}
    transfer_data = params.get("transfer_data")
    return {
        "id": payment_intent_id,
        "object": "payment_intent",
        "amount": params["amount"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": params.get("application_fee_amount"),
        "automatic_payment_methods": automatic,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.get("capture_method") or "automatic_async",
        "client_secret": f"{payment_intent_id}_secret_{random_token(25)}",
        "confirmation_method": params.get("confirmation_method") or "automatic",
        "created": ctx.now(),
        "currency": params["currency"].lower(),
        "customer": params.get("customer"),
        "description": params.get("description"),
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": apply_metadata({}, params.get("metadata")),
        "next_action": None,
        "on_behalf_of": params.get("on_behalf_of"),
        "payment_method": payment_method["id"] if payment_method else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": types or ["card"],
        "processing": None,
        "receipt_email": params.get("receipt_email"),
        "review": None,
        "setup_future_usage": params.get("setup_future_usage"),
        "shipping": params.get("shipping"),
        "source": None,
        "statement_descriptor": params.get("statement_descriptor"),
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix"),
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "transfer_data": {
            "destination": transfer_data["destination"],
            **({"amount": transfer_data["amount"]} if transfer_data.get("amount") else {}),
        }
        if transfer_data
        else None,
        "transfer_group": params.get("transfer_group") or (f"group_{payment_intent_id}" if transfer_data else None),
    }


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {"client_secret": STR})
    return ctx.state.require("payment_intent", ctx.path["id"])


def update(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, _UPDATE_FIELDS)
    payment_intent = ctx.state.require("payment_intent", ctx.path["id"])
    if params.get("customer"):
        ctx.state.require("customer", params["customer"], "customer")
    always_updatable = {"metadata", "description", "receipt_email", "shipping", "expand"}
    if set(params) - always_updatable and payment_intent["status"] not in confirmation.CONFIRMABLE:
        raise unexpected_state(
            f"This PaymentIntent's {sorted(set(params) - always_updatable)[0]} could not be updated because it "
            f"has a status of {payment_intent['status']}. You may only update the "
            f"{sorted(set(params) - always_updatable)[0]} of a PaymentIntent with one of the following statuses: "
            f"{', '.join(confirmation.CONFIRMABLE)}."
        )
    previous: dict[str, Any] = {}
    for name, value in params.items():
        if name == "expand":
            continue
        if name == "metadata":
            previous["metadata"] = dict(payment_intent["metadata"])
            payment_intent["metadata"] = apply_metadata(payment_intent["metadata"], value)
            continue
        if name == "payment_method" and value:
            value = payment_methods.resolve(ctx, value, "payment_method")["id"]
            payment_intent["status"] = "requires_confirmation"
        if name == "currency" and value:
            value = value.lower()
        previous[name] = payment_intent.get(name)
        payment_intent[name] = value
    if previous:
        ctx.emit("payment_intent.updated", payment_intent, previous)
    return payment_intent


def confirm(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**_CONFIRM_FIELDS, "client_secret": STR})
    payment_intent = ctx.state.require("payment_intent", ctx.path["id"])
    confirmation.ensure_confirmable(payment_intent)
    payment_method = _payment_method_of(ctx, params)
    if payment_method is not None:
        confirmation.check_payment_method_owner(payment_intent, payment_method)
        payment_intent["payment_method"] = payment_method["id"]
    for name in ("setup_future_usage", "receipt_email", "capture_method"):
        if params.get(name) is not None:
            payment_intent[name] = params[name]
    confirmation.confirm(
        ctx,
        payment_intent,
        off_session=bool(params.get("off_session")),
        return_url=params.get("return_url"),
        error_on_requires_action=bool(params.get("error_on_requires_action")),
    )
    return payment_intent


def capture(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {
            "amount_to_capture": INT,
            "application_fee_amount": INT,
            "metadata": METADATA,
            "statement_descriptor": STR,
            "statement_descriptor_suffix": STR,
            "final_capture": BOOL,
        },
    )
    payment_intent = ctx.state.require("payment_intent", ctx.path["id"])
    confirmation.capture(ctx, payment_intent, params.get("amount_to_capture"), params.get("application_fee_amount"))
    payment_intent["metadata"] = apply_metadata(payment_intent["metadata"], params.get("metadata"))
    return payment_intent


def cancel(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {"cancellation_reason": Enum(("abandoned", "duplicate", "fraudulent", "requested_by_customer"))},
    )
    payment_intent = ctx.state.require("payment_intent", ctx.path["id"])
    status = payment_intent["status"]
    if status not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent "
            f"with one of the following statuses may be canceled: {', '.join(CANCELABLE)}."
        )
    if status == "requires_capture":
        charge = charges.succeeded_charge_of(ctx.state, payment_intent)
        if charge is not None:
            charge.update(amount_refunded=charge["amount"], refunded=True)
    payment_intent.update(
        status="canceled",
        canceled_at=ctx.now(),
        cancellation_reason=params.get("cancellation_reason"),
        amount_capturable=0,
        next_action=None,
    )
    ctx.emit("payment_intent.canceled", payment_intent)
    return payment_intent


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "customer": STR, "created": FREE})
    customer = params.get("customer")
    return paginate(
        ctx.state.newest_first("payment_intent"),
        params,
        "/v1/payment_intents",
        "payment_intent",
        lambda payment_intent: customer is None or payment_intent["customer"] == customer,
    )


_SEARCH_CLAUSE = re.compile(
    r"""^\s*(metadata\['(?P<key>[^']+)'\]|(?P<field>status|customer|currency))\s*:\s*'(?P<value>[^']*)'\s*$"""
)


def search(ctx: Context) -> dict[str, Any]:
    """Stripe's search query language, the subset we use: `field:'value'` clauses joined by AND."""
    params = validate(ctx.params, {"query": STR, "limit": INT, "page": STR})
    query = params.get("query")
    if not query:
        raise validation_error("Missing required param: query.", param="query", code="parameter_missing")
    clauses = []
    for part in re.split(r"\s+AND\s+", query):
        found = _SEARCH_CLAUSE.match(part)
        if found is None:
            raise validation_error(f"Invalid search query: {query}", param="query")
        clauses.append(found)

    def matches(payment_intent: dict[str, Any]) -> bool:
        for clause in clauses:
            if clause["key"] is not None:
                actual = (payment_intent.get("metadata") or {}).get(clause["key"])
            else:
                actual = payment_intent.get(clause["field"])
            if actual != clause["value"]:
                return False
        return True

    limit = params.get("limit") or 10
    matching = [pi for pi in ctx.state.newest_first("payment_intent") if matches(pi)]
    return {
        "object": "search_result",
        "data": matching[:limit],
        "has_more": len(matching) > limit,
        "next_page": None,
        "url": "/v1/payment_intents/search",
    }


ROUTES = [
    ("POST", "/v1/payment_intents", create),
    ("GET", "/v1/payment_intents", list_),
    ("GET", "/v1/payment_intents/search", search),
    ("GET", "/v1/payment_intents/{id}", retrieve),
    ("POST", "/v1/payment_intents/{id}", update),
    ("POST", "/v1/payment_intents/{id}/confirm", confirm),
    ("POST", "/v1/payment_intents/{id}/capture", capture),
    ("POST", "/v1/payment_intents/{id}/cancel", cancel),
]
