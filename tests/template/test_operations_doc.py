"""docs/operations.md keeps up with the template and the code it documents."""

from __future__ import annotations

import re
from typing import Any

from tests.template.checks import ROOT, resources_of_type

DOC = (ROOT / "docs/operations.md").read_text()


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings}


def test_every_alarm_links_to_its_runbook_section(translated: dict[str, Any]) -> None:
    anchors = _anchors(DOC)
    for logical_id, alarm in resources_of_type(translated, "AWS::CloudWatch::Alarm").items():
        [anchor] = re.findall(r"docs/operations\.md#([\w-]+)", alarm["Properties"]["AlarmDescription"])
        assert anchor in anchors, f"{logical_id} links to #{anchor}, which docs/operations.md lacks"


def test_every_parameter_is_documented(sam_template: dict[str, Any]) -> None:
    undocumented = {name for name in sam_template["Parameters"] if f"| `{name}` |" not in DOC}
    assert undocumented == set()


def test_every_variable_config_reads_is_documented() -> None:
    config = "".join((ROOT / "layers/common/linguaflex" / name).read_text() for name in ("config.py", "auth_config.py"))
    variables = {name for name in re.findall(r'"([A-Z][A-Z0-9_]+)"', config) if "_" in name}
    assert "STRIPE_SECRET_ARN" in variables
    undocumented = {name for name in variables if f"| `{name}` |" not in DOC}
    assert undocumented == set()


def test_the_stripe_events_to_enable_are_the_ones_the_webhook_handles() -> None:
    source = (ROOT / "layers/common/linguaflex/services/webhooks.py").read_text()
    handled = set(re.findall(r'"((?:payment_intent|charge|payment_method)\.[a-z_.]+)"', source))
    assert len(handled) == 8
    listed = set(re.findall(r"^\s*\| `([a-z_]+\.[a-z_.]+)` \|", DOC, flags=re.MULTILINE))
    assert listed == handled
    enabled = set(re.findall(r'"enabled_events\[\]=([a-z_.]+)"', DOC))
    assert enabled == handled
