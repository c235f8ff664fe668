"""DynamoDB attribute values for the types we store: str, int, bool, None, maps and lists.

boto3's TypeSerializer would do this, but importing anything from boto3 imports boto3 itself, and with it
s3transfer and its thread pools (see aws_clients.py), for nothing we use. Numbers come back
as int when integral (all our amounts are integer cents), never as Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {str(key): to_attr(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(item) for item in value]}
    # Floats are refused, as boto3 refuses them: money is integer cents.
    raise TypeError(f"Unsupported type for a DynamoDB attribute: {type(value).__name__}")


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """None values are left out rather than stored as NULL, so absent and unset read the same."""
    return {key: to_attr(value) for key, value in data.items() if value is not None}


def from_attr(attribute: Mapping[str, Any]) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S" or kind == "BOOL" or kind == "B":
        return value
    if kind == "N":
        return _number(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: from_attr(item) for key, item in value.items()}
    if kind == "L":
        return [from_attr(item) for item in value]
    if kind == "SS" or kind == "BS":
        return set(value)
    if kind == "NS":
        return {_number(item) for item in value}
    raise TypeError(f"Unknown DynamoDB attribute type: {kind}")


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: from_attr(value) for key, value in item.items()}


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)
