"""/v1/customers"""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import FREE, METADATA, STR, validate
from . import payment_methods
from .common import apply_metadata

_ADDRESS = {name: STR for name in ("city", "country", "line1", "line2", "postal_code", "state")}
_FIELDS = {
    "address": _ADDRESS,
    "description": STR,
    "email": STR,
    "metadata": METADATA,
    "name": STR,
    "phone": STR,
    "preferred_locales": FREE,
    "shipping": FREE,
    "invoice_settings": {"default_payment_method": STR},
}


def create(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**_FIELDS, "payment_method": STR})
    customer: dict[str, Any] = {
        "id": new_id("cus"),
        "object": "customer",
        "address": params.get("address"),
        "balance": 0,
        "created": ctx.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description"),
        "discount": None,
        "email": params.get("email"),
        "invoice_prefix": new_id("x")[2:10].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": apply_metadata({}, params.get("metadata")),
        "name": params.get("name"),
        "next_invoice_sequence": 1,
        "phone": params.get("phone"),
        "preferred_locales": [],
        "shipping": params.get("shipping"),
        "tax_exempt": "none",
        "test_clock": None,
    }
    payment_method = None
    if params.get("payment_method"):
        payment_method = payment_methods.resolve(ctx, params["payment_method"], "payment_method")
        payment_methods.check_attachable(ctx, payment_method, customer["id"])
    default_pm = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default_pm:
        customer["invoice_settings"]["default_payment_method"] = default_pm
    ctx.state.add(customer)
    ctx.emit("customer.created", customer)
    if payment_method is not None:
        payment_methods.attach_to(ctx, payment_method, customer)
    return customer


def retrieve(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("customer", ctx.path["id"])


def update(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, _FIELDS)
    customer = ctx.state.require("customer", ctx.path["id"])
    previous: dict[str, Any] = {}
    for name in ("address", "description", "email", "name", "phone", "shipping"):
        if name in params and params[name] != customer[name]:
            previous[name] = customer[name]
            customer[name] = params[name]
    if "metadata" in params:
        previous["metadata"] = dict(customer["metadata"])
        customer["metadata"] = apply_metadata(customer["metadata"], params["metadata"])
    default_pm = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default_pm:
        ctx.state.require("payment_method", default_pm, "invoice_settings[default_payment_method]")
        previous["invoice_settings"] = dict(customer["invoice_settings"])
        customer["invoice_settings"]["default_payment_method"] = default_pm
    if previous:
        ctx.emit("customer.updated", customer, previous)
    return customer


def delete(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    customer = ctx.state.require("customer", ctx.path["id"])
    ctx.state.remove("customer", customer["id"])
    ctx.emit("customer.deleted", customer)
    return {"id": customer["id"], "object": "customer", "deleted": True}


def list_(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, {**LIST_PARAMS, "email": STR, "created": FREE})
    email = params.get("email")
    return paginate(
        ctx.state.newest_first("customer"),
        params,
        "/v1/customers",
        "customer",
        lambda customer: email is None or customer["email"] == email,
    )


ROUTES = [
    ("POST", "/v1/customers", create),
    ("GET", "/v1/customers", list_),
    ("GET", "/v1/customers/{id}", retrieve),
    ("POST", "/v1/customers/{id}", update),
    ("DELETE", "/v1/customers/{id}", delete),
]
