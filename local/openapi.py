"""`make openapi`: one OpenAPI 3.1 document for the whole API, merged from the handlers' own resolvers.

Each HTTP function's Powertools resolver already knows its routes, parameters and pydantic request bodies;
this merges their documents, adds what only the template knows (which routes the JWT authorizer guards) and
what the shared error handling does (the contract's error envelope instead of Powertools' 422), and writes
`openapi.json`. The local stack serves the same document at `/openapi.json` and Swagger UI at `/docs`.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from local.lambda_runtime import load_module
from local.template_model import ROOT, Route, functions, load_template, routes

OPENAPI_FILE = ROOT / "openapi.json"
TITLE = "LinguaFlex Payments API"
LOCAL_SERVER = "http://localhost:8000"
SECURITY_SCHEME = "bearerAuth"
DESCRIPTION = (
    "Payments backend of the LinguaFlex tutoring marketplace: students save cards and pay for gigs, teachers "
    "confirm bookings, admins decide refund requests. The contract is `backend-payment-flow-guide.md`.\n\n"
    "Every operation except the Stripe webhook needs `Authorization: Bearer <JWT>` (`make dev` prints tokens). "
    'Errors use the envelope `{"success": false, "error": ..., "details": {...}}`.'
)
TAGS = {
    "AddPaymentMethodFunction": "Payment methods",
    "ListPaymentMethodsFunction": "Payment methods",
    "ProcessPaymentFunction": "Payments",
    "PaymentStatusFunction": "Payments",
    "BookingsFunction": "Bookings",
    "RefundsFunction": "Refunds",
    "StripeWebhookFunction": "Stripe webhook",
}
# Success statuses other than Powertools' default 200: the handlers return a Response with these codes.
SUCCESS_RESPONSES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/api/payments/add-payment-method/"): {
        "201": "Payment method added",
        "200": "This card is already saved for the student (nothing created)",
    },
    ("POST", "/api/payments/process-payment/"): {
        "201": "Payment succeeded; the booking awaits the teacher's confirmation",
        "202": "Payment not final yet (`status` is `requires_action` or `processing`)",
    },
    ("POST", "/stripe-payments/process-payment/"): {
        "201": "Payment succeeded; the booking awaits the teacher's confirmation",
        "202": "Payment not final yet (`status` is `requires_action` or `processing`)",
    },
    ("POST", "/api/payments/payments/{payment_id}/refund-request/"): {"201": "Refund request submitted"},
}
ERROR_ENVELOPE = {
    "type": "object",
    "title": "ErrorResponse",
    "required": ["success", "error"],
    "properties": {
        "success": {"type": "boolean", "const": False},
        "error": {"type": "string", "examples": ["Your card was declined."]},
        "details": {"type": "object", "additionalProperties": True},
    },
}
GATEWAY_MESSAGE = {
    "type": "object",
    "title": "GatewayMessage",
    "description": "Answered by API Gateway itself (the authorizer refused the request).",
    "required": ["message"],
    "properties": {"message": {"type": "string", "examples": ["Unauthorized"]}},
}
STRIPE_EVENT = {
    "type": "object",
    "title": "StripeEvent",
    "description": "A Stripe event, verified with the `Stripe-Signature` header over the raw body.",
    "required": ["id", "type", "data"],
    "properties": {
        "id": {"type": "string", "examples": ["evt_1NG8Du2eZvKYlo2CUI79vXWy"]},
        "type": {"type": "string", "examples": ["payment_intent.succeeded"]},
        "data": {"type": "object", "properties": {"object": {"type": "object"}}},
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def contract_routes(template: dict[str, Any] | None = None) -> list[Route]:
    """The template's routes without the no-trailing-slash twins (same function, same method)."""
    found = routes(template or load_template())
    keys = {(r.method, r.path, r.function) for r in found}
    return [r for r in found if r.path.endswith("/") or (r.method, r.path + "/", r.function) not in keys]


@cache
def http_apps() -> dict[str, Any]:
    """The Powertools resolver (`app`) of every function that serves HTTP routes, by logical id."""
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    specs = functions()
    apps = {}
    for name in sorted({r.function for r in routes()}):
        apps[name] = load_module(specs[name]).app
    return apps


def _registered(app: Any) -> list[Any]:
    # Powertools keeps its route table private; reading it is the only way to see what will match.
    return [*app._static_routes, *app._dynamic_routes]


def served_routes(app: Any) -> set[tuple[str, str]]:
    """(METHOD, path in template form) for every route the resolver registered, twins included."""
    return {(r.method.upper(), re.sub(r"<(\w+)>", r"{\1}", r.path)) for r in _registered(app)}


