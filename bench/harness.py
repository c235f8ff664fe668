"""The bench's local stack, the handlers of both sides (ours and the reference) and the events they serve."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import itertools
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "bench" / "reference"
LAYER_DIR = ROOT / "layers" / "common"

# Template logical id -> (function code dir, reference module).
FUNCTIONS: dict[str, tuple[str, str]] = {
    "ProcessPaymentFunction": ("process_payment", "process_payment"),
    "AddPaymentMethodFunction": ("add_payment_method", "add_payment_method"),
    "ListPaymentMethodsFunction": ("list_payment_methods", "list_payment_methods"),
    "PaymentStatusFunction": ("payment_status", "payment_status"),
    "StripeWebhookFunction": ("stripe_webhook", "stripe_webhook"),
    "BookingsFunction": ("bookings", "bookings"),
    "RefundsFunction": ("refunds", "refunds"),
    "ReconcileFunction": ("reconcile", "reconcile"),
    "AuthorizerFunction": ("authorizer", "authorizer"),
}
SIDES = ("ours", "ref")
ADMIN_ID = 1
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123", "cardholder_name": "Bench"}
OTHER_CARD = {**CARD, "card_number": "5555555555554444"}
# More gigs, so one student may pay several times within the duplicate-payment window.
EXTRA_GIGS = tuple((gig_id, 5000 + 500 * gig_id) for gig_id in range(4, 13))

PATHS = {
    "add": "/api/payments/add-payment-method/",
    "pay": "/api/payments/process-payment/",
    "methods": "/api/payments/payment-methods/",
    "payment": "/api/payments/payments/{payment_id}/",
    "webhook": "/api/payments/stripe-webhook/",
    "bookings": "/api/payments/bookings/",
    "refunds": "/api/payments/refund-requests/",
}


class Context:
    """What Lambda hands a handler; Powertools reads these attributes."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class Student:
    user_id: int
    payment_method_id: str | None = None
    payment_ids: list[int] = field(default_factory=list)
    intent_ids: list[str] = field(default_factory=list)


class Bench:
    """One LocalStack for the whole run; both sides' handlers loaded in this process."""

    def __init__(self) -> None:
        self.stack: Any = None
        self._ids = {"ours": itertools.count(100_000), "ref": itertools.count(600_000)}
        self._handlers: dict[tuple[str, str], Any] = {}
        self._events = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Bench:
        import logging

        sys.path.insert(0, str(ROOT))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from bench import moto_speedup
        from local.stack import LocalStack

        moto_speedup.install()
        self.stack = LocalStack(port=0, pool_size=4).start()
        # No deliveries during the bench: webhooks are sent by the bench itself, so the counts are ours alone.
        client = self.stack.stripe_client()
        for endpoint in client.v1.webhook_endpoints.list().data:
            client.v1.webhook_endpoints.delete(endpoint.id)
        from linguaflex.adapters.dynamo import DynamoRepository
        from linguaflex.models.domain import Gig

        repository = DynamoRepository(self.stack.dynamodb(), self.stack.table_name)
        for gig_id, price in EXTRA_GIGS:
            repository.put_gig(Gig(gig_id, 7, price, True, f"Bench gig {gig_id}", self.stack.teacher_account_id))
        if str(REFERENCE_DIR) not in sys.path:
            sys.path.insert(0, str(REFERENCE_DIR))
        return self

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()

    @property
    def emulator(self) -> Any:
        return self.stack.emulator

    def child_environment(self) -> dict[str, str]:
        import os

        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
        env["PYTHONHASHSEED"] = "0"
        return env

    # -- handlers ----------------------------------------------------------------------------------

    def handler(self, side: str, function: str) -> Any:
        """A warm container of `function`: ours via the template, the reference by module name."""
        return self.module(side, function).lambda_handler

    def module(self, side: str, function: str) -> Any:
        key = (side, function)
        if key not in self._handlers:
            self._handlers[key] = self.load_module(side, function)
        return self._handlers[key]

    def load(self, side: str, function: str) -> Any:
        return self.load_module(side, function).lambda_handler

    def load_module(self, side: str, function: str) -> Any:
        """A fresh import of the handler module (what local/lambda_runtime.load_handler does, keeping the module)."""
        if side == "ours":
            from local.lambda_runtime import ensure_layer_on_path
            from local.template_model import functions

            ensure_layer_on_path()
            spec = functions()[function]
            module_file = spec.handler.rpartition(".")[0]
            path = spec.code_dir / f"{module_file}.py"
        else:
            path = REFERENCE_DIR / f"{FUNCTIONS[function][1]}.py"
        name = f"_bench_{side}_{function}_{next(self._events)}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        assert module_spec and module_spec.loader
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module

    def invoke(self, side: str, function: str, event: dict[str, Any]) -> Any:
        return self.handler(side, function)(event, Context(function))

    # -- users and data ----------------------------------------------------------------------------

    def new_user(self, side: str) -> int:
        return next(self._ids[side])

    def students_with_cards(self, side: str, count: int) -> list[Student]:
        """Fresh students, each with a saved card (through that side's own add-payment-method)."""
        students = []
        for _ in range(count):
            student = Student(self.new_user(side))
            response = self.invoke(side, "AddPaymentMethodFunction", add_card_event(student.user_id))
            student.payment_method_id = body_of(response, 201)["payment_method_id"]
            students.append(student)
        return students

    def pay(self, side: str, student: Student, gig_id: int) -> None:
        response = self.invoke(side, "ProcessPaymentFunction", saved_card_event(student, gig_id))
        body = body_of(response, 201)
        student.payment_ids.append(int(body["payment_id"]))
        student.intent_ids.append(str(body["payment_intent_id"]))

    def webhook_event(self, student: Student) -> dict[str, Any]:
        """A signed `payment_intent.succeeded` for one of the student's payments, with a new event id."""
        event_id = f"evt_bench_{next(self._events):08d}"
        payload = json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": "payment_intent.succeeded",
                "created": int(time.time()),
                "data": {
                    "object": {
                        "id": student.intent_ids[0],
                        "object": "payment_intent",
                        "status": "succeeded",
                        "metadata": {"payment_id": str(student.payment_ids[0])},
                    }
                },
            }
        )
        stamp = int(time.time())
        secret = self.stack.webhook_secret or ""
        signature = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
        return api_event(
            "POST", PATHS["webhook"], None, payload, headers={"Stripe-Signature": f"t={stamp},v1={signature}"}
        )

    def token(self, user_id: int, role: str = "student") -> str:
        from linguaflex.tokens import issue_token

        return str(issue_token(self.stack.jwt_secret, user_id, role, lifetime_seconds=3600))


