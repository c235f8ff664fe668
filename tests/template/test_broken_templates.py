"""Each fixture in tests/template/broken/ breaks template.yaml in a way `sam validate --lint` and cfn-lint on
the SAM template let through; our checks (translation, authorizer wiring, cfn-lint on the translated output)
must catch it. The good template passing the same checks is in test_translated_template.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.template.checks import TEMPLATE, problems_in
from tests.template.sam_translate import translate

BROKEN = Path(__file__).parent / "broken"
FIXTURES = sorted(BROKEN.glob("*.yaml"))


def _fixture(path: Path) -> dict[str, str]:
    return dict(yaml.safe_load(path.read_text()))


@pytest.fixture(scope="module")
def broken_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every broken copy of template.yaml, translated in one interpreter start."""
    text = TEMPLATE.read_text()
    folder = tmp_path_factory.mktemp("broken")
    copies = {}
    for path in FIXTURES:
        fixture = _fixture(path)
        # Exactly once: a fixture that no longer applies to the template must fail, not pass vacuously.
        assert text.count(fixture["find"]) == 1, f"{path.name}: `find` must occur once in template.yaml"
        copy = folder / f"{path.stem}.yaml"
        copy.write_text(text.replace(fixture["find"], fixture["replace"]))
        copies[path.stem] = copy
    results = translate([(copy, {}) for copy in copies.values()])
    return dict(zip(copies, results, strict=True))


def test_there_are_broken_fixtures() -> None:
    assert {path.stem for path in FIXTURES} >= {
        "dangling_ref_in_policy_template",
        "authorizer_without_default_permissions",
        "bad_runtime",
    }


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_our_checks_catch_the_broken_template(path: Path, broken_results: dict[str, dict[str, Any]]) -> None:
    # Given template.yaml with one known defect, when our checks run on it
    found = problems_in(broken_results[path.stem])
    # Then they report exactly that defect
    expected = _fixture(path)["caught_by"]
    assert any(expected in problem for problem in found), found