def build_document(server_url: str = LOCAL_SERVER) -> dict[str, Any]:
    template = load_template()
    guarded = {(r.method, r.path): r for r in contract_routes(template)}
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for function, app in http_apps().items():
        handler_names = {(r.method.lower(), r.openapi_path): r.func.__name__ for r in _registered(app)}
        part = json.loads(app.get_openapi_json_schema(title=TITLE))
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if schemas.setdefault(name, schema) != schema:
                raise ValueError(f"schema {name!r} differs between handlers; rename one of the models")
        for path, item in part["paths"].items():
            for method, operation in item.items():
                route = guarded.get((method.upper(), path))
                if route is None:
                    raise ValueError(f"{function} documents {method.upper()} {path}, which template.yaml lacks")
                summary = handler_names[(method, path)].replace("_", " ").capitalize()
                paths.setdefault(path, {})[method] = _operation(operation, route, summary)
    schemas.update(ErrorResponse=ERROR_ENVELOPE, GatewayMessage=GATEWAY_MESSAGE, StripeEvent=STRIPE_EVENT)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": _version(), "description": DESCRIPTION},
        "servers": [{"url": server_url, "description": "Local stack (`make dev`)"}],
        "tags": [{"name": tag} for tag in dict.fromkeys(TAGS.values())],
        "paths": {path: dict(sorted(paths[path].items())) for path in sorted(paths)},
        "components": {
            "schemas": {},
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Access token from the identity service (`make dev` prints local ones).",
                }
            },
        },
    }
    used = _referenced(document["paths"], schemas)
    document["components"]["schemas"] = {name: schemas[name] for name in sorted(used)}
    return document


def _operation(operation: dict[str, Any], route: Route, summary: str) -> dict[str, Any]:
    out = dict(operation)
    out["summary"] = summary
    out["description"] = f"`{route.route_key}` (also served without the trailing slash), function `{route.function}`."
    out["tags"] = [TAGS.get(route.function, route.function.removesuffix("Function"))]
    responses: dict[str, Any] = {}
    for status, text in SUCCESS_RESPONSES.get((route.method, route.path), {"200": "OK"}).items():
        responses[status] = {"description": text, "content": {"application/json": {}}}
    responses["400"] = {
        "description": "Invalid request (validation errors by field)",
        "content": _json_content(_ref("ErrorResponse")),
    }
    if route.authorized:
        out["security"] = [{SECURITY_SCHEME: []}]
        responses["401"] = {"description": "No bearer token", "content": _json_content(_ref("GatewayMessage"))}
        responses["403"] = {
            "description": "Token refused by the authorizer, or the role may not do this",
            "content": _json_content({"anyOf": [_ref("GatewayMessage"), _ref("ErrorResponse")]}),
        }
    else:
        out["security"] = []
        out["parameters"] = [
            *out.get("parameters", []),
            {
                "name": "Stripe-Signature",
                "in": "header",
                "required": True,
                "description": '`t=<unix time>,v1=<HMAC-SHA256 of "t.body" with the endpoint\'s signing secret>`',
                "schema": {"type": "string"},
            },
        ]
        out["requestBody"] = {"required": True, "content": _json_content(_ref("StripeEvent"))}
    responses["default"] = {
        "description": "Any other error, in the same envelope",
        "content": _json_content(_ref("ErrorResponse")),
    }
    out["responses"] = responses
    return out


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Names of the component schemas the paths reach, directly or through other schemas."""
    found: set[str] = set()
    pending = [paths]
    while pending:
        text = json.dumps(pending.pop())
        for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
            if name not in found:
                found.add(name)
                pending.append(schemas[name])
    return found


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def render(document: dict[str, Any] | None = None) -> str:
    return json.dumps(document or build_document(), indent=2, ensure_ascii=False) + "\n"


# -- served by the local stack: /openapi.json and Swagger UI at /docs ---------------------------------


SWAGGER_STATIC = "/docs/static"


@cache
def _served_document(server_url: str) -> str:
    return json.dumps(build_document(server_url), indent=2, ensure_ascii=False)


@cache
def _swagger_asset(name: str) -> bytes:
    # Powertools ships Swagger UI (MIT) for enable_swagger(); serving those files keeps /docs offline.
    from aws_lambda_powertools.event_handler.openapi import swagger_ui

    return (Path(swagger_ui.__file__).parent / name).read_bytes()


def docs_response(path: str, query: str, server_url: str) -> tuple[int, dict[str, str], bytes] | None:
    """The local stack's answer for GET /openapi.json and /docs[...]; None for every other path."""
    if path == "/openapi.json" or (path in ("/docs", "/docs/") and "format=json" in query):
        return 200, {"content-type": "application/json"}, _served_document(server_url).encode()
    if path in ("/docs", "/docs/"):
        from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

        spec = _served_document(server_url).replace("</", "<\\/")
        html = generate_swagger_html(
            spec,
            f"{SWAGGER_STATIC}/swagger-ui-bundle.min.js",
            f"{SWAGGER_STATIC}/swagger-ui.min.css",
            SWAGGER_STATIC,
            None,
            persist_authorization=True,
        )
        return 200, {"content-type": "text/html; charset=utf-8"}, html.encode()
    assets = {"swagger-ui-bundle.min.js": "application/javascript", "swagger-ui.min.css": "text/css"}
    name = path.removeprefix(f"{SWAGGER_STATIC}/")
    if path.startswith(f"{SWAGGER_STATIC}/") and name in assets:
        return 200, {"content-type": assets[name], "cache-control": "max-age=3600"}, _swagger_asset(name)
    return None


def main() -> None:
    check = "--check" in sys.argv[1:]
    text = render()
    if check:
        if not OPENAPI_FILE.exists() or OPENAPI_FILE.read_text() != text:
            raise SystemExit(f"{OPENAPI_FILE.name} is out of date: run `make openapi`")
        return
    OPENAPI_FILE.write_text(text)
    print(f"wrote {OPENAPI_FILE.relative_to(ROOT)} ({len(json.loads(text)['paths'])} paths)")


if __name__ == "__main__":
    main()
