"""Shared helpers for the security tests: log capture, card-data scanning, signed Stripe events."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from linguaflex.observability import SERVICE

# Stripe's documented test cards, and a CVC nobody else uses so it can be searched for.
TEST_CARDS = (
    "4242424242424242",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "4000000000000002",
    "4000000000009995",
    "4000000000009987",
    "4000000000009979",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
    "4000000000000341",
    "4000002500003155",
    "4000002760003184",
    "4242424242424241",  # fails the Luhn check: refused before Stripe is called
)
CVC = "737"
AMEX_CVC = "7373"


def cvc_for(number: str) -> str:
    return AMEX_CVC if number.startswith(("34", "37")) else CVC


def card_forms(number: str) -> set[str]:
    """The number as plain digits and grouped with spaces or dashes (4-4-4-4 and Amex's 4-6-5)."""
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    forms = {number, " ".join(groups), "-".join(groups)}
    if len(number) == 15:
        amex = [number[:4], number[4:10], number[10:]]
        forms |= {" ".join(amex), "-".join(amex)}
    return forms


def named_cvc_pattern(cvcs: Iterable[str]) -> re.Pattern[str]:
    """A CVC written next to its name, in JSON, form-encoding, key=value or repr text."""
    return _named_cvc_pattern(tuple(sorted(set(cvcs))))


@lru_cache(maxsize=16)
def _named_cvc_pattern(cvcs: tuple[str, ...]) -> re.Pattern[str]:
    values = "|".join(cvcs)
    return re.compile(rf"(?i)(cvc|cvv|cvc2|security_code)[\]\"'\s]*[:=]\s*[\"']?({values})(?!\d)")


@lru_cache(maxsize=16)
def _number_pattern(numbers: tuple[str, ...]) -> re.Pattern[str]:
    forms = sorted({form for number in numbers for form in card_forms(number)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(form) for form in forms))


@dataclass
class Findings:
    """Where card data was found: a list of (where, what) pairs; empty means clean."""

    hits: list[tuple[str, str]] = field(default_factory=list)

    def scan_text(self, where: str, text: str, numbers: Iterable[str], cvcs: Iterable[str]) -> None:
        for match in _number_pattern(tuple(numbers)).finditer(text):
            self.hits.append((where, f"card number {match.group(0)[:4]}…{match.group(0)[-4:]} as {match.group(0)!r}"))
        named = named_cvc_pattern(cvcs).search(text)
        if named:
            self.hits.append((where, f"named CVC: {named.group(0)!r}"))

    def scan_value(self, where: str, value: Any, numbers: Iterable[str], cvcs: Iterable[str]) -> None:
        """Structured data: any leaf equal to a CVC, and the card numbers anywhere in its JSON."""
        numbers, cvcs = list(numbers), set(cvcs)
        for leaf in _leaves(value):
            if str(leaf) in cvcs:
                self.hits.append((where, f"a value equal to a CVC: {leaf!r}"))
        self.scan_text(where, json.dumps(value, default=str), numbers, cvcs)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


# -- logs --------------------------------------------------------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _Tee(io.TextIOBase):
    def __init__(self, original: Any, copy: io.StringIO) -> None:
        self._original, self._copy = original, copy

    def write(self, text: str) -> int:
        self._copy.write(text)
        return int(self._original.write(text))

    def flush(self) -> None:
        self._original.flush()


@dataclass
class LogCapture:
    records: list[logging.LogRecord]
    emitted: io.StringIO  # the exact lines our Powertools logger wrote (JSON, after its formatter)
    _rendered: dict[int, str] = field(default_factory=dict)

    def raw_texts(self, skip: Any = None) -> list[tuple[str, str]]:
        """Every record before any formatter ran: message, arguments, extra keys and traceback."""
        texts = []
        for record in list(self.records):
            if skip is not None and skip(record):
                continue
            if id(record) not in self._rendered:
                self._rendered[id(record)] = render_record(record)
            texts.append((f"log record {record.name}:{record.levelname}", self._rendered[id(record)]))
        return texts


def render_record(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw parts
        message = f"{record.msg!r} % {record.args!r}"
    parts = [message, repr(record.msg), repr(record.args)]
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}
    if extras:
        parts.append(json.dumps(extras, default=repr))
    if record.exc_info and record.exc_info[0] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


# What every LogRecord carries (where it was logged from); anything else came in through `extra`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


@contextmanager
def capture_logs(level: int = logging.DEBUG) -> Iterator[LogCapture]:
    """Collect every log record of every logger at `level` (root and the non-propagating ones such as
    Powertools'), and tee what our Powertools logger prints to stdout. Levels and streams are restored."""
    collector = _Collector()
    emitted = io.StringIO()
    root = logging.getLogger()
    loggers = [root] + [
        candidate
        for candidate in list(logging.Logger.manager.loggerDict.values())
        if isinstance(candidate, logging.Logger) and not candidate.propagate
    ]
    ours = logging.getLogger(SERVICE)
    levels = {id(lg): lg.level for lg in (*loggers, ours)}
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    for lg in loggers:
        lg.addHandler(collector)
    root.setLevel(level)
    ours.setLevel(level)
    for handler in ours.handlers:
        if isinstance(handler, logging.StreamHandler):
            swapped.append((handler, handler.setStream(_Tee(handler.stream, emitted))))
    try:
        yield LogCapture(collector.records, emitted)
    finally:
        for handler, original in swapped:
            handler.setStream(original)
        for lg in loggers:
            lg.removeHandler(collector)
        for lg in (*loggers, ours):
            lg.setLevel(levels[id(lg)])


# -- DynamoDB -----------------------------------------------------------------------------------------------


def scan_table(client: Any, table_name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table_name):
        items.extend(page["Items"])
    return items


# -- Stripe webhooks ----------------------------------------------------------------------------------------


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"
