"""DynamoDB adapter: the only module that talks to the payments table."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from linguaflex.adapters import dynamo_items as items
from linguaflex.errors import Conflict, NotFound, RateLimited, StorageUnavailable
from linguaflex.models.domain import (
    Booking,
    BookingStatus,
    Gig,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundRequestStatus,
    SavedCard,
    StudentProfile,
)
from linguaflex.observability import tracer
from linguaflex.rate_limits import RateWindow

_UNAVAILABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


ABANDONED = "abandoned"


class DuplicatePayment(Exception):
    """An identical payment request is already recorded inside the duplicate window."""


class DynamoRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    # -- reads -------------------------------------------------------------------------------------

    @tracer.capture_method(capture_response=False)
    def get_gig_and_profile(
        self, gig_id: int, student_id: int, counter: RateWindow | None = None
    ) -> tuple[Gig | None, StudentProfile, int]:
        """Gig, wallet and a rate counter in one round trip."""
        keys = [items.gig_key(gig_id), items.profile_key(student_id)]
        if counter:
            keys.append(items.rate_key(counter.key))
        found = self._batch_get(keys)
        gig_item = found.get(f"GIG#{gig_id}")
        gig = items.gig_from_item(gig_item) if gig_item else None
        return gig, items.profile_from_item(student_id, found.get(f"USER#{student_id}")), _count(found, counter)

    @tracer.capture_method(capture_response=False)
    def get_profile(self, student_id: int) -> StudentProfile:
        return items.profile_from_item(student_id, self._get(items.profile_key(student_id)))

    @tracer.capture_method(capture_response=False)
    def get_profile_and_count(self, student_id: int, counter: RateWindow) -> tuple[StudentProfile, int]:
        found = self._batch_get([items.profile_key(student_id), items.rate_key(counter.key)])
        return items.profile_from_item(student_id, found.get(f"USER#{student_id}")), _count(found, counter)

    def _batch_get(self, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        response = self._call("batch_get_item", RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}})
        found = {item["pk"]["S"]: item for item in response["Responses"].get(self._table, [])}
        # A few small items come back unprocessed only when throttled; read those one by one.
        for key in response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", []):
            item = self._get(key)
            if item:
                found[item["pk"]["S"]] = item
        return found

    @tracer.capture_method(capture_response=False)
    def consume(self, counter: RateWindow) -> None:
        """Count one use in the window, refusing it (RateLimited) once the limit is reached."""
        try:
            self._db.update_item(**self._consume_update(counter))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RateLimited(counter.retry_after_seconds) from exc
            raise _translate(exc) from exc

    @tracer.capture_method(capture_response=False)
    def count_event(self, counter: RateWindow) -> None:
        """Count one event (a decline) without a limit; the check happens on the next attempt."""
        update = self._consume_update(counter)
        update.pop("ConditionExpression")
        update["ExpressionAttributeValues"].pop(":limit")
        self._call("update_item", **{k: v for k, v in update.items() if k != "TableName"})

    def _consume_update(self, counter: RateWindow) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": items.rate_key(counter.key),
            "UpdateExpression": "ADD hits :one SET expires_at = :expires",
            "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":limit": {"N": str(counter.limit)},
                ":expires": {"N": str(counter.expires_at)},
            },
        }

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
    def list_payments(self, student_id: int, limit: int, cursor: str | None) -> tuple[list[Payment], str | None]:
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
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": f"{index}pk"},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if prefix:  # DynamoDB refuses begins_with on an empty string
            params["KeyConditionExpression"] += " AND begins_with(#sk, :prefix)"
            params["ExpressionAttributeNames"]["#sk"] = f"{index}sk"
            params["ExpressionAttributeValues"][":prefix"] = {"S": prefix}
        if cursor:
            params["ExclusiveStartKey"] = _decode_cursor(cursor, index, partition)
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
    def create_payment(
        self,
        payment: Payment,
        duplicate_key: str | None,
        window_seconds: int,
        counter: RateWindow | None = None,
        replaces_payment_id: int | None = None,
    ) -> None:
        """Record the payment as `processing` before Stripe is called, with its duplicate guard and,
        for a new card, the card-rate counter: one transaction, so a refused request leaves nothing."""
        transaction: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": items.payment_to_item(payment),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if duplicate_key and window_seconds > 0:
            transaction.append(self._duplicate_guard(payment, duplicate_key, window_seconds, replaces_payment_id))
        if counter is not None:
            transaction.append({"Update": self._consume_update(counter)})
        if len(transaction) == 1:
            self._call("put_item", **transaction[0]["Put"])
            return
        try:
            self._db.transact_write_items(TransactItems=transaction)
        except ClientError as exc:
            if duplicate_key and window_seconds > 0 and _cancelled_by_condition(exc, index=1):
                raise DuplicatePayment from exc
            if counter is not None and _cancelled_by_condition(exc, index=len(transaction) - 1):
                raise RateLimited(counter.retry_after_seconds) from exc
            raise _translate(exc) from exc

    def _duplicate_guard(
        self, payment: Payment, duplicate_key: str, window_seconds: int, replaces_payment_id: int | None
    ) -> dict[str, Any]:
        now = int(time.time())
        if replaces_payment_id is not None:
            # A retry after a failed attempt takes the guard over, but only from that attempt.
            condition, values = "payment_id = :previous", {":previous": {"N": str(replaces_payment_id)}}
        else:
            condition, values = "attribute_not_exists(pk) OR expires_at < :now", {":now": {"N": str(now)}}
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    **items.duplicate_key(duplicate_key),
                    "payment_id": {"N": str(payment.payment_id)},
                    "expires_at": {"N": str(now + window_seconds)},
                },
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }

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
                    " payment_intent_id = :pi, payment_method_id = :pm, next_action = :null REMOVE gsi3pk, gsi3sk",
                    # An abandoned payment (we never heard from Stripe) may still turn out to have succeeded.
                    "ConditionExpression": "#status IN (:processing, :requires_action)"
                    " OR (#status = :failed AND failure_code = :abandoned)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":succeeded": {"S": PaymentStatus.SUCCEEDED.value},
                        ":processing": {"S": PaymentStatus.PROCESSING.value},
                        ":requires_action": {"S": PaymentStatus.REQUIRES_ACTION.value},
                        ":failed": {"S": PaymentStatus.FAILED.value},
                        ":abandoned": {"S": ABANDONED},
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
            transaction.append({"Put": self._owner_put(payment.student_id, new_card)})
            transaction.append({"Update": self._save_card_update(payment.student_id, customer_id, new_card)})
        try:
            self._db.transact_write_items(TransactItems=transaction)
        except ClientError as exc:
            if new_card is not None and _cancelled_by_condition(exc, index=len(transaction) - 1):
                # The card was saved meanwhile (same fingerprint): the payment must not fail for that.
                self.complete_payment(payment, booking, None, None)
                return
            if _cancelled_by_condition(exc, index=0) or _cancelled_by_condition(exc, index=1):
                # The payment moved on, or its booking exists: another path completed it first.
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

    def _owner_put(self, student_id: int, card: SavedCard) -> dict[str, Any]:
        """PM# -> student, so a `payment_method.detached` event finds the wallet to clean."""
        return {
            "TableName": self._table,
            "Item": {
                **items.payment_method_owner_key(card.stripe_payment_method_id),
                "student_id": {"N": str(student_id)},
            },
        }

    @tracer.capture_method(capture_response=False)
    def save_card(self, student_id: int, customer_id: str, card: SavedCard, max_cards: int) -> SavedCard:
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {"Update": self._save_card_update(student_id, customer_id, card)},
                    {"Put": self._owner_put(student_id, card)},
                ]
            )
        except ClientError as exc:
            if _cancelled_by_condition(exc, index=0):
                existing = self.get_profile(student_id).card_by_fingerprint(card.fingerprint)
                if existing:
                    return existing
            raise _translate(exc) from exc
        return card

    @tracer.capture_method(capture_response=False)
    def payment_method_owner(self, payment_method_id: str) -> int | None:
        item = self._get(items.payment_method_owner_key(payment_method_id))
        return int(item["student_id"]["N"]) if item else None

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
        self,
        payment_id: int,
        from_statuses: set[PaymentStatus],
        to_status: PaymentStatus,
        extra_condition: str | None = None,
        extra_values: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Payment:
        """Conditional, forward-only status change; raises Conflict if the payment moved meanwhile."""
        closing = " REMOVE gsi3pk, gsi3sk" if to_status not in items.OPEN_PAYMENT_STATUSES else ""
        attributes = self._move(
            items.payment_key(payment_id), from_statuses, to_status, fields, closing, extra_condition, extra_values
        )
        return items.payment_from_item(attributes)

    def _move(
        self,
        key: dict[str, Any],
        from_statuses: set[Any],
        to_status: Any,
        fields: dict[str, Any],
        extra_update: str = "",
        extra_condition: str | None = None,
        extra_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        field_sets, field_names, field_values = _assignments(fields)
        names = {"#status": "status", **field_names}
        values: dict[str, Any] = {":to": {"S": to_status.value}, **(extra_values or {}), **field_values}
        sets = ["#status = :to", *field_sets]
        allowed = []
        for index, status in enumerate(sorted(from_statuses)):
            values[f":from{index}"] = {"S": status.value}
            allowed.append(f":from{index}")
        condition = f"#status IN ({', '.join(allowed)})"
        if extra_condition:
            condition += f" AND ({extra_condition})"
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET " + ", ".join(sets) + extra_update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"Cannot move to {to_status.value} from the current state") from exc
            raise _translate(exc) from exc
        return dict(response["Attributes"])

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

    @tracer.capture_method(capture_response=False)
    def list_open_payments(self, created_before: str, limit: int = 100) -> list[Payment]:
        response = self._call(
            "query",
            IndexName="gsi3",
            KeyConditionExpression="gsi3pk = :pk AND gsi3sk < :before",
            ExpressionAttributeValues={":pk": {"S": items.OPEN_PARTITION}, ":before": {"S": created_before}},
            Limit=limit,
        )
        # The index holds keys only and is eventually consistent: read each payment itself.
        ids = [int(item["pk"]["S"].removeprefix("PAYMENT#")) for item in response.get("Items", [])]
        return [p for p in (self.get_payment(i) for i in ids) if p is not None]

    @tracer.capture_method(capture_response=False)
    def move_booking(
        self, booking_id: int, from_statuses: set[BookingStatus], to_status: BookingStatus, **fields: Any
    ) -> Booking:
        return items.booking_from_item(self._move(items.booking_key(booking_id), from_statuses, to_status, fields))

    @tracer.capture_method(capture_response=False)
    def create_refund_request(self, request: RefundRequest) -> None:
        """One open request per payment: the guard item makes a second one a Conflict."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": items.refund_request_to_item(request),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                **items.open_refund_guard_key(request.payment_id),
                                "request_id": {"N": str(request.request_id)},
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _cancelled_by_condition(exc, index=1):
                raise Conflict("A refund request for this payment is already open") from exc
            raise _translate(exc) from exc

    @tracer.capture_method(capture_response=False)
    def get_refund_request(self, request_id: int) -> RefundRequest | None:
        item = self._get(items.refund_request_key(request_id))
        return items.refund_request_from_item(item) if item else None

    @tracer.capture_method(capture_response=False)
    def list_refund_requests(
        self, status: RefundRequestStatus | None, limit: int, cursor: str | None
    ) -> tuple[list[RefundRequest], str | None]:
        prefix = f"{status.value}#" if status else ""
        return self._list_index(
            "gsi2", items.REFUND_REQUESTS_PARTITION, prefix, limit, cursor, items.refund_request_from_item
        )

    @tracer.capture_method(capture_response=False)
    def decide_refund_request(
        self, request: RefundRequest, to_status: RefundRequestStatus, **fields: Any
    ) -> RefundRequest:
        """pending -> approved | denied, closing the per-payment guard in the same transaction."""
        field_sets, field_names, field_values = _assignments(fields)
        names = {"#status": "status", **field_names}
        values: dict[str, Any] = {
            ":to": {"S": to_status.value},
            ":pending": {"S": RefundRequestStatus.PENDING.value},
            ":sk": {"S": f"{to_status.value}#{request.created_at}#{request.request_id:012d}"},
            **field_values,
        }
        sets = ["#status = :to", "gsi2sk = :sk", *field_sets]
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": items.refund_request_key(request.request_id),
                            "UpdateExpression": "SET " + ", ".join(sets),
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                    {"Delete": {"TableName": self._table, "Key": items.open_refund_guard_key(request.payment_id)}},
                ]
            )
        except ClientError as exc:
            if _cancelled_by_condition(exc, index=0):
                raise Conflict("This refund request was already decided") from exc
            raise _translate(exc) from exc
        decided = self.get_refund_request(request.request_id)
        assert decided is not None
        return decided

    @tracer.capture_method(capture_response=False)
    def remove_card_by_payment_method(self, student_id: int, payment_method_id: str) -> bool:
        card = self.get_profile(student_id).card_by_payment_method(payment_method_id)
        if card is None:
            return False
        try:
            self.delete_card(student_id, card)
        except NotFound:
            return False
        self._call("delete_item", Key=items.payment_method_owner_key(payment_method_id))
        return True

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


def _assignments(fields: dict[str, Any]) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """`#fN = :fN` for each field to SET, with the names and values it refers to."""
    sets, names, values = [], {}, {}
    for index, (name, value) in enumerate(fields.items()):
        names[f"#f{index}"] = name
        values[f":f{index}"] = items.to_attr(value)
        sets.append(f"#f{index} = :f{index}")
    return sets, names, values


def _count(found: dict[str, dict[str, Any]], counter: RateWindow | None) -> int:
    if counter is None:
        return 0
    item = found.get(counter.key)
    return int(item["hits"]["N"]) if item and "hits" in item else 0


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


def _decode_cursor(cursor: str, index: str, partition: str) -> dict[str, Any]:
    """A cursor is only ever one we issued for this very listing: its shape and partition are checked."""
    import base64
    import binascii
    import json

    from linguaflex.errors import InvalidRequest

    invalid = InvalidRequest("Invalid cursor", {"cursor": "not a cursor returned by this API"})
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise invalid from exc
    expected = {"pk", "sk", f"{index}pk", f"{index}sk"}
    if not isinstance(key, dict) or set(key) != expected:
        raise invalid
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        raise invalid
    if key[f"{index}pk"]["S"] != partition:
        raise invalid
    return key
