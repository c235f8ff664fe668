"""Reference GET bookings (a student's): one Query on gsi1."""

from __future__ import annotations

from typing import Any

import refcommon as rc


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    if who is None:
        return rc.error(403, "Missing identity")
    found = rc.db.query(
        TableName=rc.TABLE,
        IndexName="gsi1",
        KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames={"#pk": "gsi1pk", "#sk": "gsi1sk"},
        ExpressionAttributeValues={":pk": {"S": f"STUDENT#{who[0]}"}, ":prefix": {"S": "BOOKING#"}},
        ScanIndexForward=False,
        Limit=20,
    )
    results = [
        {
            "booking_id": int(i["booking_id"]["N"]),
            "payment_id": int(i["payment_id"]["N"]),
            "status": i["status"]["S"],
            "gig_id": int(i["gig_id"]["N"]),
            "created_at": i["created_at"]["S"],
        }
        for i in found.get("Items", [])
    ]
    return rc.respond(200, {"results": results, "next_cursor": None})
