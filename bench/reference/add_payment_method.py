"""Reference POST add-payment-method (save_for_future): the calls ours makes, written plainly.

BatchGetItem (profile + decline counter), UpdateItem (card-rate counter), UpdateItem (card id),
Customer create + UpdateItem for a first-time student, PaymentMethod create, attach, and one
TransactWriteItems (wallet + owner).
"""

from __future__ import annotations

from typing import Any

import refcommon as rc
import stripe
from botocore.exceptions import ClientError
from refstripe import client

MAX_NEW_CARDS, MAX_DECLINES = 10, 5


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    if who is None or who[1] != "student":
        return rc.error(403, "This action requires the student role")
    body = rc.json_body(event)
    if body is None or not str(body.get("card_number", "")).isdigit() or not isinstance(body.get("exp_month"), int):
        return rc.error(400, "Invalid request")
    key = rc.idempotency_key(event)
    if key:
        status, result = rc.idempotent(who[0], "add-payment-method", key, body, lambda: _add(who[0], body))
    else:
        status, result = _add(who[0], body)
    return rc.respond(status, result)


def _add(user_id: int, body: dict[str, Any]) -> rc.Outcome:
    profile_key = rc.key(f"USER#{user_id}", "PROFILE")
    declines_key, _ = rc.rate_key(user_id, "declines")
    found = rc.db.batch_get_item(RequestItems={rc.TABLE: {"Keys": [profile_key, declines_key], "ConsistentRead": True}})
    items = {item["pk"]["S"]: item for item in found["Responses"][rc.TABLE]}
    profile = items.get(f"USER#{user_id}") or {}
    if int(items.get(declines_key["pk"]["S"], {}).get("hits", {}).get("N", "0")) >= MAX_DECLINES:
        return 429, {"success": False, "error": "Too many declined attempts"}
    cards_key, expires = rc.rate_key(user_id, "new-cards")
    try:
        rc.db.update_item(
            TableName=rc.TABLE,
            Key=cards_key,
            UpdateExpression="ADD hits :one SET expires_at = :expires",
            ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(MAX_NEW_CARDS)},
                ":expires": {"N": str(expires)},
            },
        )
    except ClientError:
        return 429, {"success": False, "error": "Too many new cards"}
    card_id = rc.db.update_item(
        TableName=rc.TABLE,
        Key=rc.key("COUNTER", "IDS"),
        UpdateExpression="ADD #card :one",
        ExpressionAttributeNames={"#card": "card"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["card"]["N"]
    details = {
        "number": body["card_number"],
        "exp_month": body["exp_month"],
        "exp_year": body["exp_year"],
        "cvc": body["cvc"],
    }
    params: dict[str, Any] = {"type": "card", "card": details}
    if body.get("cardholder_name"):
        params["billing_details"] = {"name": body["cardholder_name"]}
    try:
        if not body.get("save_for_future"):
            method = client.v1.payment_methods.create(params, {"idempotency_key": f"card-{card_id}-create"})
            return 201, _added(method, saved=False)
        customer = profile.get("stripe_customer_id", {}).get("S")
        if not customer:
            customer = client.v1.customers.create(
                {"metadata": {"student_id": str(user_id)}, "description": f"LinguaFlex student {user_id}"},
                {"idempotency_key": f"customer-{user_id}"},
            ).id
            rc.db.update_item(
                TableName=rc.TABLE,
                Key=profile_key,
                UpdateExpression="SET stripe_customer_id = :customer",
                ExpressionAttributeValues={":customer": {"S": customer}},
            )
        method = client.v1.payment_methods.create(params, {"idempotency_key": f"card-{card_id}-create"})
        fingerprint = method.card.fingerprint or method.id
        if f"fp_{fingerprint}" in profile:
            return 200, {"success": True, "message": "This card is already saved", "saved": True}
        method = client.v1.payment_methods.attach(
            method.id, {"customer": customer}, {"idempotency_key": f"card-{card_id}-attach"}
        )
    except stripe.CardError:
        return 402, {"success": False, "error": "Your card was declined."}
    saved = {
        "id": {"N": card_id},
        "stripe_payment_method_id": {"S": method.id},
        "brand": {"S": method.card.brand},
        "last4": {"S": method.card.last4},
        "exp_month": {"N": str(method.card.exp_month)},
        "exp_year": {"N": str(method.card.exp_year)},
        "fingerprint": {"S": fingerprint},
        "created_at": {"S": rc.now_iso()},
    }
    rc.db.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": rc.TABLE,
                    "Key": profile_key,
                    "UpdateExpression": "SET #card = :card, #fp = :pm, stripe_customer_id = :customer",
                    "ConditionExpression": "attribute_not_exists(#fp)",
                    "ExpressionAttributeNames": {"#card": f"card_{method.id}", "#fp": f"fp_{fingerprint}"},
                    "ExpressionAttributeValues": {
                        ":card": {"M": saved},
                        ":pm": {"S": method.id},
                        ":customer": {"S": customer},
                    },
                }
            },
            {
                "Put": {
                    "TableName": rc.TABLE,
                    "Item": {**rc.key(f"PM#{method.id}", "OWNER"), "student_id": {"N": str(user_id)}},
                }
            },
        ]
    )
    return 201, _added(method, saved=True)


def _added(method: Any, saved: bool) -> dict[str, Any]:
    return {
        "success": True,
        "message": "Payment method added successfully",
        "payment_method_id": method.id,
        "card_last4": method.card.last4,
        "card_brand": method.card.brand,
        "saved": saved,
    }
