"""Reference GET refund-requests (admin): one Query on gsi2."""

from __future__ import annotations

from typing import Any

import refcommon as rc


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    if who is None or who[1] != "admin":
        return rc.error(403, "This action requires the admin role")
    status = (event.get("queryStringParameters") or {}).get("status", "pending")
    found = rc.db.query(
        TableName=rc.TABLE,
        IndexName="gsi2",
        KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames={"#pk": "gsi2pk", "#sk": "gsi2sk"},
        ExpressionAttributeValues={":pk": {"S": "REFUND_REQUESTS"}, ":prefix": {"S": f"{status}#"}},
        ScanIndexForward=False,
        Limit=20,
    )
    results = [{"id": int(i["request_id"]["N"]), "status": i["status"]["S"]} for i in found.get("Items", [])]
    return rc.respond(200, {"results": results, "next_cursor": None})
