"""Reads template.yaml, the one source of truth for routes, handlers and tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Keeps CloudFormation's short tags (!Ref, !Sub, !If ...) as {"Ref": ...} style mappings."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open() as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # logical id in the template
    code_dir: Path
    handler: str
    authorized: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method.upper() != self.method:
            return None
        found = _path_regex(self.path).fullmatch(path)
        return found.groupdict() if found else None


@lru_cache(maxsize=64)
def _path_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", path)
    # re.split with a group alternates literal text and parameter names.
    pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    return re.compile(pattern)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]


def functions(template: dict[str, Any] | None = None) -> dict[str, FunctionSpec]:
    template = template or load_template()
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        found[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=ROOT / props["CodeUri"],
            handler=props.get("Handler", "app.lambda_handler"),
            environment=props.get("Environment", {}).get("Variables", {}),
        )
    return found


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    template = template or load_template()
    specs = functions(template)
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event["Properties"]
            auth = props.get("Auth", {}).get("Authorizer")
            spec = specs[logical_id]
            found.append(
                Route(
                    method=props["Method"].upper(),
                    path=props["Path"],
                    function=logical_id,
                    code_dir=spec.code_dir,
                    handler=spec.handler,
                    authorized=auth != "NONE",
                )
            )
    return found


def authorizer_function(template: dict[str, Any] | None = None) -> str:
    template = template or load_template()
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            auth = resource["Properties"]["Auth"]
            default = auth["DefaultAuthorizer"]
            return str(auth["Authorizers"][default]["FunctionArn"]["Fn::GetAtt"][0])
    raise LookupError("no HttpApi with an authorizer in the template")


def table_definitions(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """CreateTable arguments for each AWS::DynamoDB::Table, keyed by logical id."""
    template = template or load_template()
    tables = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        definition: dict[str, Any] = {
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        ttl = props.get("TimeToLiveSpecification")
        tables[logical_id] = {"create": definition, "ttl_attribute": ttl["AttributeName"] if ttl else None}
    return tables
