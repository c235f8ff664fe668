"""/v1/payment_methods: card PaymentMethods from raw numbers or magic `pm_card_*` ids; attach and detach."""

from __future__ import annotations

import datetime
from typing import Any

from .. import cards
from ..context import Context
from ..errors import StripeError, invalid_request, validation_error
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import METADATA, STR, Enum, validate
from ..store import CardRecord
from .common import apply_metadata

PREVIOUSLY_USED = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared "
    "with a connected account without Customer attachment, or was detached from a Customer. It may not be "
    "used again. To use a PaymentMethod multiple times, you must attach it to a Customer first."
)

_ADDRESS = {name: STR for name in ("city", "country", "line1", "line2", "postal_code", "state")}
_BILLING_DETAILS = {"address": _ADDRESS, "email": STR, "name": STR, "phone": STR, "tax_id": STR}
_CARD = {"number": STR, "exp_month": STR, "exp_year": STR, "cvc": STR, "token": STR}


# POST /v1/payment_methods; a PaymentIntent's `payment_method_data` takes the same hash.
CREATE_FIELDS = {
    "type": Enum(("card",)),
    "card": _CARD,
    "billing_details": _BILLING_DETAILS,
    "metadata": METADATA,
    "allow_redisplay": Enum(("always", "limited", "unspecified")),
}


def create(ctx: Context) -> dict[str, Any]:
    return create_from(ctx, validate(ctx.params, CREATE_FIELDS, required=("type",)))