# -- events ------------------------------------------------------------------------------------------


def api_event(
    method: str,
    path_template: str,
    user: tuple[int, str] | None,
    body: Any = None,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> dict[str, Any]:
    from local import events

    path = path_template.format(**(path_parameters or {}))
    raw = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    all_headers = {"content-type": "application/json", "user-agent": "bench", **(headers or {})}
    event = events.http_event(
        method, path, f"{method} {path_template}", all_headers, query, raw.encode(), path_parameters
    )
    if user is not None:
        events.with_authorizer_context(event, {"user_id": str(user[0]), "role": user[1]})
    return event


def add_card_event(user_id: int, card: dict[str, Any] = CARD, save: bool = True) -> dict[str, Any]:
    return api_event("POST", PATHS["add"], (user_id, "student"), {**card, "save_for_future": save})


def saved_card_event(student: Student, gig_id: int = 1, idempotency_key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    body = {"gig_id": gig_id, "saved_payment_method_id": student.payment_method_id}
    return api_event("POST", PATHS["pay"], (student.user_id, "student"), body, headers=headers)


def new_card_event(user_id: int, gig_id: int = 1, card: dict[str, Any] = CARD, save: bool = False) -> dict[str, Any]:
    body = {"gig_id": gig_id, "card_details": card, "save_card": save}
    return api_event("POST", PATHS["pay"], (user_id, "student"), body)


def methods_event(user_id: int) -> dict[str, Any]:
    return api_event("GET", PATHS["methods"], (user_id, "student"))


def payment_event(student: Student) -> dict[str, Any]:
    params = {"payment_id": str(student.payment_ids[0])}
    return api_event("GET", PATHS["payment"], (student.user_id, "student"), path_parameters=params)


def bookings_event(user_id: int) -> dict[str, Any]:
    return api_event("GET", PATHS["bookings"], (user_id, "student"))


def refunds_event() -> dict[str, Any]:
    # With a status filter: without one, ours queries begins_with(gsi2sk, "") and DynamoDB refuses it.
    return api_event("GET", PATHS["refunds"], (ADMIN_ID, "admin"), query="status=pending")


def authorizer_event(token: str) -> dict[str, Any]:
    from local import events

    http = api_event("GET", PATHS["methods"], None, headers={"authorization": f"Bearer {token}"})
    return events.authorizer_event(http)


def schedule_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def status_of(response: Any) -> int:
    if isinstance(response, dict) and "statusCode" in response:
        return int(response["statusCode"])
    return 200  # a bare object (authorizer, scheduled function)


def body_of(response: Any, expected: int) -> dict[str, Any]:
    status = status_of(response)
    if status != expected:
        raise RuntimeError(f"expected {expected}, got {status}: {str(response)[:300]}")
    return dict(json.loads(response["body"]))
