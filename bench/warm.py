"""Warm latency per route, in-process against the local backends, ours and the reference interleaved;
with the DynamoDB and Stripe calls of every request and the request units of one of them.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import harness as h
from bench.counting import DynamoCalls, request_units

EventMaker = Callable[[h.Bench, str, int, dict[str, Any]], dict[str, Any]]


@dataclass
class Route:
    name: str
    function: str
    description: str
    make: EventMaker
    expected: int = 200
    share: float = 1.0  # fraction of the requested count (for the slow, rarely-used ones)
    after: Callable[[dict[str, Any], int, Any], None] | None = None


def _student(state: dict[str, Any], index: int) -> h.Student:
    """Routes that only read reuse the students round-robin; payments use each student once per gig."""
    students = state["students"]
    return students[index % len(students)]


def _paid(state: dict[str, Any], index: int) -> h.Student:
    """Students who have paid (pay_saved), round-robin."""
    paid = state["paid"]
    return paid[index % len(paid)]


def _after_add(state: dict[str, Any], index: int, response: Any) -> None:
    body = h.body_of(response, 201)
    state["students"].append(h.Student(state["pending_user"].pop(index), body["payment_method_id"]))


def _make_add(bench: h.Bench, side: str, index: int, state: dict[str, Any]) -> dict[str, Any]:
    user = bench.new_user(side)
    state.setdefault("pending_user", {})[index] = user
    return h.add_card_event(user)


def _after_pay(state: dict[str, Any], index: int, response: Any) -> None:
    body = h.body_of(response, 201)
    student = _student(state, index)
    student.payment_ids.append(int(body["payment_id"]))
    student.intent_ids.append(str(body["payment_intent_id"]))
    state.setdefault("paid", []).append(student)


def _authorizer(bench: h.Bench, side: str, index: int, state: dict[str, Any]) -> dict[str, Any]:
    if "token" not in state:
        state["token"] = bench.token(bench.new_user(side))
    return h.authorizer_event(state["token"])


ROUTES = [
    Route("authorizer", "AuthorizerFunction", "JWT authorizer (HS256)", _authorizer),
    Route(
        "add_card",
        "AddPaymentMethodFunction",
        "add payment method, save_for_future, first card",
        _make_add,
        201,
        share=0.4,
        after=_after_add,
    ),
    Route(
        "list_cards",
        "ListPaymentMethodsFunction",
        "list saved cards",
        lambda b, s, i, st: h.methods_event(_student(st, i).user_id),
    ),
    Route(
        "pay_saved",
        "ProcessPaymentFunction",
        "process payment, saved card",
        lambda b, s, i, st: h.saved_card_event(_student(st, i), 1),
        201,
        share=0.4,
        after=_after_pay,
    ),
    # moto answers a GSI query by scanning the table: these two run while it is still small.
    Route(
        "bookings",
        "BookingsFunction",
        "list a student's bookings",
        lambda b, s, i, st: h.bookings_event(_paid(st, i).user_id),
        share=0.2,
    ),
    Route(
        "refunds",
        "RefundsFunction",
        "list pending refund requests (admin)",
        lambda b, s, i, st: h.refunds_event(),
        share=0.2,
    ),
    Route(
        "payment_status",
        "PaymentStatusFunction",
        "payment status",
        lambda b, s, i, st: h.payment_event(_paid(st, i)),
        share=0.5,
    ),
    Route(
        "webhook",
        "StripeWebhookFunction",
        "webhook payment_intent.succeeded (already settled)",
        lambda b, s, i, st: b.webhook_event(_paid(st, i)),
        share=0.4,
    ),
    Route(
        "pay_saved_idem",
        "ProcessPaymentFunction",
        "process payment, saved card, Idempotency-Key",
        lambda b, s, i, st: h.saved_card_event(_student(st, i), 2, f"bench-{uuid.uuid4()}"),
        201,
        share=0.15,
    ),
    Route(
        "pay_new",
        "ProcessPaymentFunction",
        "process payment, new card, not saved",
        lambda b, s, i, st: h.new_card_event(b.new_user(s), 1),
        201,
        share=0.3,
    ),
    Route(
        "pay_new_save",
        "ProcessPaymentFunction",
        "process payment, new card, saved (has a Stripe customer)",
        lambda b, s, i, st: h.new_card_event(_student(st, i).user_id, 4, h.OTHER_CARD, save=True),
        201,
        share=0.15,
    ),
    Route(
        "pay_new_save_first",
        "ProcessPaymentFunction",
        "process payment, new card, saved, first-time student",
        lambda b, s, i, st: h.new_card_event(b.new_user(s), 1, save=True),
        201,
        share=0.1,
    ),
]


class Counters:
    def __init__(self, bench: h.Bench) -> None:
        from linguaflex import factory

        table = bench.stack.idempotency_table_name
        self.dynamo = {"ours": DynamoCalls(table), "ref": DynamoCalls(table)}
        self.dynamo["ours"].attach(factory.dynamodb_client())  # the idempotency layer is handed this client too
        import refcommon

        self.dynamo["ref"].attach(refcommon.db)
        self.bench = bench
        self._plain = bench.stack.dynamodb()

    def fetch(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self._plain.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None


def run(
    bench: h.Bench,
    counters: Counters,
    requests: int,
    warmup: int,
    log: Callable[[str], None],
    states: dict[str, dict[str, Any]],
    block: int = 10,
) -> dict[str, Any]:
    """Every route in turn; within a route, blocks of `block` requests alternate between the sides."""
    for side in h.SIDES:
        states.setdefault(side, {"students": []})
    results: dict[str, Any] = {}
    for route in ROUTES:
        count = max(10, int(requests * route.share))
        total = warmup + count
        samples: dict[str, list[dict[str, Any]]] = {side: [] for side in h.SIDES}
        for start in range(0, total, block):
            sides = h.SIDES if (start // block) % 2 == 0 else tuple(reversed(h.SIDES))
            for side in sides:
                for index in range(start, min(start + block, total)):
                    samples[side].append(_one(bench, counters, route, side, index, index == warmup, states[side]))
        results[route.name] = _summarize(route, samples, warmup)
        row = results[route.name]
        log(f"  {route.name:<20} ours p50 {row['ours']['p50_ms']:7.2f} ms   ref p50 {row['ref']['p50_ms']:7.2f} ms")
    return results


def _one(
    bench: h.Bench, counters: Counters, route: Route, side: str, index: int, capture: bool, state: dict[str, Any]
) -> dict[str, Any]:
    event = route.make(bench, side, index, state)
    handler = bench.handler(side, route.function)
    dynamo = counters.dynamo[side]
    emulator = bench.emulator
    main, idem, _ = dynamo.snapshot()
    stripe_before = emulator.request_count
    if capture:
        dynamo.capture, dynamo.captured, operations_before = True, [], len(dynamo.operations)
    context = h.Context(route.function)
    cpu = time.thread_time()
    started = time.perf_counter()
    response = handler(event, context)
    elapsed = (time.perf_counter() - started) * 1000
    sample: dict[str, Any] = {
        "ms": elapsed,
        "cpu_ms": (time.thread_time() - cpu) * 1000,
        "status": h.status_of(response),
        "dynamo": dynamo.main - main,
        "idempotency": dynamo.idempotency - idem,
        "stripe": emulator.request_count - stripe_before,
    }
    if route.name == "authorizer" and not (isinstance(response, dict) and response.get("isAuthorized")):
        sample["status"] = 403
    if sample["status"] != route.expected:
        sample["error"] = str(response)[:300]
    elif route.after is not None:
        route.after(state, index, response)
    if capture:
        dynamo.capture = False
        sample["dynamo_operations"] = dynamo.operations[operations_before:]
        sample["stripe_calls"] = [f"{m} {p}" for m, p in emulator.request_log[stripe_before:]]
        sample["units"] = request_units(dynamo.captured, counters.fetch)
        dynamo.captured = []
    return sample


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _summarize(route: Route, samples: dict[str, list[dict[str, Any]]], warmup: int) -> dict[str, Any]:
    row: dict[str, Any] = {"function": route.function, "description": route.description}
    for side, entries in samples.items():
        timed = entries[warmup:]
        ok = [e for e in timed if "error" not in e]
        errors = [e for e in entries if "error" in e]
        latencies = [e["ms"] for e in ok] or [float("nan")]
        captured = next((e for e in entries if "units" in e), {})
        row[side] = {
            "requests": len(timed),
            "errors": len(errors),
            "first_error": errors[0]["error"] if errors else None,
            "p50_ms": round(percentile(latencies, 0.5), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "mean_ms": round(statistics.fmean(latencies), 2),
            "cpu_p50_ms": round(percentile([e["cpu_ms"] for e in ok] or [float("nan")], 0.5), 2),
            "dynamo_calls": _mode([e["dynamo"] for e in ok]),
            "dynamo_calls_range": [
                min((e["dynamo"] for e in ok), default=0),
                max((e["dynamo"] for e in ok), default=0),
            ],
            "idempotency_calls": _mode([e["idempotency"] for e in ok]),
            "stripe_calls": _mode([e["stripe"] for e in ok]),
            "stripe_calls_range": [
                min((e["stripe"] for e in ok), default=0),
                max((e["stripe"] for e in ok), default=0),
            ],
            "dynamo_operations": captured.get("dynamo_operations"),
            "stripe_requests": captured.get("stripe_calls"),
            "request_units": captured.get("units"),
        }
    row["overhead_p50_ms"] = round(row["ours"]["p50_ms"] - row["ref"]["p50_ms"], 2)
    row["overhead_mean_ms"] = round(row["ours"]["mean_ms"] - row["ref"]["mean_ms"], 2)
    row["overhead_cpu_p50_ms"] = round(row["ours"]["cpu_p50_ms"] - row["ref"]["cpu_p50_ms"], 2)
    return row


def _mode(values: list[int]) -> int | None:
    return statistics.mode(values) if values else None


# -- what-if experiments on the warm path -------------------------------------------------------------


def load_variant(bench: h.Bench, function: str, variant: str) -> Any:
    """Ours, loaded fresh, with one thing changed (in this process only)."""
    module = bench.load_module("ours", function)
    if variant == "no_decorators":
        return lambda event, context: module.app.resolve(event, context)
    return module.lambda_handler


def service_only(function: str) -> Any:
    """The route's service call with the body validated by its pydantic model: no resolver, no decorators."""
    from linguaflex import factory
    from linguaflex.models.domain import Identity
    from linguaflex.models.requests import ProcessPaymentRequest

    def identity(event: dict[str, Any]) -> Any:
        claims = event["requestContext"]["authorizer"]["lambda"]
        return Identity(int(claims["user_id"]), claims["role"])

    if function == "ProcessPaymentFunction":
        return lambda event, context: factory.payment_service().process(
            identity(event), ProcessPaymentRequest.model_validate_json(event["body"])
        )
    return lambda event, context: factory.payment_method_service().list(identity(event))