def create_from(ctx: Context, params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A card PaymentMethod from validated CREATE_FIELDS; `prefix` names the hash they came in, if nested.

    Every check runs before anything is stored, so a refused card leaves no PaymentMethod behind.
    """
    if params.get("type") is None:
        raise _missing(prefix, "type")
    card = params.get("card")
    if card is None:
        raise _missing(prefix, "card")
    if card.get("token"):
        number = cards.magic_number(card["token"])
        if number is None:
            raise invalid_request(
                f"No such token: '{card['token']}'", code="resource_missing", param=_nested(prefix, "card[token]")
            )
        return _create_from_number(ctx, number, params)
    for field in ("number", "exp_month", "exp_year"):
        if card.get(field) is None:
            raise _missing(prefix, f"card[{field}]")
    today = datetime.datetime.fromtimestamp(ctx.now(), datetime.UTC).date()
    try:
        raw = cards.validate_raw(card, today)
    except StripeError as error:
        error.param = _nested(prefix, error.param or "card")
        raise
    cvc_check = None
    if raw.cvc is not None:
        cvc_check = "fail" if cards.lookup(raw.number).decline is cards.INCORRECT_CVC else "pass"
    return build(ctx, raw, cvc_check, params.get("billing_details"), params.get("metadata"))


def _missing(prefix: str, name: str) -> StripeError:
    full_name = _nested(prefix, name)
    return validation_error(f"Missing required param: {full_name}.", code="parameter_missing", param=full_name)


def _nested(prefix: str, name: str) -> str:
    """`card[number]` as Stripe names it inside `payment_method_data`: `payment_method_data[card][number]`."""
    if not prefix:
        return name
    head, bracket, rest = name.partition("[")
    return f"{prefix}[{head}]{bracket}{rest}"


def _create_from_number(ctx: Context, number: str, params: dict[str, Any]) -> dict[str, Any]:
    raw = cards.RawCard(number, 12, datetime.datetime.fromtimestamp(ctx.now(), datetime.UTC).year + 8, None)
    return build(ctx, raw, None, params.get("billing_details"), params.get("metadata"))


def build(
    ctx: Context,
    raw: cards.RawCard,
    cvc_check: str | None,
    billing_details: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    billing_details = billing_details or {}
    address = {name: None for name in _ADDRESS} | (billing_details.get("address") or {})
    payment_method: dict[str, Any] = {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": address,
            "email": billing_details.get("email"),
            "name": billing_details.get("name"),
            "phone": billing_details.get("phone"),
            "tax_id": billing_details.get("tax_id"),
        },
        "card": cards.card_details(raw, cvc_check),
        "created": ctx.now(),
        "customer": None,
        "livemode": False,
        "metadata": apply_metadata({}, metadata),
        "type": "card",
    }
    ctx.state.cards[payment_method["id"]] = CardRecord(raw.number)
    return ctx.state.add(payment_method)


def resolve(ctx: Context, payment_method_id: str, param: str) -> dict[str, Any]:
    """Look up a PaymentMethod; each use of a magic `pm_card_*` id yields a fresh unattached one."""
    number = cards.magic_number(payment_method_id)
    if number is not None:
        year = datetime.datetime.fromtimestamp(ctx.now(), datetime.UTC).year + 8
        return build(ctx, cards.RawCard(number, 12, year, None), None)
    return ctx.state.require("payment_method", payment_method_id, param)


def test_card(ctx: Context, payment_method: dict[str, Any]) -> cards.TestCard:
    return cards.lookup(ctx.state.cards[payment_method["id"]].number)


def check_attachable(ctx: Context, payment_method: dict[str, Any], customer_id: str) -> None:
    if ctx.state.cards[payment_method["id"]].consumed:
        raise invalid_request(PREVIOUSLY_USED)
    if payment_method["customer"] not in (None, customer_id):
        raise invalid_request(
            "The payment method you provided has already been attached to a customer.",
            code="payment_method_unexpected_state",
        )
    decline = test_card(ctx, payment_method).decline
    if decline is not None:
        # Cards that always decline cannot be saved either: the attach-time check fails the same way.
        raise decline.error()


def attach_to(ctx: Context, payment_method: dict[str, Any], customer: dict[str, Any]) -> None:
    if payment_method["customer"] == customer["id"]:
        return
    payment_method["customer"] = customer["id"]
    ctx.emit("payment_method.attached", payment_method)


def attach(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {"customer": STR}, required=("customer",))
    customer = ctx.state.require("customer", params["customer"], "customer")
    payment_method = resolve(ctx, ctx.path["id"], "id")
    check_attachable(ctx, payment_method, customer["id"])
    attach_to(ctx, payment_method, customer)
    return payment_method


def detach(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    payment_method = ctx.state.require("payment_method", ctx.path["id"])
    if payment_method["customer"] is None:
        raise invalid_request(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            code="payment_method_unexpected_state",
        )
    previous = {"customer": payment_method["customer"]}
    payment_method["customer"] = None
    ctx.state.cards[payment_method["id"]].consumed = True
    ctx.emit("payment_method.detached", payment_method, previous)
    return payment_method


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("payment_method", ctx.path["id"])


def update(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {
            "billing_details": _BILLING_DETAILS,
            "metadata": METADATA,
            "card": {"exp_month": STR, "exp_year": STR},
        },
    )
    payment_method = ctx.state.require("payment_method", ctx.path["id"])
    payment_method["metadata"] = apply_metadata(payment_method["metadata"], params.get("metadata"))
    for name, value in (params.get("billing_details") or {}).items():
        payment_method["billing_details"][name] = value
    ctx.emit("payment_method.updated", payment_method)
    return payment_method


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "customer": STR, "type": Enum(("card",))})
    customer = params.get("customer")
    if customer is not None:
        ctx.state.require("customer", customer, "customer")
    return paginate(
        ctx.state.newest_first("payment_method"),
        params,
        "/v1/payment_methods",
        "payment_method",
        lambda pm: customer is None or pm["customer"] == customer,
    )


def list_for_customer(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "type": Enum(("card",))})
    customer = ctx.state.require("customer", ctx.path["id"])
    return paginate(
        ctx.state.newest_first("payment_method"),
        params,
        f"/v1/customers/{customer['id']}/payment_methods",
        "payment_method",
        lambda pm: pm["customer"] == customer["id"],
    )


ROUTES = [
    ("POST", "/v1/payment_methods", create),
    ("GET", "/v1/payment_methods", list_),
    ("GET", "/v1/payment_methods/{id}", retrieve),
    ("POST", "/v1/payment_methods/{id}", update),
    ("POST", "/v1/payment_methods/{id}/attach", attach),
    ("POST", "/v1/payment_methods/{id}/detach", detach),
    ("GET", "/v1/customers/{id}/payment_methods", list_for_customer),
]
