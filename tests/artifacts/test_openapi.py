"""openapi.json is generated from the handlers' resolvers and kept current; the local stack serves it."""

from __future__ import annotations

import json
from typing import Any

import requests
from openapi_spec_validator import validate

from local import openapi


def test_openapi_json_is_current() -> None:
    assert openapi.OPENAPI_FILE.read_text() == openapi.render(), "openapi.json is out of date: run `make openapi`"


def test_openapi_json_is_a_valid_openapi_3_1_document() -> None:
    document = json.loads(openapi.OPENAPI_FILE.read_text())
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "LinguaFlex Payments API"
    assert document["servers"] == [{"url": "http://localhost:8000", "description": "Local stack (`make dev`)"}]


def test_bearer_jwt_guards_every_operation_but_the_webhook() -> None:
    document = json.loads(openapi.OPENAPI_FILE.read_text())
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from the identity service (`make dev` prints local ones).",
    }
    bearer: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            expected = [] if path == "/api/payments/stripe-webhook/" else bearer
            assert operation["security"] == expected, f"{method.upper()} {path}"


def test_request_bodies_come_from_the_pydantic_models() -> None:
    document = json.loads(openapi.OPENAPI_FILE.read_text())
    body = document["paths"]["/api/payments/process-payment/"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProcessPaymentRequest"}
    card = document["components"]["schemas"]["CardDetails"]
    assert card["additionalProperties"] is False
    assert set(card["required"]) == {"card_number", "exp_month", "exp_year", "cvc"}
    # Validation failures are the contract's 400 envelope, not Powertools' default 422.
    responses = document["paths"]["/api/payments/process-payment/"]["post"]["responses"]
    assert "422" not in responses
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


def test_local_stack_serves_the_document_and_swagger_ui_offline(stack: Any) -> None:
    # When the local stack is asked for the document, the UI and its assets
    served = requests.get(f"{stack.url}/openapi.json", timeout=30)
    page = requests.get(f"{stack.url}/docs", timeout=30)
    script = requests.get(f"{stack.url}/docs/static/swagger-ui-bundle.min.js", timeout=30)
    css = requests.get(f"{stack.url}/docs/static/swagger-ui.min.css", timeout=30)
    # Then the document is the committed one, pointed at this stack
    assert served.status_code == 200
    committed = json.loads(openapi.OPENAPI_FILE.read_text())
    assert served.json()["paths"] == committed["paths"]
    assert served.json()["servers"][0]["url"] == stack.url
    # And Swagger UI loads its assets from the stack itself, not from a CDN
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/docs/static/swagger-ui-bundle.min.js" in page.text and "https://" not in page.text.split("<script>")[0]
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    assert css.status_code == 200 and css.headers["content-type"] == "text/css"
    assert requests.get(f"{stack.url}/docs/static/other.js", timeout=30).status_code == 404
