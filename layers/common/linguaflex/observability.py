"""The one place that creates the shared logger, tracer and metrics, with card-data redaction."""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = "linguaflex-payments"

# A card number: 12-19 digits, optionally grouped by spaces or dashes.
_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")
# A CVC or card number named as such in key=value, JSON or repr text.
_NAMED_SECRET = re.compile(
    r"""(?ix)(["']?(?:cvc|cvv|cvc2|card_number|number|card\[number\]|card\[cvc\])["']?\s*[:=]\s*["']?)([^"',\s}]+)"""
)


def redact(text: str) -> str:
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + "[REDACTED]", text)
    return _PAN.sub("[REDACTED]", text)


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Every log line is redacted as a whole, tracebacks and extra keys included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
# stripe-python logs every request body (card[number], card[cvc]) at DEBUG: never let that through.
logging.getLogger("stripe").setLevel(logging.WARNING)
metrics = Metrics(namespace="LinguaFlex", service=SERVICE)


def __getattr__(name: str) -> Any:
    """`tracer` is built on first use: constructing it loads and patches the X-Ray SDK (botocore,
    requests), which functions that trace nothing (the authorizer) should not pay for on a cold start.
    The patches make every DynamoDB and Stripe call a subsegment of the handler's trace."""
    if name == "tracer":
        from aws_lambda_powertools import Tracer

        built = Tracer(service=SERVICE, patch_modules=("botocore", "requests"))
        globals()["tracer"] = built
        return built
    raise AttributeError(name)
