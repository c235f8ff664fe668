"""Stripe's wire format: bracketed form encoding in, JSON out."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(text: str) -> dict[str, Any]:
    """Decode `a[b][0]=x&expand[]=y` into nested dicts.

    Array positions (`[0]`, `[]`) become dict keys "0", "1", …; the parameter validator turns them into
    lists, because only it knows whether `metadata[0]` is an array index or a metadata key.
    """
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(text, keep_blank_values=True):
        _insert(result, _split_key(raw_key), value)
    return result


def _split_key(raw_key: str) -> list[str]:
    head, bracket, _ = raw_key.partition("[")
    if not bracket:
        return [raw_key]
    return [head, *_KEY_PART.findall(raw_key[len(head) :])]


def _insert(target: dict[str, Any], parts: list[str], value: str) -> None:
    for index, part in enumerate(parts):
        if part == "":
            part = str(len(target))
        last = index == len(parts) - 1
        if last:
            target[part] = value
            return
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child


def encode_json(body: Any) -> bytes:
    return json.dumps(body, indent=2).encode()
