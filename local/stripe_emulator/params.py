"""Declarative parameter validation with Stripe's error codes and messages.

A spec maps parameter names to a kind (STR, INT, BOOL, METADATA, LIST, FREE), to a nested spec (dict) or to
an `Enum(...)`. `validate` rejects unknown names, enforces required ones and coerces strings to Python values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import validation_error

STR = "string"
INT = "integer"
BOOL = "boolean"
METADATA = "metadata"
LIST = "list"
FREE = "free"  # accepted as-is (free-form hashes we do not model)


@dataclass(frozen=True)
class Enum:
    choices: tuple[str, ...]
    allow_bool: bool = False  # e.g. off_session accepts true/false as well as one_off/recurring


def validate(params: dict[str, Any], spec: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    full_spec = {"expand": LIST, **spec}
    result = _validate_hash(params, full_spec, prefix="")
    for name in required:
        if params.get(name) == "":
            raise _empty_error(name)
        if result.get(name) is None:
            raise validation_error(f"Missing required param: {name}.", code="parameter_missing", param=name)
    return result


def _validate_hash(params: dict[str, Any], spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, raw in params.items():
        full_name = f"{prefix}[{name}]" if prefix else name
        if name not in spec:
            raise validation_error(
                f"Received unknown parameter: {full_name}", code="parameter_unknown", param=full_name
            )
        result[name] = _coerce(raw, spec[name], full_name)
    return result


def _coerce(raw: Any, kind: Any, name: str) -> Any:
    if isinstance(kind, dict):
        if raw == "":
            return None
        if not isinstance(raw, dict):
            raise validation_error(f"Invalid object: {name}", param=name)
        return _validate_hash(raw, kind, name)
    if kind == METADATA:
        if raw == "":
            return {}
        if not isinstance(raw, dict) or any(isinstance(value, dict) for value in raw.values()):
            raise validation_error(f"Invalid hash: {name}", param=name)
        return raw
    if kind == LIST:
        return as_list(raw, name)
    if kind == FREE:
        return raw
    if isinstance(raw, dict):
        raise validation_error(f"Invalid {kind}: {name}", param=name)
    if raw == "":
        return None
    if kind == INT:
        return _as_int(raw, name)
    if kind == BOOL:
        return _as_bool(raw, name)
    if isinstance(kind, Enum):
        if kind.allow_bool and raw in ("true", "false"):
            return raw == "true"
        if raw not in kind.choices:
            choices = (
                kind.choices[0] if len(kind.choices) == 1 else ", ".join(kind.choices[:-1]) + f", or {kind.choices[-1]}"
            )
            raise validation_error(f"Invalid {name}: must be one of {choices}", param=name)
        return raw
    return raw


def as_list(raw: Any, name: str) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict) and all(key.isdigit() for key in raw):
        return [raw[key] for key in sorted(raw, key=int)]
    if raw == "":
        return []
    raise validation_error(f"Invalid array: {name}", param=name)


def _as_int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise validation_error(f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name) from None


def _as_bool(raw: str, name: str) -> bool:
    if raw not in ("true", "false"):
        raise validation_error(f"Invalid boolean: {raw}", param=name)
    return raw == "true"


def _empty_error(name: str):
    # `amount=` is read as an attempt to unset, which required parameters refuse.
    return validation_error(
        f"You passed an empty string for '{name}'. We assume empty values are an attempt to unset a "
        f"parameter; however '{name}' cannot be unset. You should remove '{name}' from your request "
        "or supply a non-empty value.",
        code="parameter_invalid_empty",
        param=name,
    )
