"""/v1/events and /v1/webhook_endpoints"""

from __future__ import annotations

import fnmatch
import secrets
from typing import Any

from ..context import Context
from ..errors import validation_error
from ..ids import new_id
from ..listing import LIST_PARAMS, paginate
from ..params import BOOL, FREE, LIST, METADATA, STR, validate
from .common import apply_metadata


def retrieve_event(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("event", ctx.path["id"])


def list_events(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params, {**LIST_PARAMS, "type": STR, "types": LIST, "created": FREE, "delivery_success": BOOL}
    )
    patterns = params.get("types") or ([params["type"]] if params.get("type") else ["*"])
    return paginate(
        ctx.state.newest_first("event"),
        params,
        "/v1/events",
        "event",
        lambda event: any(fnmatch.fnmatchcase(event["type"], pattern) for pattern in patterns),
    )


def create_endpoint(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {
            "url": STR,
            "enabled_events": LIST,
            "description": STR,
            "metadata": METADATA,
            "api_version": STR,
            "connect": BOOL,
        },
        required=("url", "enabled_events"),
    )
    if not params["url"].startswith(("http://", "https://")):
        raise validation_error(f"Invalid URL: {params['url']}. URLs must begin with http or https.", param="url")
    if not params["enabled_events"]:
        raise validation_error(
            "Missing required param: enabled_events.", code="parameter_missing", param="enabled_events"
        )
    secret = f"whsec_{secrets.token_hex(16)}"
    endpoint = ctx.state.add(
        {
            "id": new_id("we"),
            "object": "webhook_endpoint",
            "api_version": params.get("api_version"),
            "application": None,
            "created": ctx.now(),
            "description": params.get("description"),
            "enabled_events": params["enabled_events"],
            "livemode": False,
            "metadata": apply_metadata({}, params.get("metadata")),
            "status": "enabled",
            "url": params["url"],
        }
    )
    ctx.state.webhook_secrets[endpoint["id"]] = secret
    # The secret is only ever shown in the creation response.
    return {**endpoint, "secret": secret}


def retrieve_endpoint(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    return ctx.state.require("webhook_endpoint", ctx.path["id"])


def update_endpoint(ctx: Context) -> dict[str, Any]:
    params = validate(
        ctx.params,
        {"url": STR, "enabled_events": LIST, "description": STR, "metadata": METADATA, "disabled": BOOL},
    )
    endpoint = ctx.state.require("webhook_endpoint", ctx.path["id"])
    for name in ("url", "enabled_events", "description"):
        if params.get(name):
            endpoint[name] = params[name]
    if params.get("disabled") is not None:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    endpoint["metadata"] = apply_metadata(endpoint["metadata"], params.get("metadata"))
    return endpoint


def delete_endpoint(ctx: Context) -> dict[str, Any]:
    validate(ctx.params, {})
    endpoint = ctx.state.require("webhook_endpoint", ctx.path["id"])
    ctx.state.remove("webhook_endpoint", endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def list_endpoints(ctx: Context) -> dict[str, Any]:
    params = validate(ctx.params, LIST_PARAMS)
    return paginate(ctx.state.newest_first("webhook_endpoint"), params, "/v1/webhook_endpoints", "webhook_endpoint")


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
    ("POST", "/v1/webhook_endpoints", create_endpoint),
    ("GET", "/v1/webhook_endpoints", list_endpoints),
    ("GET", "/v1/webhook_endpoints/{id}", retrieve_endpoint),
    ("POST", "/v1/webhook_endpoints/{id}", update_endpoint),
    ("DELETE", "/v1/webhook_endpoints/{id}", delete_endpoint),
]
