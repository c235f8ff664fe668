"""Helpers shared by several resources."""

from __future__ import annotations


def apply_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Merge a metadata update; an empty value deletes the key, an empty hash (`metadata=`) clears all."""
    if update is None:
        return current
    if update == {}:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "$", "aud": "$", "jpy": "¥"}
ZERO_DECIMAL = {
    "jpy",
    "krw",
    "vnd",
    "clp",
    "pyg",
    "xof",
    "xaf",
    "ugx",
    "rwf",
    "mga",
    "kmf",
    "gnf",
    "djf",
    "bif",
}


def format_amount(amount: int, currency: str) -> str:
    """`$20.00` as Stripe writes amounts in refund error messages."""
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    if currency in ZERO_DECIMAL:
        return f"{symbol}{amount}"
    return f"{symbol}{amount / 100:.2f}"
