"""What a million payments cost in AWS, from this run's durations and request units (Stripe fees excluded)."""

from __future__ import annotations

import math
from typing import Any

# us-east-1 list prices, as stated on the AWS pricing pages (DynamoDB on-demand after the 1 Nov 2024 cut).
PRICES = {
    "as_of": "2025 list prices, us-east-1 (DynamoDB on-demand as cut on 2024-11-01); not fetched by this run",
    "lambda_arm64_gb_second": 0.0000133334,
    "lambda_per_million_requests": 0.20,
    "http_api_per_million_requests": 1.00,
    "dynamodb_per_million_wru": 0.625,
    "dynamodb_per_million_rru": 0.125,
}
MEMORY_MB = {"ProcessPaymentFunction": 512, "AuthorizerFunction": 256}  # template.yaml


def per_million(
    route: dict[str, Any], side: str, authorizer_ms: float | None, stripe_wait_ms: float = 0.0
) -> dict[str, Any]:
    """One request type, a million times: Lambda (the function and, at most once per request, the
    authorizer), HTTP API, DynamoDB. Duration is billed per started millisecond at the function's memory."""
    row = route[side]
    units = row.get("request_units") or {"rru": 0.0, "wru": 0.0}
    memory_gb = MEMORY_MB.get(route["function"], 512) / 1024
    billed_ms = math.ceil(row["p50_ms"] + stripe_wait_ms)
    function = billed_ms / 1000 * memory_gb * PRICES["lambda_arm64_gb_second"] * 1e6
    requests = PRICES["lambda_per_million_requests"]
    authorizer = 0.0
    if authorizer_ms is not None:
        authorizer = math.ceil(authorizer_ms) / 1000 * MEMORY_MB["AuthorizerFunction"] / 1024
        authorizer = authorizer * PRICES["lambda_arm64_gb_second"] * 1e6 + PRICES["lambda_per_million_requests"]
    dynamo = units["wru"] * PRICES["dynamodb_per_million_wru"] + units["rru"] * PRICES["dynamodb_per_million_rru"]
    api = PRICES["http_api_per_million_requests"]
    total = function + requests + authorizer + dynamo + api
    return {
        "billed_ms": billed_ms,
        "lambda_duration_usd": round(function, 3),
        "lambda_requests_usd": round(requests, 3),
        "authorizer_usd_upper_bound": round(authorizer, 3),
        "dynamodb_usd": round(dynamo, 3),
        "dynamodb_units": units,
        "http_api_usd": round(api, 3),
        "total_usd": round(total, 3),
    }


def estimate(warm: dict[str, Any]) -> dict[str, Any]:
    authorizer_ms = warm.get("authorizer", {}).get("ours", {}).get("p50_ms")
    ref_authorizer_ms = warm.get("authorizer", {}).get("ref", {}).get("p50_ms")
    out: dict[str, Any] = {"prices": PRICES, "per_million": {}}
    for name in ("pay_saved", "pay_new", "pay_new_save", "pay_saved_idem"):
        if name not in warm:
            continue
        out["per_million"][name] = {
            "ours": per_million(warm[name], "ours", authorizer_ms),
            "ref": per_million(warm[name], "ref", ref_authorizer_ms),
        }
    # Sensitivity: in AWS the function waits on Stripe (hundreds of ms), which the emulator does not.
    memory_gb = MEMORY_MB["ProcessPaymentFunction"] / 1024
    out["per_100ms_of_waiting_usd"] = round(0.1 * memory_gb * PRICES["lambda_arm64_gb_second"] * 1e6, 3)
    return out
