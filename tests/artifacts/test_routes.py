"""One source of truth for routes: template.yaml, the handlers, openapi.json and the Postman collection agree."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import pytest

from local.openapi import OPENAPI_FILE, contract_routes, http_apps, served_routes
from local.postman import COLLECTION_FILE
from local.template_model import load_template, routes

RouteSet = set[tuple[str, str]]


def shape(path: str) -> str:
    """`/a/{id}/b`, `/a/<id>/b/` and `/a/{{payment_id}}/b/` are one route: params become {}, trailing slash on."""
    path = re.sub(r"\{\{\w+\}\}|\{\w+\}|<\w+>", "{}", path)
    return path if path.endswith("/") else path + "/"


@pytest.fixture(scope="module")
def template_routes() -> list[Any]:
    return routes(load_template())


def postman_requests() -> list[tuple[str, str]]:
    collection = json.loads(COLLECTION_FILE.read_text())
    found = []
    for folder in collection["item"]:
        for item in folder["item"]:
            raw = item["request"]["url"]["raw"]
            found.append((item["request"]["method"], raw.removeprefix("{{base_url}}").split("?")[0]))
    return found


def test_template_openapi_handlers_and_postman_name_the_same_routes(template_routes: list[Any]) -> None:
    # Given the routes of each source, twins and parameter spellings folded together
    template: RouteSet = {(r.method, shape(r.path)) for r in template_routes}
    handlers: RouteSet = {(m, shape(p)) for app in http_apps().values() for m, p in served_routes(app)}
    document = json.loads(OPENAPI_FILE.read_text())
    openapi: RouteSet = {(m.upper(), shape(p)) for p, item in document["paths"].items() for m in item}
    postman: RouteSet = {(m, shape(p)) for m, p in postman_requests()}
    # Then they are one and the same set
    assert handlers == template, f"handlers differ from template.yaml: {handlers ^ template}"
    assert openapi == template, f"openapi.json differs from template.yaml: {openapi ^ template} (run `make openapi`)"
    assert postman == template, f"the Postman collection differs from template.yaml: {postman ^ template}"


def test_openapi_paths_are_the_template_contract_paths_exactly() -> None:
    document = json.loads(OPENAPI_FILE.read_text())
    documented = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert documented == {(r.method, r.path) for r in contract_routes()}


def test_each_function_serves_exactly_its_template_routes(template_routes: list[Any]) -> None:
    # Given the template's routes per function, twins included, parameter names as written
    expected: dict[str, RouteSet] = defaultdict(set)
    for route in template_routes:
        expected[route.function].add((route.method, route.path))
    # Then each function's resolver registers exactly those: no route sent to a function that 404s it
    apps = http_apps()
    assert set(apps) == set(expected)
    for function, app in apps.items():
        assert served_routes(app) == expected[function], function


def test_every_contract_route_has_its_no_slash_twin_on_the_same_function(template_routes: list[Any]) -> None:
    keys = {(r.method, r.path, r.function) for r in template_routes}
    for route in contract_routes():
        assert route.path.endswith("/"), route.route_key
        assert (route.method, route.path.rstrip("/"), route.function) in keys, f"{route.route_key} has no twin"


def test_only_the_stripe_webhook_skips_the_authorizer(template_routes: list[Any]) -> None:
    open_routes = {r.path for r in template_routes if not r.authorized}
    assert open_routes == {"/api/payments/stripe-webhook/", "/api/payments/stripe-webhook"}
