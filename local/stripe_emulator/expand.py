"""`expand[]`: replace id strings by the objects they name, along dotted paths (`data.customer` on lists)."""

from __future__ import annotations

import copy
from typing import Any

from .errors import invalid_request
from .store import State


def expand(state: State, body: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    if not paths:
        return body
    body = copy.deepcopy(body)
    for path in paths:
        _expand_path(state, body, path.split("."), path)
    return body


def _expand_path(state: State, node: Any, parts: list[str], full_path: str) -> None:
    if isinstance(node, list):
        for item in node:
            _expand_path(state, item, parts, full_path)
        return
    if not isinstance(node, dict) or not parts:
        return
    field, rest = parts[0], parts[1:]
    if field not in node or field == "id":
        raise invalid_request(f"This property cannot be expanded ({field}).", param="expand")
    value = node[field]
    if isinstance(value, str):
        target = state.find(value)
        if target is None:
            raise invalid_request(f"This property cannot be expanded ({field}).", param="expand")
        node[field] = value = copy.deepcopy(target)
    if value is not None and rest:
        _expand_path(state, value, rest, full_path)
