"""Makes moto's TransactWriteItems O(items written) instead of O(table), in the bench's own process only.

moto 5 deep-copies the whole table once per transaction item (its rollback snapshot), so every
transaction gets slower as the bench fills the table: with a few thousand items a payment spent most
of its time in `copy.deepcopy` inside moto, and the warm numbers measured moto, not us. Here the
snapshot is of the touched items only; on a cancelled transaction they are put back. Same outcome for
our requests (all-or-nothing), a backend cost that stays flat. Nothing outside this process changes.
"""

from __future__ import annotations

import copy
from typing import Any

_installed = False


class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's backend: tables are not deep-copied, the rest is."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.exceptions import MockValidationException, TransactionCanceledException
    from moto.dynamodb.models.table import Table

    models.copy = _TablesNotCopied(Table)  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            name = operation.get("TableName")
            if name not in self.tables:
                continue
            table = self.tables[name]
            if "Key" in operation:
                key = operation["Key"]
            else:
                item = operation["Item"]
                key = {table.hash_key_attr: item[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = item[table.range_key_attr]
            try:
                current = self.get_item(name, key)
            except Exception:  # an invalid key: moto reports it from the original call
                continue
            snapshots.append((name, key, current.to_json()["Attributes"] if current else None))
        try:
            original(self, transact_items)
        except (TransactionCanceledException, MockValidationException):
            for name, key, attributes in reversed(snapshots):
                if attributes is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, attributes, overwrite=True)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True
