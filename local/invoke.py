"""`make invoke FN=ProcessPaymentFunction EVENT=events/process_payment/new_card.json`.

Starts the local backends (moto's DynamoDB, the Stripe emulator, the local HTTP API on a free port), fills
the event's placeholders, runs the function's handler in-process once and prints its return value as JSON.
Exit status 0, or 1 when the handler raises. Logs and metrics go to stderr, the result alone to stdout.

Placeholders in event files:
  {{token:ROLE:ID}}     a fresh access token for that user, signed with JWT_SECRET
  {{signature}}         the Stripe-Signature header over the event's body (STRIPE_WEBHOOK_SECRET)
  {{event_id}}          a fresh Stripe event id
  {{payment_method_id}} {{card_id}}             a card saved by the event's student
  {{payment_id}} {{payment_intent_id}} {{booking_id}}   a payment by the student for gig 1
  {{refund_request_id}}                        a pending refund request on such a payment
Data placeholders come from `--set NAME=VALUE`, or are created through the local stack's HTTP API first.

`--student ID` plays the event as another student (its authorizer context and student tokens).
`--render-only OUT.json` writes the filled event without starting anything, for
`sam local invoke ProcessPaymentFunction -e OUT.json`; data placeholders must then be given with --set.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import re
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import requests

from local.lambda_runtime import LambdaContext, ensure_layer_on_path, load_handler
from local.stack import DEFAULT_JWT_SECRET, LocalStack
from local.template_model import ROOT, FunctionSpec, functions

EVENTS_DIR = ROOT / "events"
DEFAULT_STUDENT = 42
PREPARED_GIG = 1
PREPARED_CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
DATA_NAMES = ("payment_method_id", "card_id", "payment_id", "payment_intent_id", "booking_id", "refund_request_id")
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)(?::([a-z]+):(\d+))?\}\}")


def placeholders(text: str) -> set[str]:
    """Data placeholders (not tokens, signature or event id) an event file needs."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(1) in DATA_NAMES}


@cache
def _specs() -> dict[str, FunctionSpec]:
    return functions()  # parsing template.yaml takes a while; it does not change during a run


def function_for(event_path: Path) -> str:
    """The template logical id whose code directory names the event's folder (events/<code dir>/x.json)."""
    for logical_id, spec in _specs().items():
        if spec.code_dir.name == event_path.parent.name:
            return logical_id
    raise LookupError(f"no function in template.yaml has CodeUri functions/{event_path.parent.name}/")


@dataclass
class Secrets:
    jwt_secret: str
    webhook_secret: str | None


def render(text: str, values: dict[str, str], secrets: Secrets, student_id: int | None = None) -> dict[str, Any]:
    """The event with every placeholder filled; `student_id` replaces the event's student everywhere."""
    from linguaflex.tokens import issue_token

    missing = placeholders(text) - set(values)
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}: pass --set NAME=VALUE")

    def fill(match: re.Match[str]) -> str:
        name, role, user = match.groups()
        if name == "token":
            user_id = student_id if (role == "student" and student_id is not None) else int(user)
            return issue_token(secrets.jwt_secret, user_id, role, lifetime_seconds=3600)
        if name == "event_id":
            return f"evt_local_{uuid.uuid4().hex[:24]}"
        if name in values:
            return str(values[name])
        return match.group(0)  # {{signature}} needs the final body: filled below

    event: dict[str, Any] = json.loads(_PLACEHOLDER.sub(fill, text))
    context = event.get("requestContext", {}).get("authorizer", {}).get("lambda")
    if student_id is not None and context and context.get("role") == "student":
        context["user_id"] = str(student_id)
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if value == "{{signature}}":
            if not secrets.webhook_secret:
                raise KeyError("the event is signed: set STRIPE_WEBHOOK_SECRET")
            headers[key] = stripe_signature(event.get("body") or "", secrets.webhook_secret)
    return event


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's scheme (stripe.WebhookSignature): v1 = HMAC-SHA256 of "<t>.<payload>" with the signing secret."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_student(text: str, student_id: int | None) -> int:
    """The student whose data the event uses: the override, else the file's student, else 42."""
    if student_id is not None:
        return student_id
    found = re.search(r"\{\{token:student:(\d+)\}\}", text)
    return int(found.group(1)) if found else DEFAULT_STUDENT


