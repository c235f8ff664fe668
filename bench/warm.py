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
    return state["students"][index]


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


def _authorizer(bench: h.Bench, side: str, index: int, state: dict[str, Any]) -> dict[str, Any]:
    if "token" not in state:
        state["token"] = bench.token(bench.new_user(side))
    return h.authorizer_event(state["token"])


ROUTES = [
    Route("authorizer", "AuthorizerFunction", "JWT authorizer (HS256)", _authorizer),
    Route("add_card", "AddPaymentMethodFunction", "add payment method, save_for_future, first card",
          _make_add, 201, after=_after_add),
    Route("list_cards", "ListPaymentMethodsFunction", "list saved cards",
          lambda b, s, i, st: h.methods_event(_student(st, i).user_id)),
    Route("pay_saved", "ProcessPaymentFunction", "process payment, saved card",
          lambda b, s, i, st: h.saved_card_event(_student(st, i), 1), 201, after=_after_pay),
    Route("pay_saved_idem", "ProcessPaymentFunction", "process payment, saved card, Idempotency-Key",
          lambda b, s, i, st: h.saved_card_event(_student(st, i), 2, f"bench-{uuid.uuid4()}"), 201),
    Route("pay_new", "ProcessPaymentFunction", "process payment, new card, not saved",
          lambda b, s, i, st: h.new_card_event(b.new_user(s), 1), 201),
    Route("pay_new_save", "ProcessPaymentFunction", "process payment, new card, saved (has a Stripe customer)",
          lambda b, s, i, st: h.new_card_event(_student(st, i).user_id, 4, h.OTHER_CARD, save=True), 201),
    Route("pay_new_save_first", "ProcessPaymentFunction", "process payment, new card, saved, first-time student",
          lambda b, s, i, st: h.new_card_event(b.new_user(s), 1, save=True), 201, share=0.25),
    Route("payment_status", "PaymentStatusFunction", "payment status",
          lambda b, s, i, st: h.payment_event(_student(st, i))),
    Route("webhook", "StripeWebhookFunction", "webhook payment_intent.succeeded (already settled)",
          lambda b, s, i, st: b.webhook_event(_student(st, i))),
    Route("bookings", "BookingsFunction", "list a student's bookings",
          lambda b, s, i, st: h.bookings_event(_student(st, i).user_id)),
    Route("refunds", "RefundsFunction", "list refund requests (admin)", lambda b, s, i, st: h.refunds_event()),
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


def run(bench: h.Bench, counters: Counters, requests: int, warmup: int, log: Callable[[str], None],
        block: int = 10) -> dict[str, Any]:
    states: dict[str, dict[str, Any]] = {side: {"students": []} for side in h.SIDES}
    results: dict[str, Any] = {}
    for route in ROUTES:
        count = max(20, int(requests * route.share))
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


def _one(bench: h.Bench, counters: Counters, route: Route, side: str, index: int, capture: bool,
         state: dict[str, Any]) -> dict[str, Any]:
    event = route.make(bench, side, index, state)
    handler = bench.handler(side, route.function)
    dynamo = counters.dynamo[side]
    emulator = bench.emulator
    main, idem, _ = dynamo.snapshot()
    stripe_before = emulator.request_count
    if capture:
        dynamo.capture, dynamo.captured, operations_before = True, [], len(dynamo.operations)
    context = h.Context(route.function)
    started = time.perf_counter()
    response = handler(event, context)
    elapsed = (time.perf_counter() - started) * 1000
    sample: dict[str, Any] = {
        "ms": elapsed,
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
            "dynamo_calls": _mode([e["dynamo"] for e in ok]),
            "dynamo_calls_range": [min((e["dynamo"] for e in ok), default=0), max((e["dynamo"] for e in ok), default=0)],
            "idempotency_calls": _mode([e["idempotency"] for e in ok]),
            "stripe_calls": _mode([e["stripe"] for e in ok]),
            "stripe_calls_range": [min((e["stripe"] for e in ok), default=0), max((e["stripe"] for e in ok), default=0)],
            "dynamo_operations": captured.get("dynamo_operations"),
            "stripe_requests": captured.get("stripe_calls"),
            "request_units": captured.get("units"),
        }
    row["overhead_p50_ms"] = round(row["ours"]["p50_ms"] - row["ref"]["p50_ms"], 2)
    row["overhead_mean_ms"] = round(row["ours"]["mean_ms"] - row["ref"]["mean_ms"], 2)
    return row


def _mode(values: list[int]) -> int | None:
    return statistics.mode(values) if values else None


# -- what-if experiments on the warm path -------------------------------------------------------------


def load_variant(bench: h.Bench, function: str, variant: str) -> Any:
    """Ours, loaded fresh, with one thing changed (in this process only)."""
    import sys

    import linguaflex.http as http

    if variant == "no_validation":
        original = http.APIGatewayHttpResolver

        def resolver(**kwargs: Any) -> Any:
            kwargs["enable_validation"] = False
            return original(**kwargs)

        http.APIGatewayHttpResolver = resolver  # type: ignore[assignment,misc]
        try:
            return bench.load("ours", function)
        finally:
            http.APIGatewayHttpResolver = original  # type: ignore[misc]
    handler = bench.load("ours", function)
    if variant == "no_decorators":
        module = sys.modules[handler.__module__]
        return lambda event, context: module.app.resolve(event, context)
    return handler


def compare(bench: h.Bench, function: str, make: Callable[[int], dict[str, Any]], variants: dict[str, Any],
            requests: int, warmup: int, block: int = 10) -> dict[str, Any]:
    """Interleaved blocks of each handler on the same kind of request; p50 and mean per handler."""
    names = list(variants)
    timings: dict[str, list[float]] = {name: [] for name in names}
    total = warmup + requests
    for start in range(0, total, block):
        order = names if (start // block) % 2 == 0 else list(reversed(names))
        for name in order:
            for index in range(start, min(start + block, total)):
                event = make(index)
                began = time.perf_counter()
                variants[name](event, h.Context(function))
                if index >= warmup:
                    timings[name].append((time.perf_counter() - began) * 1000)
    return {name: {"p50_ms": round(percentile(t, 0.5), 3), "mean_ms": round(statistics.fmean(t), 3)}
            for name, t in timings.items()}


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


def profile_route(bench: h.Bench, side: str, function: str, make: Callable[[int], dict[str, Any]],
                  requests: int, top: int = 14) -> dict[str, Any]:
    """cProfile over `requests` warm requests: self time per package (ms per request) and the top functions."""
    import cProfile
    import pstats

    handler = bench.handler(side, function)
    events = [make(i) for i in range(requests)]
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for event in events:
        handler(event, h.Context(function))
    profiler.disable()
    wall = (time.perf_counter() - began) * 1000 / requests
    stats = pstats.Stats(profiler)
    per_group: dict[str, float] = {}
    rows = []
    for (filename, line, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        group = _group(filename, name)
        per_group[group] = per_group.get(group, 0.0) + tottime
        rows.append((tottime, f"{_short(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    return {
        "requests": requests,
        "wall_ms_per_request_under_profiler": round(wall, 2),
        "self_ms_per_request_by_group": {
            group: round(seconds * 1000 / requests, 3)
            for group, seconds in sorted(per_group.items(), key=lambda kv: -kv[1])
        },
        "top_self": [{"function": label, "ms_per_request": round(t * 1000 / requests, 3)} for t, label in rows[:top]],
    }


def _group(filename: str, function: str) -> str:
    path = filename.replace("\\", "/")
    if filename.startswith("~") or filename.startswith("<"):
        if any(word in function for word in ("recv", "send", "connect", "select", "poll", "acquire", "sendall")):
            return "waiting on sockets/locks (backends answer)"
        return "builtins"
    if "site-packages/" in path:
        package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return package
    if "layers/common/linguaflex" in path or "/functions/" in path:
        return "linguaflex (our code)"
    if "bench/reference" in path:
        return "reference handler"
    if "/local/" in path:
        return "local stack"
    module = path.rsplit("/lib/python3.13/", 1)[-1].split("/", 1)[0]
    return f"stdlib {module.removesuffix('.py')}"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "layers/common/", "lib/python3.13/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
