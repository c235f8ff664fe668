"""Reference GET payments/{id}: GetItem of the payment, then of its booking."""

from __future__ import annotations

from typing import Any

import refcommon as rc


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    raw = (event.get("pathParameters") or {}).get("payment_id", "")
    if who is None or not raw.isdigit():
        return rc.error(404, "Payment not found")
    payment = rc.db.get_item(TableName=rc.TABLE, Key=rc.key(f"PAYMENT#{raw}", "PAYMENT"), ConsistentRead=True).get(
        "Item"
    )
    if payment is None or (who[1] == "student" and int(payment["student_id"]["N"]) != who[0]):
        return rc.error(404, "Payment not found")
    booking = None
    if payment.get("booking_created", {}).get("BOOL"):
        key = rc.key(f"BOOKING#{payment['booking_id']['N']}", "BOOKING")
        booking = rc.db.get_item(TableName=rc.TABLE, Key=key, ConsistentRead=True).get("Item")
    amount = int(payment["amount_cents"]["N"])
    return rc.respond(
        200,
        {
            "success": True,
            "payment_id": int(raw),
            "payment_intent_id": payment.get("payment_intent_id", {}).get("S"),
            "status": payment["status"]["S"],
            "amount": f"{amount / 100:.2f}",
            "currency": payment["currency"]["S"],
            "booking_id": int(payment["booking_id"]["N"]) if booking else None,
            "booking_status": booking["status"]["S"] if booking else None,
            "created_at": payment["created_at"]["S"],
            "updated_at": payment["updated_at"]["S"],
        },
    )
