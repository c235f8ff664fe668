"""Reference POST process-payment: the calls ours makes, written plainly.

Saved card: BatchGetItem, UpdateItem (ids), TransactWriteItems (payment + duplicate guard),
PaymentIntent create, TransactWriteItems (payment succeeded + booking). A new card adds the card-rate
counter to the first transaction and goes to Stripe inside the PaymentIntent create (`payment_method_data`);
saving it for a first-time student adds a Customer create and an UpdateItem.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import refcommon as rc
import stripe
from botocore.exceptions import ClientError
from refstripe import API_KEY, client

FEE_BPS = 1000
DUPLICATE_WINDOW = 60
MAX_NEW_CARDS, MAX_DECLINES = 10, 5
RETURN_URL = rc.os.environ.get("PAYMENT_RETURN_URL", "https://linguaflex.example/payments/return")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    who = rc.identity(event)
    if who is None or who[1] != "student":
        return rc.error(403, "This action requires the student role")
    body = rc.json_body(event)
    if body is None or not isinstance(body.get("gig_id"), int) or body["gig_id"] <= 0:
        return rc.error(400, "Invalid request")
    card, saved = body.get("card_details"), body.get("saved_payment_method_id")
    if (card is None) == (saved is None):
        return rc.error(400, "Either card_details or saved_payment_method_id must be provided")
    if card is not None and not (isinstance(card, dict) and str(card.get("card_number", "")).isdigit()):
        return rc.error(400, "Invalid request")
    key = rc.idempotency_key(event)
    if key:
        status, result = rc.idempotent(who[0], "process-payment", key, body, lambda: _process(who[0], body))
    else:
        status, result = _process(who[0], body)
    return rc.respond(status, result)


def _process(user_id: int, body: dict[str, Any]) -> rc.Outcome:
    gig_id, card, saved_pm = body["gig_id"], body.get("card_details"), body.get("saved_payment_method_id")
    save = bool(body.get("save_card")) and card is not None
    declines_key, _ = rc.rate_key(user_id, "declines")
    keys = [rc.key(f"GIG#{gig_id}", "GIG"), rc.key(f"USER#{user_id}", "PROFILE"), declines_key]
    found = rc.db.batch_get_item(RequestItems={rc.TABLE: {"Keys": keys, "ConsistentRead": True}})
    items = {item["pk"]["S"]: item for item in found["Responses"][rc.TABLE]}
    gig, profile = items.get(f"GIG#{gig_id}"), items.get(f"USER#{user_id}") or {}
    if int(items.get(declines_key["pk"]["S"], {}).get("hits", {}).get("N", "0")) >= MAX_DECLINES:
        return 429, {"success": False, "error": "Too many declined attempts"}
    if gig is None or not gig.get("active", {}).get("BOOL"):
        return 404, {"success": False, "error": "Gig not available"}
    customer = profile.get("stripe_customer_id", {}).get("S")
    if saved_pm and (f"card_{saved_pm}" not in profile or not customer):
        return 404, {"success": False, "error": "Saved payment method not found"}

    names = ["payment", "booking", *(["card"] if save else [])]
    ids = rc.db.update_item(
        TableName=rc.TABLE,
        Key=rc.key("COUNTER", "IDS"),
        UpdateExpression="ADD " + ", ".join(f"#{n} :one" for n in names),
        ExpressionAttributeNames={f"#{n}": n for n in names},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]
    payment_id, booking_id = int(ids["payment"]["N"]), int(ids["booking"]["N"])
    price, teacher = int(gig["price_cents"]["N"]), int(gig["teacher_id"]["N"])
    fee = price * FEE_BPS // 10_000
    account = gig.get("teacher_account_id", {}).get("S")
    now = rc.now_iso()
    payment_key = rc.key(f"PAYMENT#{payment_id}", "PAYMENT")
    sort = f"PAYMENT#{now}#{payment_id:012d}"
    payment = {
        **payment_key,
        "payment_id": {"N": str(payment_id)},
        "booking_id": {"N": str(booking_id)},
        "student_id": {"N": str(user_id)},
        "teacher_id": {"N": str(teacher)},
        "gig_id": {"N": str(gig_id)},
        "amount_cents": {"N": str(price)},
        "platform_fee_cents": {"N": str(fee)},
        "teacher_cents": {"N": str(price - fee)},
        "currency": {"S": "usd"},
        "status": {"S": "processing"},
        "created_at": {"S": now},
        "updated_at": {"S": now},
        "used_saved_card": {"BOOL": saved_pm is not None},
        "save_card": {"BOOL": save},
        "refunded_cents": {"N": "0"},
        "pending_refund_cents": {"N": "0"},
        "booking_created": {"BOOL": False},
        "gsi1pk": {"S": f"STUDENT#{user_id}"},
        "gsi1sk": {"S": sort},
        "gsi2pk": {"S": f"TEACHER#{teacher}"},
        "gsi2sk": {"S": sort},
        "gsi3pk": {"S": "OPEN_PAYMENTS"},
        "gsi3sk": {"S": f"{now}#{payment_id:012d}"},
    }
    if account:
        payment["teacher_account_id"] = {"S": account}
    source = saved_pm or f"{card['card_number']}|{card.get('exp_month')}|{card.get('exp_year')}"
    digest = hmac.new(API_KEY.encode(), f"{user_id}|{gig_id}|{price}|{source}".encode(), hashlib.sha256).hexdigest()
    unix = int(time.time())
    writes: list[dict[str, Any]] = [
        {"Put": {"TableName": rc.TABLE, "Item": payment, "ConditionExpression": "attribute_not_exists(pk)"}},
        {
            "Put": {
                "TableName": rc.TABLE,
                "Item": {
                    **rc.key(f"DUPLICATE#{digest}", "DUPLICATE"),
                    "payment_id": {"N": str(payment_id)},
                    "expires_at": {"N": str(unix + DUPLICATE_WINDOW)},
                },
                "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                "ExpressionAttributeValues": {":now": {"N": str(unix)}},
            }
        },
    ]
    if card is not None:
        cards_key, expires = rc.rate_key(user_id, "new-cards")
        writes.append(
            {
                "Update": {
                    "TableName": rc.TABLE,
                    "Key": cards_key,
                    "UpdateExpression": "ADD hits :one SET expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":limit": {"N": str(MAX_NEW_CARDS)},
                        ":expires": {"N": str(expires)},
                    },
                }
            }
        )
    try:
        rc.db.transact_write_items(TransactItems=writes)
    except ClientError:
        return 409, {"success": False, "error": "Duplicate payment or rate limited"}

    if save and not customer:
        customer = client.v1.customers.create(
            {"metadata": {"student_id": str(user_id)}, "description": f"LinguaFlex student {user_id}"},
            {"idempotency_key": f"customer-{user_id}"},
        ).id
        rc.db.update_item(
            TableName=rc.TABLE,
            Key=rc.key(f"USER#{user_id}", "PROFILE"),
            UpdateExpression="SET stripe_customer_id = :customer",
            ExpressionAttributeValues={":customer": {"S": customer}},
        )
    intent_params: dict[str, Any] = {
        "amount": price,
        "currency": "usd",
        "confirm": True,
        "metadata": {
            "payment_id": str(payment_id),
            "booking_id": str(booking_id),
            "student_id": str(user_id),
            "gig_id": str(gig_id),
        },
        "payment_method_types": ["card"],
        "expand": ["payment_method"],
        "description": f"LinguaFlex gig {gig_id}",
    }
    if card is not None:
        details = {
            "number": card["card_number"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "cvc": card["cvc"],
        }
        intent_params["payment_method_data"] = {"type": "card", "card": details}
        if card.get("cardholder_name"):
            intent_params["payment_method_data"]["billing_details"] = {"name": card["cardholder_name"]}
    else:
        intent_params["payment_method"] = saved_pm
    if saved_pm or save:
        intent_params["customer"] = customer
    if saved_pm:
        intent_params["off_session"] = True
    else:
        intent_params["return_url"] = RETURN_URL
    if save:
        intent_params["setup_future_usage"] = "off_session"
    if account:
        intent_params["application_fee_amount"] = fee
        intent_params["transfer_data"] = {"destination": account}
    try:
        intent = client.v1.payment_intents.create(intent_params, {"idempotency_key": f"payment-{payment_id}-intent"})
    except stripe.CardError:
        return 402, {"success": False, "error": "Your card was declined."}
    if intent.status != "succeeded":
        return 202, {"success": True, "payment_id": payment_id, "status": intent.status}

    pm = intent.payment_method
    complete: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": rc.TABLE,
                "Key": payment_key,
                "UpdateExpression": "SET #status = :succeeded, updated_at = :now, booking_created = :true,"
                " payment_intent_id = :pi, payment_method_id = :pm REMOVE gsi3pk, gsi3sk",
                "ConditionExpression": "#status = :processing",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":succeeded": {"S": "succeeded"},
                    ":processing": {"S": "processing"},
                    ":now": {"S": now},
                    ":true": {"BOOL": True},
                    ":pi": {"S": intent.id},
                    ":pm": {"S": pm.id},
                },
            }
        },
        {
            "Put": {
                "TableName": rc.TABLE,
                "Item": {
                    **rc.key(f"BOOKING#{booking_id}", "BOOKING"),
                    "booking_id": {"N": str(booking_id)},
                    "payment_id": {"N": str(payment_id)},
                    "student_id": {"N": str(user_id)},
                    "teacher_id": {"N": str(teacher)},
                    "gig_id": {"N": str(gig_id)},
                    "status": {"S": "pending_teacher_confirmation"},
                    "created_at": {"S": now},
                    "updated_at": {"S": now},
                    "gsi1pk": {"S": f"STUDENT#{user_id}"},
                    "gsi1sk": {"S": f"BOOKING#{now}#{booking_id:012d}"},
                    "gsi2pk": {"S": f"TEACHER#{teacher}"},
                    "gsi2sk": {"S": f"BOOKING#{now}#{booking_id:012d}"},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    if save:
        fingerprint = pm.card.fingerprint or pm.id
        saved_card = {
            "id": {"N": ids["card"]["N"]},
            "stripe_payment_method_id": {"S": pm.id},
            "brand": {"S": pm.card.brand},
            "last4": {"S": pm.card.last4},
            "exp_month": {"N": str(pm.card.exp_month)},
            "exp_year": {"N": str(pm.card.exp_year)},
            "fingerprint": {"S": fingerprint},
            "created_at": {"S": now},
        }
        complete.append(
            {
                "Put": {
                    "TableName": rc.TABLE,
                    "Item": {**rc.key(f"PM#{pm.id}", "OWNER"), "student_id": {"N": str(user_id)}},
                }
            }
        )
        complete.append(
            {
                "Update": {
                    "TableName": rc.TABLE,
                    "Key": rc.key(f"USER#{user_id}", "PROFILE"),
                    "UpdateExpression": "SET #card = :card, #fp = :pm, stripe_customer_id = :customer",
                    "ConditionExpression": "attribute_not_exists(#fp)",
                    "ExpressionAttributeNames": {"#card": f"card_{pm.id}", "#fp": f"fp_{fingerprint}"},
                    "ExpressionAttributeValues": {
                        ":card": {"M": saved_card},
                        ":pm": {"S": pm.id},
                        ":customer": {"S": customer},
                    },
                }
            }
        )
    rc.db.transact_write_items(TransactItems=complete)
    result = {
        "success": True,
        "message": "Payment processed successfully",
        "payment_id": payment_id,
        "payment_intent_id": intent.id,
        "amount": f"{price / 100:.2f}",
        "currency": "usd",
        "status": "succeeded",
        "booking_id": booking_id,
    }
    if saved_pm:
        result["used_saved_card"] = True
    else:
        result["payment_method_saved"] = save
    return 201, result
