"""DynamoDB adapter: the only module that talks to the payments table."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from linguaflex.adapters import dynamo_items as items
from linguaflex.errors import Conflict, NotFound, StorageUnavailable
from linguaflex.models.domain import (
    Booking,
    Gig,
    Payment,
    PaymentStatus,
    SavedCard,
    StudentProfile,
)
from linguaflex.observability import tracer

_UNAVAILABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


class DuplicatePayment(Exception):
    """An identical payment request is already recorded inside the duplicate window."""


class DynamoRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    # -- reads -------------------------------------------------------------------------------------

    @tracer.capture_method(capture_response=False)
    def get_gig_and_profile(self, gig_id: int, student_id: int) -> tuple[Gig | None, StudentProfile]:
        response = self._call(
            "batch_get_item",
            RequestItems={
                self._table: {
                    "Keys": [items.gig_key(gig_id), items.profile_key(student_id)],
                    "ConsistentRead": True,
                }
            },
        )
        found = {item["pk"]["S"]: item for item in response["Responses"].get(self._table, [])}
        # Two small items never come back unprocessed unless throttled; read them one by one then.
        for key in response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", []):
            item = self._get(key)
            if item:
                found[item["pk"]["S"]] = item
        gig_item = found.get(f"GIG#{gig_id}")
        gig = items.gig_from_item(gig_item) if gig_item else None
        return gig, items.profile_from_item(student_id, found.get(f"USER#{student_id}"))

    @tracer.capture_method(capture_response=False)
    def get_profile(self, student_id: int) -> StudentProfile:
        return items.profile_from_item(student_id, self._get(items.profile_key(student_id)))

    @tracer.capture_method(capture_response=False)
    def get_gig(self, gig_id: int) -> Gig | None:
        item = self._get(items.gig_key(gig_id))
        return items.gig_from_item(item) if item else None

    @tracer.capture_method(capture_response=False)
    def get_payment(self, payment_id: int) -> Payment | None:
        item = self._get(items.payment_key(payment_id))
        return items.payment_from_item(item) if item else None

    @tracer.capture_method(capture_response=False)
    def get_booking(self, booking_id: int) -> Booking | None:
        item = self._get(items.booking_key(booking_id))
        return items.booking_from_item(item) if item else None

    @tracer.capture_method(capture_response=False)
    def list_payments(
        self, student_id: int, limit: int, cursor: str | None
    ) -> tuple[list[Payment], str | None]:
        return self._list_index("gsi1", f"STUDENT#{student_id}", "PAYMENT#", limit, cursor, items.payment_from_item)

    @tracer.capture_method(capture_response=False)
    def list_bookings(
        self, index: str, owner_key: str, limit: int, cursor: str | None
    ) -> tuple[list[Booking], str | None]:
        return self._list_index(index, owner_key, "BOOKING#", limit, cursor, items.booking_from_item)

    def _list_index(self, index: str, partition: str, prefix: str, limit: int, cursor: str | None, parse: Any) -> Any:
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": f"{index}pk", "#sk": f"{index}sk"},
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            params["ExclusiveStartKey"] = _decode_cursor(cursor)
        response = self._call("query", **params)
        next_key = response.get("LastEvaluatedKey")
        return [parse(item) for item in response.get("Items", [])], _encode_cursor(next_key) if next_key else None

    @tracer.capture_method(capture_response=False)
    def find_duplicate(self, duplicate_key: str) -> Payment | None:
        item = self._get(items.duplicate_key(duplicate_key))
        if not item or int(item["expires_at"]["N"]) < int(time.time()):
            return None
        return self.get_payment(int(item["payment_id"]["N"]))

    # -- writes ------------------------------------------------------------------------------------

    @tracer.capture_method(capture_response=False)
    def allocate_ids(self, *names: str) -> dict[str, int]:
        """One atomic counter item hands out every integer id; one call for several ids."""
        response = self._call(
            "update_item",
            Key=items.COUNTER_KEY,
            UpdateExpression="ADD " + ", ".join(f"#{n} :one" for n in names),
            ExpressionAttributeNames={f"#{n}": n for n in names},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return {name: int(response["Attributes"][name]["N"]) for name in names}

    @tracer.capture_method(capture_response=False)
    def create_payment(self, payment: Payment, duplicate_key: str | None, window_seconds: int) -> None:
        """Record the payment as `processing` before Stripe is called, with its duplicate guard."""
        put_payment = {
            "Put": {
                "TableName": self._table,
                "Item": items.payment_to_item(payment),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        if not duplicate_key or window_seconds <= 0:
            self._call("put_item", **put_payment["Put"])
            return
        now = int(time.time())
        guard = {
            "Put": {
                "TableName": self._table,
                "Item": {
                    **items.duplicate_key(duplicate_key),
                    "payment_id": {"N": str(payment.payment_id)},
                    "expires_at": {"N": str(now + window_seconds)},
                },
                "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                "ExpressionAttributeValues": {":now": {"N": str(now)}},
            }
        }
        try:
            self._db.transact_write_items(TransactItems=[put_payment, guard])
        except ClientError as exc:
            if _cancelled_by_condition(exc, index=1):
                raise DuplicatePayment from exc
            raise _translate(exc) from exc

    @tracer.capture_method(capture_response=False)
    def complete_payment(
        self, payment: Payment, booking: Booking, new_card: SavedCard | None, customer_id: str | None
    ) -> None:
        """Mark the payment succeeded and create its booking (and save the card) in one transaction."""
        now = payment.updated_at
        transaction: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": items.payment_key(payment.payment_id),
                    "UpdateExpression": "SET #status = :succeeded, updated_at = :now, booking_created = :true,"
                    " payment_intent_id = :pi, payment_method_id = :pm, next_action = :null",
                    "ConditionExpression": "#status IN (:processing, :requires_action)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":succeeded": {"S": PaymentStatus.SUCCEEDED.value},
                        ":processing": {"S": PaymentStatus.PROCESSING.value},
                        ":requires_action": {"S": PaymentStatus.REQUIRES_ACTION.value},
                        ":now": {"S": now},
                        ":true": {"BOOL": True},
                        ":null": {"NULL": True},
                        ":pi": {"S": payment.payment_intent_id or ""},
                        ":pm": {"S": payment.payment_method_id or ""},
                    },
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": items.booking_to_item(booking),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        if payment.teacher_account_id is None:
            transaction.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": items.to_item(
                            {
                                "pk": f"LEDGER#TEACHER#{payment.teacher_id}",
                                "sk": f"PAYMENT#{payment.payment_id:012d}",
                                "owed_cents": payment.teacher_cents,
                                "payment_id": payment.payment_id,
                                "created_at": now,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        if new_card is not None and customer_id:
            transaction.append({"Update": self._save_card_update(payment.student_id, customer_id, new_card)})
        try:
            self._db.transact_write_items(TransactItems=transaction)
        except ClientError as exc:
            if new_card is not None and _cancelled_by_condition(exc, index=len(transaction) - 1):
                # The card was saved meanwhile (same fingerprint): the payment must not fail for that.
                self.complete_payment(payment, booking, None, None)
                return
            if _cancelled_by_condition(exc, index=0):
                raise Conflict("Payment is no longer awaiting completion") from exc
            raise _translate(exc) from exc

    def _save_card_update(self, student_id: int, customer_id: str, card: SavedCard) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": items.profile_key(student_id),
            "UpdateExpression": "SET #card = :card, #fp = :pm, stripe_customer_id = :customer",
            "ConditionExpression": "attribute_not_exists(#fp)",
            "ExpressionAttributeNames": {
                "#card": items.CARD_PREFIX + card.stripe_payment_method_id,
                "#fp": items.FINGERPRINT_PREFIX + card.fingerprint,
            },
            "ExpressionAttributeValues": {
                ":card": items.card_to_attr(card),
                ":pm": {"S": card.stripe_payment_method_id},
                ":customer": {"S": customer_id},
            },
        }

    @tracer.capture_method(capture_response=False)
    def save_card(self, student_id: int, customer_id: str, card: SavedCard, max_cards: int) -> SavedCard:
        try:
            self._db.update_item(**self._save_card_update(student_id, customer_id, card))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                existing = self.get_profile(student_id).card_by_fingerprint(card.fingerprint)
                if existing:
                    return existing
            raise _translate(exc) from exc
        return card

    @tracer.capture_method(capture_response=False)
    def set_customer(self, student_id: int, customer_id: str) -> None:
        self._call(
            "update_item",
            Key=items.profile_key(student_id),
            UpdateExpression="SET stripe_customer_id = :customer",
            ExpressionAttributeValues={":customer": {"S": customer_id}},
        )

    @tracer.capture_method(capture_response=False)
    def delete_card(self, student_id: int, card: SavedCard) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=items.profile_key(student_id),
                UpdateExpression="REMOVE #card, #fp",
                ConditionExpression="attribute_exists(#card)",
                ExpressionAttributeNames={
                    "#card": items.CARD_PREFIX + card.stripe_payment_method_id,
                    "#fp": items.FINGERPRINT_PREFIX + card.fingerprint,
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound("Payment method not found") from exc
            raise _translate(exc) from exc

    @tracer.capture_method(capture_response=False)
    def move_payment(
        self, payment_id: int, from_statuses: set[PaymentStatus], to_status: PaymentStatus, **fields: Any
    ) -> Payment:
        """Conditional, forward-only status change; raises Conflict if the payment moved meanwhile."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":to": {"S": to_status.value}}
        sets = ["#status = :to"]
        for index, (name, value) in enumerate(fields.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = items.to_attr(value)
            sets.append(f"#f{index} = :f{index}")
        allowed = []
        for index, status in enumerate(sorted(from_statuses)):
            values[f":from{index}"] = {"S": status.value}
            allowed.append(f":from{index}")
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=items.payment_key(payment_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"#status IN ({', '.join(allowed)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"Payment {payment_id} cannot move to {to_status.value}") from exc
            raise _translate(exc) from exc
        return items.payment_from_item(response["Attributes"])

    @tracer.capture_method(capture_response=False)
    def remember_event(self, event_id: str, ttl_seconds: int) -> bool:
        """True the first time an event id is seen; False for a duplicate delivery."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={**items.event_key(event_id), "expires_at": {"N": str(int(time.time()) + ttl_seconds)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise _translate(exc) from exc
        return True

    @tracer.capture_method(capture_response=False)
    def forget_event(self, event_id: str) -> None:
        self._call("delete_item", Key=items.event_key(event_id))

    # -- admin -------------------------------------------------------------------------------------

    def put_gig(self, gig: Gig) -> None:
        self._call("put_item", Item=items.gig_to_item(gig))

    def set_teacher_account(self, teacher_id: int, account_id: str | None) -> list[int]:
        """Store the teacher's connected account and copy it onto each of their gigs."""
        self._call(
            "put_item",
            Item={**items.teacher_key(teacher_id), **items.to_item({"stripe_account_id": account_id})},
        )
        gigs = self._call(
            "query",
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :pk AND begins_with(gsi2sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"TEACHER#{teacher_id}"}, ":prefix": {"S": "GIG#"}},
        )["Items"]
        for item in gigs:
            gig = items.gig_from_item(item)
            self.put_gig(Gig(**{**gig.__dict__, "teacher_account_id": account_id}))
        return [items.gig_from_item(item).gig_id for item in gigs]

    def list_gigs(self) -> list[Gig]:
        response = self._call(
            "scan",
            FilterExpression="sk = :sk",
            ExpressionAttributeValues={":sk": {"S": "GIG"}},
        )
        return sorted((items.gig_from_item(i) for i in response["Items"]), key=lambda g: g.gig_id)

    # -- plumbing ----------------------------------------------------------------------------------

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return self._call("get_item", Key=key, ConsistentRead=True).get("Item")

    def _call(self, operation: str, **params: Any) -> Any:
        if operation != "batch_get_item":
            params.setdefault("TableName", self._table)
        try:
            return getattr(self._db, operation)(**params)
        except ClientError as exc:
            raise _translate(exc) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable() from exc


def _translate(exc: ClientError) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _UNAVAILABLE_CODES or code == "TransactionCanceledException":
        return StorageUnavailable()
    if code == "ConditionalCheckFailedException":
        return Conflict()
    return exc


def _cancelled_by_condition(exc: ClientError, index: int) -> bool:
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed"


def _encode_cursor(key: dict[str, Any]) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    import base64
    import binascii
    import json

    from linguaflex.errors import InvalidRequest

    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("Invalid cursor", {"cursor": "not a cursor returned by this API"}) from exc
    if not isinstance(key, dict):
        raise InvalidRequest("Invalid cursor", {"cursor": "not a cursor returned by this API"})
    return key