def compare(
    function: str,
    variants: dict[str, tuple[Any, Callable[[int], dict[str, Any]]]],
    requests: int,
    warmup: int,
    block: int = 5,
) -> dict[str, Any]:
    """Interleaved blocks of each variant (handler, event maker); p50 of wall and of thread CPU per variant."""
    names = list(variants)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    total = warmup + requests
    for start in range(0, total, block):
        order = names if (start // block) % 2 == 0 else list(reversed(names))
        for name in order:
            handler, make = variants[name]
            for index in range(start, min(start + block, total)):
                event = make(index)
                began_cpu, began = time.thread_time(), time.perf_counter()
                handler(event, h.Context(function))
                if index >= warmup:
                    wall[name].append((time.perf_counter() - began) * 1000)
                    cpu[name].append((time.thread_time() - began_cpu) * 1000)
    return {
        name: {
            "wall_p50_ms": round(percentile(wall[name], 0.5), 3),
            "cpu_p50_ms": round(percentile(cpu[name], 0.5), 3),
            "requests": len(wall[name]),
        }
        for name in names
    }


def tracer_wrapper_cost(calls: int = 20_000) -> dict[str, float]:
    """The cost of one `@tracer.capture_method` wrapper with tracing disabled, per call (microseconds)."""
    from linguaflex.observability import tracer

    def plain(x: int) -> int:
        return x

    wrapped = tracer.capture_method(capture_response=False)(plain)
    timings = {}
    for name, fn in (("plain", plain), ("wrapped", wrapped)):
        began = time.perf_counter()
        for i in range(calls):
            fn(i)
        timings[name] = (time.perf_counter() - began) / calls * 1e6
    return {"per_call_us": round(timings["wrapped"] - timings["plain"], 2)}


# (file suffix, function) -> label: cumulative time per request under the profiler, and calls per request.
WARM_NAMED = {
    ("aws_lambda_powertools/logging/logger.py", "decorate"): "logger.inject_lambda_context (outermost: everything)",
    ("aws_lambda_powertools/event_handler/api_gateway.py", "resolve"): "app.resolve",
    ("aws_lambda_powertools/event_handler/api_gateway.py", "_call_route"): "resolver _call_route (middlewares+route)",
    (
        "aws_lambda_powertools/event_handler/middlewares/openapi_validation.py",
        "_request_body_to_args",
    ): "validation: request body (pydantic)",
    (
        "aws_lambda_powertools/event_handler/middlewares/openapi_validation.py",
        "_request_params_to_args",
    ): "validation: path/query params",
    (
        "aws_lambda_powertools/event_handler/middlewares/openapi_validation.py",
        "_serialize_response_with_validation",
    ): "validation: response serialization",
    (
        "aws_lambda_powertools/event_handler/middlewares/openapi_validation.py",
        "_prepare_response_content",
    ): "validation: response content preparation",
    ("aws_lambda_powertools/metrics/provider/cloudwatch_emf/cloudwatch.py", "flush_metrics"): "metrics flush (EMF)",
    ("aws_lambda_powertools/logging/formatter.py", "format"): "log record JSON formatting",
    ("linguaflex/observability.py", "format"): "RedactingFormatter.format (incl. JSON + regex)",
    ("linguaflex/observability.py", "redact"): "redact() regexes",
    ("aws_lambda_powertools/tracing/tracer.py", "decorate"): "tracer.capture_method / capture_lambda_handler wrappers",
    ("linguaflex/services/payments.py", "process"): "PaymentService.process (incl. backends)",
    ("linguaflex/factory.py", "run_idempotent"): "factory.run_idempotent",
    ("linguaflex/idempotency.py", "body_digest"): "idempotency body_digest (model_dump + HMAC)",
    ("botocore/client.py", "_make_api_call"): "botocore API calls (incl. waiting)",
    ("stripe/_http_client.py", "request_with_retries"): "Stripe HTTP calls (incl. waiting)",
    ("boto3/dynamodb/types.py", "serialize"): "boto3 TypeSerializer.serialize",
    ("boto3/dynamodb/types.py", "deserialize"): "boto3 TypeDeserializer.deserialize",
}


def profile_in_child(variant: Any, events: list[dict[str, Any]], env: dict[str, str], top: int = 15) -> dict[str, Any]:
    """Warm requests in a fresh process of their own (first event untimed), so that the profile holds only
    the handler's thread: the backends (moto, the emulator) run in this parent process."""
    import os
    import pstats
    import tempfile

    from bench.coldstart import run_child

    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        path = os.path.join(tmp, "warm.prof")
        outcome = run_child(
            variant, events[0], env, timeout=300, extra={"warm_events": events[1:], "warm_profile": path}
        )
        if "error" in outcome or "warm" not in outcome:
            return {"error": outcome.get("error", "no warm result")}
        stats = pstats.Stats(path)
    warm = outcome["warm"]
    profiled = warm["profiled"]
    per_group: dict[str, float] = {}
    rows = []
    for (filename, line, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        group = _group(filename, name)
        per_group[group] = per_group.get(group, 0.0) + tottime
        rows.append((tottime, f"{_short(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    named: dict[str, dict[str, float]] = {}
    for (filename, _, name), (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        path = filename.replace("\\", "/")
        for (fragment, function), label in WARM_NAMED.items():
            if name == function and path.endswith(fragment):
                entry = named.setdefault(label, {"cumulative_ms": 0.0, "calls": 0.0})
                entry["cumulative_ms"] = round(max(entry["cumulative_ms"], cumulative * 1000 / profiled), 3)
                entry["calls"] = round(entry["calls"] + calls / profiled, 2)
    return {
        "named_cumulative_per_request": named,
        "timed_requests": warm["timed"],
        "cpu_ms_p50": round(warm["cpu_ms_p50"], 3),
        "wall_ms_p50": round(warm["wall_ms_p50"], 3),
        "statuses": warm["statuses"],
        "profiled_requests": profiled,
        "self_ms_per_request_by_group": {
            group: round(seconds * 1000 / profiled, 3)
            for group, seconds in sorted(per_group.items(), key=lambda kv: -kv[1])
        },
        "top_self": [{"function": label, "ms_per_request": round(t * 1000 / profiled, 3)} for t, label in rows[:top]],
    }


_HTTP_CLIENT = {"requests", "urllib3", "charset_normalizer", "idna", "certifi"}
_STDLIB_GROUPS = {
    "socket": "HTTP client (stdlib socket/http/ssl/email)",
    "http": "HTTP client (stdlib socket/http/ssl/email)",
    "ssl": "HTTP client (stdlib socket/http/ssl/email)",
    "email": "HTTP client (stdlib socket/http/ssl/email)",
    "selectors": "HTTP client (stdlib socket/http/ssl/email)",
    "json": "json",
    "logging": "logging",
    "re": "re (regex)",
    "copy": "copy",
    "typing": "typing",
    "dataclasses": "dataclasses",
}


def _group(filename: str, function: str) -> str:
    path = filename.replace("\\", "/")
    if filename.startswith(("~", "<")):
        if any(word in function for word in ("recv", "send", "connect", "poll", "select", "getaddrinfo")):
            return "socket I/O (waiting on the backends)"
        if "re.Pattern" in function or "_sre" in function:
            return "re (regex)"
        if "json" in function or ("encode" in function and "str" not in function):
            return "json"
        return "builtins (other)"
    if "site-packages/" in path:
        package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return "HTTP client (requests/urllib3)" if package in _HTTP_CLIENT else package
    if "layers/common/linguaflex" in path or "/functions/" in path:
        return "linguaflex (our code)"
    if "bench/reference" in path:
        return "reference handler"
    module = path.rsplit("/lib/python3.13/", 1)[-1].split("/", 1)[0].removesuffix(".py")
    return _STDLIB_GROUPS.get(module, f"stdlib {module}")


def _short(filename: str) -> str:
    for marker in ("site-packages/", "layers/common/", "lib/python3.13/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