@dataclass
class Preparer:
    """Creates the data an event refers to, through the local stack's HTTP API, as the event's student."""

    base_url: str
    jwt_secret: str
    student_id: int
    made: dict[str, str] = field(default_factory=dict)

    def values(self, names: set[str]) -> dict[str, str]:
        for name in sorted(names):
            if name not in self.made:
                self._make(name)
        return {name: self.made[name] for name in names}

    def _make(self, name: str) -> None:
        if name in ("payment_method_id", "card_id"):
            saved = self._call(
                "student",
                "POST",
                "/api/payments/add-payment-method/",
                {**PREPARED_CARD, "cardholder_name": "Event Student", "save_for_future": True},
            )
            cards = self._call("student", "GET", "/api/payments/payment-methods/")["results"]
            card = next(c for c in cards if c["stripe_payment_method_id"] == saved["payment_method_id"])
            self.made.update(payment_method_id=saved["payment_method_id"], card_id=str(card["id"]))
        elif name in ("payment_id", "payment_intent_id", "booking_id"):
            paid = self._call(
                "student",
                "POST",
                "/api/payments/process-payment/",
                {"gig_id": PREPARED_GIG, "card_details": PREPARED_CARD},
            )
            self.made.update(
                payment_id=str(paid["payment_id"]),
                payment_intent_id=paid["payment_intent_id"],
                booking_id=str(paid["booking_id"]),
            )
        elif name == "refund_request_id":
            payment_id = self.values({"payment_id"})["payment_id"]
            asked = self._call(
                "student",
                "POST",
                f"/api/payments/payments/{payment_id}/refund-request/",
                {"reason": "Prepared by local.invoke"},
            )
            self.made["refund_request_id"] = str(asked["refund_request_id"])
        else:
            raise KeyError(f"don't know how to prepare {{{{{name}}}}}")

    def _call(self, role: str, method: str, path: str, body: Any = None) -> Any:
        from linguaflex.tokens import issue_token

        token = issue_token(self.jwt_secret, self.student_id, role)
        response = requests.request(
            method, self.base_url + path, json=body, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        if not response.ok:
            raise RuntimeError(f"preparing data: {method} {path} answered {response.status_code} {response.text}")
        return response.json()


def invoke(function_id: str, event: dict[str, Any]) -> Any:
    """One cold invocation of the function's handler, in this process."""
    specs = _specs()
    if function_id not in specs:
        raise KeyError(f"{function_id} is not a function in template.yaml; one of {', '.join(sorted(specs))}")
    handler = load_handler(specs[function_id])
    return handler(event, LambdaContext(function_name=function_id))


def run(
    function_id: str,
    event_path: Path,
    stack: LocalStack,
    student_id: int | None = None,
    values: dict[str, str] | None = None,
) -> Any:
    """The code path of `make invoke` against a started LocalStack: prepare, render, invoke."""
    text = Path(event_path).read_text()
    preparer = Preparer(stack.url, stack.jwt_secret, event_student(text, student_id), dict(values or {}))
    filled = preparer.values(placeholders(text))
    event = render(text, filled, Secrets(stack.jwt_secret, stack.webhook_secret), student_id)
    return invoke(function_id, event)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("function", help="template logical id, e.g. ProcessPaymentFunction")
    parser.add_argument("event", type=Path, help="event file, e.g. events/process_payment/new_card.json")
    parser.add_argument("--set", dest="values", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--student", type=int, default=None, help="play the event as this student id")
    parser.add_argument("--render-only", type=Path, default=None, metavar="OUT.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    values = dict(item.split("=", 1) for item in args.values)
    ensure_layer_on_path()
    if args.render_only:
        secrets = Secrets(os.environ.get("JWT_SECRET", DEFAULT_JWT_SECRET), os.environ.get("STRIPE_WEBHOOK_SECRET"))
        try:
            event = render(args.event.read_text(), values, secrets, args.student)
        except KeyError as exc:
            print(f"cannot render {args.event}: {exc.args[0]}", file=sys.stderr)
            return 2
        args.render_only.write_text(json.dumps(event, indent=2) + "\n")
        print(f"wrote {args.render_only}", file=sys.stderr)
        return 0
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # the handlers' JSON logs and EMF metrics
        stack = LocalStack(port=0, pool_size=1).start()
        try:
            result = run(args.function, args.event, stack, args.student, values)
        except Exception:
            traceback.print_exc()
            return 1
        finally:
            stack.stop()
    print(json.dumps(result, indent=2, default=str), file=stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
