"""Reference GET payment-methods: one consistent GetItem of the student's wallet."""

from __future__ import annotations

from typing import Any

import refcommon as rc


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    if who is None or who[1] != "student":
        return rc.error(403, "This action requires the student role")
    item = rc.db.get_item(TableName=rc.TABLE, Key=rc.key(f"USER#{who[0]}", "PROFILE"), ConsistentRead=True)
    profile = item.get("Item") or {}
    cards = sorted((v["M"] for k, v in profile.items() if k.startswith("card_")), key=lambda c: int(c["id"]["N"]))
    results = [
        {
            "id": int(c["id"]["N"]),
            "stripe_payment_method_id": c["stripe_payment_method_id"]["S"],
            "card_last4": c["last4"]["S"],
            "card_brand": c["brand"]["S"],
            "card_exp_month": int(c["exp_month"]["N"]),
            "card_exp_year": int(c["exp_year"]["N"]),
            "created_at": c["created_at"]["S"],
        }
        for c in cards
    ]
    return rc.respond(200, {"results": results})
