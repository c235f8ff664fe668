"""Reference POST stripe-webhook: verify, remember the event id, read the payment, ask Stripe for the intent."""

from __future__ import annotations

import json
import os
from typing import Any

import refcommon as rc
import stripe
from botocore.exceptions import ClientError
from refstripe import client

SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    payload = event.get("body") or ""
    headers = event.get("headers") or {}
    try:
        stripe.WebhookSignature.verify_header(payload, headers.get("stripe-signature", ""), SECRET, 300)
        message = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        return rc.error(400, "Invalid Stripe signature")
    now = int(rc.time.time())
    try:
        rc.db.put_item(
            TableName=rc.TABLE,
            Item={**rc.key(f"EVENT#{message['id']}", "EVENT"), "expires_at": {"N": str(now + 7 * 86400)}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return rc.respond(200, {"received": True, "duplicate": True})
        raise
    handled = False
    if message["type"].startswith("payment_intent."):
        obj = message["data"]["object"]
        payment_id = (obj.get("metadata") or {}).get("payment_id", "")
        if payment_id.isdigit():
            key = rc.key(f"PAYMENT#{payment_id}", "PAYMENT")
            payment = rc.db.get_item(TableName=rc.TABLE, Key=key, ConsistentRead=True).get("Item")
            if payment is not None:
                intent = client.v1.payment_intents.retrieve(obj["id"], {"expand": ["payment_method", "latest_charge"]})
                handled = payment["status"]["S"] != "processing" or intent.status == "processing"
    return rc.respond(200, {"received": True, "handled": handled})
