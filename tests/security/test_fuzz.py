"""Property-based fuzzing of every operation in the OpenAPI document against the running local stack.

Schemathesis generates valid and invalid requests from the document (`openapi.json`, written by
`make openapi`; rebuilt from the handlers' own Powertools resolvers when the file is missing). Every
response must be free of server errors and match the documented schema. Students call the student
operations; an admin calls the admin ones (refund decisions and listing, booking decisions).

Limits of the conformance check: the document declares the error envelope for every 4xx/5xx (`default`),
but success bodies have no schema, so 2xx bodies are only checked to be JSON of the declared type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from linguaflex.tokens import issue_token

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FUZZ_STUDENT = 77_001
ADMIN_OPERATIONS = ("/refund-requests/", "/bookings/{booking_id}/")


def openapi_document() -> dict[str, Any]:
    document_file = ROOT / "openapi.json"
    if document_file.exists():
        return dict(json.loads(document_file.read_text()))
    return _document_from_handlers()


def _document_from_handlers() -> dict[str, Any]:
    """Merge each HTTP function's Powertools OpenAPI document (paths and component schemas)."""
    import importlib.util

    merged: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "LinguaFlex", "version": "0"}, "paths": {}}
    schemas: dict[str, Any] = {}
    for app_file in sorted((ROOT / "functions").glob("*/app.py")):
        spec = importlib.util.spec_from_file_location(f"_fuzz_{app_file.parent.name}", app_file)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "app"):
            document = json.loads(module.app.get_openapi_json_schema())
            merged["paths"].update(document["paths"])
            schemas.update(document.get("components", {}).get("schemas", {}))
    merged["components"] = {"schemas": schemas}
    return merged


schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(max_examples=25, deterministic=True, with_security_parameters=False)
# The local gateway (http.server) answers 501 to HEAD/OPTIONS/TRACE; API Gateway answers 404. Not ours to test.
schema.config.phases.coverage.unexpected_methods = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def token_for(path: str, secret: str) -> str:
    if any(marker in path for marker in ADMIN_OPERATIONS):
        return issue_token(secret, 1, "admin")
    return issue_token(secret, FUZZ_STUDENT, "student")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors_and_responses_match_the_document(case: Any, stack: Any) -> None:
    headers = {"Authorization": f"Bearer {token_for(case.path, stack.jwt_secret)}"}

    response = case.call(base_url=stack.url, headers=headers, timeout=30)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
