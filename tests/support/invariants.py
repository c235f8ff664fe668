"""The money invariants, checked against our tables and Stripe's (the emulator's) view together."""

from __future__ import annotations

from typing import Any

from linguaflex.adapters import dynamo_items as items

SETTLED = {"succeeded", "refund_pending", "partially_refunded", "refunded", "disputed"}


def table_records(stack: Any, student_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    client = stack.dynamodb()
    payments, bookings = [], []
    for prefix, bucket in (("PAYMENT#", payments), ("BOOKING#", bookings)):
        response = client.query(
            TableName=stack.table_name,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"STUDENT#{student_id}"}, ":prefix": {"S": prefix}},
        )
        bucket.extend(items.from_item(item) for item in response["Items"])
    return payments, bookings


def stripe_intents(stack: Any, student_id: int) -> list[Any]:
    found = stack.stripe_client().v1.payment_intents.search(
        params={"query": f"metadata['student_id']:'{student_id}'", "limit": 100}
    )
    return list(found.data)


def assert_money_invariants(stack: Any, student_id: int) -> dict[str, int]:
    """Every succeeded PaymentIntent has exactly one settled payment and one booking; no booking
    without a succeeded payment; no refund above the amount. Returns counts for the caller's own checks."""
    payments, bookings = table_records(stack, student_id)
    intents = stripe_intents(stack, student_id)
    by_id = {p["payment_id"]: p for p in payments}
    bookings_by_payment: dict[int, int] = {}
    for booking in bookings:
        bookings_by_payment[booking["payment_id"]] = bookings_by_payment.get(booking["payment_id"], 0) + 1

    succeeded = [pi for pi in intents if pi.status == "succeeded"]
    per_payment: dict[int, int] = {}
    for intent in succeeded:
        payment_id = int(intent.metadata["payment_id"])
        per_payment[payment_id] = per_payment.get(payment_id, 0) + 1
        payment = by_id.get(payment_id)
        assert payment is not None, f"succeeded {intent.id} has no payment record"
        assert payment["status"] in SETTLED, f"payment {payment_id} is {payment['status']} but {intent.id} succeeded"
        assert payment.get("payment_intent_id") == intent.id
        assert bookings_by_payment.get(payment_id) == 1, f"payment {payment_id} has no single booking"
    assert all(count == 1 for count in per_payment.values()), f"a payment was charged twice: {per_payment}"

    for booking in bookings:
        payment = by_id.get(booking["payment_id"])
        assert payment is not None and payment["status"] in SETTLED, f"booking {booking['booking_id']} unpaid"
    for payment in payments:
        assert 0 <= payment.get("refunded_cents", 0) <= payment["amount_cents"]
        if payment["status"] in SETTLED:
            assert bookings_by_payment.get(payment["payment_id"]) == 1
    return {"payments": len(payments), "bookings": len(bookings), "succeeded_intents": len(succeeded)}
