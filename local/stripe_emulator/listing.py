"""List envelopes with Stripe's cursor pagination (newest first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import resource_missing, validation_error
from .params import INT, STR

LIST_PARAMS = {"limit": INT, "starting_after": STR, "ending_before": STR}


def paginate(
    items: list[dict[str, Any]],
    params: dict[str, Any],
    url: str,
    kind: str,
    matches: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> dict[str, Any]:
    limit = params.get("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise validation_error("Invalid limit: must be an integer between 1 and 100 (inclusive)", param="limit")
    starting_after, ending_before = params.get("starting_after"), params.get("ending_before")
    if starting_after and ending_before:
        raise validation_error(
            "You may only specify one of these parameters: ending_before, starting_after.",
            code="parameters_exclusive",
        )
    ids = [item["id"] for item in items]
    selected = [item for item in items if matches(item)]
    if starting_after:
        position = _position(ids, starting_after, kind, "starting_after")
        selected = [item for item in selected if ids.index(item["id"]) > position]
        page, has_more = selected[:limit], len(selected) > limit
    elif ending_before:
        position = _position(ids, ending_before, kind, "ending_before")
        selected = [item for item in selected if ids.index(item["id"]) < position]
        page, has_more = selected[-limit:], len(selected) > limit
    else:
        page, has_more = selected[:limit], len(selected) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def _position(ids: list[str], cursor: str, kind: str, param: str) -> int:
    if cursor not in ids:
        raise resource_missing(kind, cursor, param)
    return ids.index(cursor)
