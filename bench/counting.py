"""Counting calls: DynamoDB through botocore's event hooks, Stripe through the emulator's request log;
and pricing one request's DynamoDB calls in read and write request units.
"""

from __future__ import annotations

import math
from typing import Any

GSI_PROJECTIONS: dict[str, str] = {}  # index -> "ALL" | "KEYS_ONLY", filled from template.yaml


class DynamoCalls:
    """Registered on a boto3 client: counts API calls, the idempotency table's apart.

    `before-parameter-build` fires once per API call (not per HTTP retry) and sees the table names.
    """

    def __init__(self, idempotency_table: str) -> None:
        self.idempotency_table = idempotency_table
        self.main = 0
        self.idempotency = 0
        self.operations: list[str] = []
        self.capture = False
        self.captured: list[list[Any]] = []  # [operation, params, parsed response]

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def detach(self, client: Any) -> None:
        client.meta.events.unregister("before-parameter-build.dynamodb", self._before)
        client.meta.events.unregister("after-call.dynamodb", self._after)

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if _tables(params) == {self.idempotency_table}:
            self.idempotency += 1
            self.operations.append(f"{model.name} (idempotency)")
        else:
            self.main += 1
            self.operations.append(model.name)
        if self.capture:
            self.captured.append([model.name, params, None])

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if self.capture and self.captured and self.captured[-1][2] is None:
            self.captured[-1][2] = parsed

    def snapshot(self) -> tuple[int, int, int]:
        return self.main, self.idempotency, len(self.operations)


def _tables(params: dict[str, Any]) -> set[str]:
    if "TableName" in params:
        return {params["TableName"]}
    if "RequestItems" in params:
        return set(params["RequestItems"])
    if "TransactItems" in params:
        return {next(iter(item.values()))["TableName"] for item in params["TransactItems"]}
    return set()


# -- request units -----------------------------------------------------------------------------------
# DynamoDB's item size: attribute names plus values (strings by UTF-8 length, numbers ~ 1 byte per two
# digits + 1, maps and lists 3 bytes + 1 per element). On demand: a strongly consistent read is 1 RRU per
# 4 KB (an eventually consistent one, which every GSI query is, half of that), a write 1 WRU per 1 KB,
# twice that inside a transaction. Every write to an item present in an ALL-projected GSI writes the
# index too (counted as standard writes); a KEYS_ONLY index is written only when its keys change.


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return (len(str(data).lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in data.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in data)
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v)) for v in data)
    return 0


def request_units(captured: list[list[Any]], fetch: Any) -> dict[str, float]:
    """RRU and WRU of one request's captured calls; `fetch(table, key)` reads an item after the request."""
    rru = wru = 0.0
    for operation, params, parsed in captured:
        parsed = parsed or {}
        if operation == "GetItem":
            size = item_size(parsed.get("Item") or {})
            rru += _read_units(size, params.get("ConsistentRead", False))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                found = {_key_of(i): i for i in parsed.get("Responses", {}).get(table, [])}
                for key in request["Keys"]:
                    size = item_size(found.get(_key_of(key), {}))
                    rru += _read_units(size, request.get("ConsistentRead", False))
        elif operation == "Query":
            size = sum(item_size(i) for i in parsed.get("Items", []))
            rru += _read_units(size, params.get("ConsistentRead", False) and "IndexName" not in params)
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            wru += _write_units(operation, params, fetch, transactional=False)
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((kind, write),) = entry.items()
                if kind == "ConditionCheck":
                    rru += 2  # a transactional read
                    continue
                wru += _write_units(kind + "Item", write, fetch, transactional=True)
    return {"rru": rru, "wru": wru}


def _key_of(item: dict[str, Any]) -> tuple[str, str]:
    return item.get("pk", item.get("id", {})).get("S", ""), item.get("sk", {}).get("S", "")


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units if consistent else units / 2)


def _write_units(operation: str, params: dict[str, Any], fetch: Any, transactional: bool) -> float:
    table = params["TableName"]
    item = params["Item"] if operation == "PutItem" else fetch(table, params["Key"]) or params["Key"]
    size = item_size(item)
    units = max(1, math.ceil(size / 1024)) * (2 if transactional else 1)
    expression = params.get("UpdateExpression", "")
    for index, projection in GSI_PROJECTIONS.items():
        key_attribute = f"{index}pk"
        if projection == "KEYS_ONLY":
            if operation == "PutItem" and key_attribute in item:
                units += 1
            elif key_attribute in expression:
                units += 1  # the key was set or removed: one index write
        elif key_attribute in item:
            units += max(1, math.ceil(size / 1024))
    return float(units)


def load_gsi_projections() -> None:
    from local.template_model import load_template

    template = load_template()
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        for index in resource["Properties"].get("GlobalSecondaryIndexes", []):
            GSI_PROJECTIONS[index["IndexName"]] = index["Projection"]["ProjectionType"]
