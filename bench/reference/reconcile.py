"""Reference scheduled reconciliation: Query the open-payments index; ask Stripe about each one found."""

from __future__ import annotations

import time
from typing import Any

import refcommon as rc
from refstripe import client


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 120))
    found = rc.db.query(
        TableName=rc.TABLE,
        IndexName="gsi3",
        KeyConditionExpression="gsi3pk = :pk AND gsi3sk < :before",
        ExpressionAttributeValues={":pk": {"S": "OPEN_PAYMENTS"}, ":before": {"S": cutoff}},
        Limit=100,
    )
    report = {"examined": 0, "settled": 0, "abandoned": 0, "still_open": 0, "errors": 0}
    for item in found.get("Items", []):
        report["examined"] += 1
        intent_id = item.get("payment_intent_id", {}).get("S")
        if intent_id:
            intent = client.v1.payment_intents.retrieve(intent_id, {"expand": ["payment_method", "latest_charge"]})
            report["still_open" if intent.status == "processing" else "settled"] += 1
    return report
