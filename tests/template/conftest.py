"""Template tests: one offline SAM translation per session, shared by the assertions on its output."""

from __future__ import annotations

from typing import Any

import pytest

from local.template_model import load_template
from tests.template.checks import TEMPLATE
from tests.template.sam_translate import translate

CORS_ORIGINS = ["https://app.linguaflex.example", "https://admin.linguaflex.example"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sam_build: runs `sam build` (needs PyPI; minutes); only with LINGUAFLEX_SAM_BUILD=1"
    )


@pytest.fixture(scope="session")
def translations() -> dict[str, dict[str, Any]]:
    """template.yaml translated with the defaults (dev), as prod, and with CORS origins, in one interpreter start."""
    variants: dict[str, dict[str, Any]] = {
        "default": {},
        "prod": {"Stage": "prod", "AlarmEmail": "oncall@linguaflex.example"},
        "cors": {"CorsAllowOrigins": CORS_ORIGINS},
    }
    results = translate([(TEMPLATE, parameters) for parameters in variants.values()])
    return dict(zip(variants, results, strict=True))


@pytest.fixture(scope="session")
def translated(translations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    result = translations["default"]
    assert result["errors"] == [], result["errors"]
    return result["template"]


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    """template.yaml as written (before the transform), short tags as {"Ref": ...} style mappings."""
    return load_template(TEMPLATE)
