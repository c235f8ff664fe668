from __future__ import annotations

from datetime import UTC, datetime


def utc_now_iso() -> str:
    """ISO-8601 UTC with a Z, as the contract shows (2024-01-15T10:30:00Z), to the millisecond for ordering."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contract_timestamp(value: str) -> str:
    """The contract's created_at has whole seconds."""
    return value[:19] + "Z" if len(value) >= 19 else value
