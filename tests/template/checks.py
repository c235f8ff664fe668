"""Our template checks: translate offline, assert the authorizer wiring, cfn-lint the translated output.

`sam validate --lint` and cfn-lint read the SAM template without translating it, so they miss what only
the translation shows (a dangling !Ref in a policy template, a missing authorizer invoke permission, a
runtime name that does not exist). `problems()` runs the three stages, cheapest first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.template.sam_translate import translate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
AUTHORIZER = "JwtLambdaAuthorizer"
AUTHORIZER_FUNCTION = "AuthorizerFunction"
WEBHOOK_PATHS = {"/api/payments/stripe-webhook/", "/api/payments/stripe-webhook"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}

Template = dict[str, Any]


def problems(path: Path, parameters: dict[str, Any] | None = None) -> list[str]:
    """Everything wrong with the template at `path`; empty when it passes all our checks."""
    [result] = translate([(path, parameters or {})])
    return problems_in(result)


def problems_in(result: dict[str, Any]) -> list[str]:
    """The checks on one translation result ({"template", "errors"}), stopping at the first stage that fails."""
    if result["errors"]:
        return [f"SAM translation: {error}" for error in result["errors"]]
    translated = result["template"]
    found = authorizer_problems(translated)
    if found:
        return found
    return lint_problems(translated)


# -- authorizer wiring ------------------------------------------------------------------------------


def api_operations(translated: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path) -> OpenAPI operation of the HttpApi body SAM generated."""
    body = translated["Resources"]["HttpApi"]["Properties"]["Body"]
    return {
        (method.upper(), path): operation
        for path, item in body["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def authorizer_problems(translated: Template) -> list[str]:
    found = []
    for (method, path), operation in sorted(api_operations(translated).items()):
        expected: list[dict[str, list[str]]] = [{"NONE": []}] if path in WEBHOOK_PATHS else [{AUTHORIZER: []}]
        if operation.get("security") != expected:
            found.append(f"{method} {path}: security is {operation.get('security')}, expected {expected}")
    if not authorizer_invoke_permissions(translated):
        found.append(
            f"no AWS::Lambda::Permission lets API Gateway invoke {AUTHORIZER_FUNCTION}: every request would be"
            " refused (EnableFunctionDefaultPermissions: true on the authorizer adds it)"
        )
    return found


def authorizer_invoke_permissions(translated: Template) -> list[str]:
    """Logical ids of the permissions letting this API's authorizers invoke the authorizer function."""
    return [
        logical_id
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Permission"
        and resource["Properties"].get("Principal") == "apigateway.amazonaws.com"
        and resource["Properties"].get("Action") == "lambda:InvokeFunction"
        and refers_to(resource["Properties"].get("FunctionName"), AUTHORIZER_FUNCTION)
        and "/authorizers/" in json.dumps(resource["Properties"].get("SourceArn"))
        and refers_to(resource["Properties"].get("SourceArn"), "HttpApi")
    ]


# -- cfn-lint on the translated output ------------------------------------------------------------


def lint_problems(translated: Template) -> list[str]:
    """cfn-lint (with the serverless rules) on the CloudFormation the transform produces."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(
        json.dumps(translated, indent=1),
        config=ManualArgs(regions=["us-east-1"], append_rules=["cfn_lint_serverless.rules"]),
    )
    return [
        f"cfn-lint {match.rule.id}: {match.message} at {'/'.join(str(part) for part in match.path)}"
        for match in matches
        if not _sam_artifact(match)
    ]


def _sam_artifact(match: Any) -> bool:
    """SAM resolves `!Sub linguaflex-common-${Stage}` in the layer name to a Sub without variables (W1020).
    cfn-lint on template.yaml (the Makefile recipe) still reports our own needless Subs."""
    return match.rule.id == "W1020" and "LayerName" in match.path


# -- reading the translated template --------------------------------------------------------------


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether an intrinsic (Ref, GetAtt, Sub) points at `logical_id`."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute[:1] == [logical_id]:
            return True
        substitution = value.get("Fn::Sub")
        if isinstance(substitution, str) and re.search(r"\$\{" + re.escape(logical_id) + r"[.}]", substitution):
            return True
        return any(refers_to(inner, logical_id) for inner in value.values())
    if isinstance(value, list):
        return any(refers_to(inner, logical_id) for inner in value)
    return False


def resources_of_type(translated: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in translated["Resources"].items() if v["Type"] == resource_type}


def evaluate_condition(template: Template, name: str, parameters: dict[str, Any] | None = None) -> bool:
    """Evaluate a template condition for given parameter values (defaults otherwise)."""
    values = {**{k: v.get("Default") for k, v in template["Parameters"].items()}, **(parameters or {})}
    for key, declared in template["Parameters"].items():
        if declared["Type"] == "CommaDelimitedList" and isinstance(values[key], str):
            values[key] = values[key].split(",")

    def value(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        [(function, argument)] = node.items()
        if function == "Ref":
            return values[argument]
        if function == "Condition":
            return value(template["Conditions"][argument])
        if function == "Fn::Equals":
            return value(argument[0]) == value(argument[1])
        if function == "Fn::Not":
            return not value(argument[0])
        if function == "Fn::And":
            return all(value(part) for part in argument)
        if function == "Fn::Or":
            return any(value(part) for part in argument)
        if function == "Fn::Join":
            return argument[0].join(value(argument[1]))
        raise NotImplementedError(function)

    return bool(value(template["Conditions"][name]))
