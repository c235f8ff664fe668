"""The Postman collection and environment are generated, current, and every request asserts and chains ids."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local import postman


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return json.loads(postman.COLLECTION_FILE.read_text())


def requests_in_order(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for folder in collection["item"] for item in folder["item"]]


def script(item: dict[str, Any], listen: str) -> str:
    return "\n".join(line for e in item.get("event", []) if e["listen"] == listen for line in e["script"]["exec"])


def test_collection_and_environment_are_current() -> None:
    assert postman.COLLECTION_FILE.read_text() == postman.render_collection(), "stale: run `make openapi`"
    assert postman.ENVIRONMENT_FILE.read_text() == postman.render_environment(), "stale: run `make openapi`"


def test_collection_is_v2_1_with_the_contract_folders(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    assert [f["name"] for f in collection["item"]][:3] == [
        "Flow 1 - Add payment method",
        "Flow 2 - Pay with a new card",
        "Flow 3 - Pay with a saved card",
    ]
    assert {"Payment status", "Errors", "Bookings", "Refunds"} <= {f["name"] for f in collection["item"]}
    assert collection["auth"]["bearer"][0]["value"] == "{{jwt_token}}"


def test_every_request_asserts_its_status_and_body(collection: dict[str, Any]) -> None:
    for item in requests_in_order(collection):
        tests = script(item, "test")
        assert re.search(r"pm\.response\.to\.have\.status\(\d{3}\)", tests), item["name"]
        assert tests.count("pm.expect(") >= 2, f"{item['name']}: assert the key fields, not only the status"


def test_every_variable_is_defined_before_it_is_used(collection: dict[str, Any]) -> None:
    # Given the environment's variables and those the requests set, in run order
    known = {entry["key"] for entry in json.loads(postman.ENVIRONMENT_FILE.read_text())["values"]}
    for item in requests_in_order(collection):
        known |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', script(item, "prerequest")))
        # Then each {{variable}} of the request exists by the time it is sent
        used = set(re.findall(r"\{\{(\w+)\}\}", json.dumps(item["request"])))
        assert used <= known, f"{item['name']} uses {used - known} before any request sets it"
        known |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', script(item, "test")))


def test_ids_are_chained_from_request_to_request(collection: dict[str, Any]) -> None:
    items = {item["name"]: item for item in requests_in_order(collection)}
    assert 'set("payment_method_id"' in script(items["Add payment method (save card)"], "test")
    assert "{{payment_method_id}}" in items["Process payment (saved card)"]["request"]["body"]["raw"]
    assert 'set("payment_id"' in script(items["Process payment (new card)"], "test")
    assert 'set("booking_id"' in script(items["Process payment (new card)"], "test")
    assert "{{booking_id}}" in items["Teacher confirms the booking"]["request"]["url"]["raw"]
    assert 'set("refund_request_id"' in script(items["Student requests a refund"], "test")
    assert "{{refund_request_id}}" in items["Admin approves a partial refund ($20.00)"]["request"]["url"]["raw"]


def test_environment_holds_the_contract_variables_with_placeholder_tokens() -> None:
    environment = json.loads(postman.ENVIRONMENT_FILE.read_text())
    values = {entry["key"]: entry["value"] for entry in environment["values"]}
    assert values["base_url"] == "http://localhost:8000"
    assert values["test_gig_id"] == "1"
    assert values["test_card_number"] == "4242424242424242"
    assert (values["test_exp_month"], values["test_cvc"]) == ("12", "123")
    assert int(values["test_exp_year"]) >= 2030
    for token in ("jwt_token", "teacher_token", "admin_token"):
        assert values[token].startswith("YOUR_"), "tokens stay placeholders in the committed file"


def test_a_body_that_breaks_the_openapi_schema_is_refused() -> None:
    from local.openapi import build_document

    document = build_document()
    operation = document["paths"]["/api/payments/process-payment/"]["post"]
    step = postman.Step("typo", "POST", "/api/payments/process-payment/", 201, checks=(), body={"gig": 1})
    with pytest.raises(ValueError, match="does not match the OpenAPI schema"):
        postman._check_body(step, operation, document["components"])
