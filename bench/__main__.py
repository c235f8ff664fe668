"""`make bench`: cold starts, warm latency, call counts, memory, layer size, throughput and cost on this machine,
each against a plain boto3 + stripe reference measured in the same run. Writes bench/results/latest.json.

python -m bench [--runs 5] [--requests 200] [--quick] [--skip load,layer,...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench import coldstart, cost, harness, report, warm
from bench.harness import FUNCTIONS, Bench

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("cold", "warm", "experiments", "profile", "load", "layer")


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:5.0f}s] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed cold starts per function and side")
    parser.add_argument("--experiment-pairs", type=int, default=3, help="back-to-back (what-if, baseline) cold starts")
    parser.add_argument("--requests", type=int, default=200, help="timed warm requests per route and side")
    parser.add_argument("--warmup", type=int, default=10, help="untimed warm requests per route and side first")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=12.0)
    parser.add_argument("--load-requests", type=int, default=2000)
    parser.add_argument(
        "--tracing-pairs",
        type=int,
        default=0,
        help="extra: alternate warm children with tracing off/on this many times (saved-card payments)",
    )
    parser.add_argument("--skip", default="", help=f"comma-separated sections to skip: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 cold runs, 30 warm requests, 5 s load")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.experiment_pairs, args.requests, args.warmup = 2, 1, 30, 5
        args.load_seconds, args.load_requests = 5.0, 300
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    return args


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": load,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


# -- cold starts -----------------------------------------------------------------------------------------


def cold_variants(nopyc: Path | None, experiments: bool) -> list[coldstart.Variant]:
    V = coldstart.Variant
    variants = [V("ours", fn, "ours") for fn in FUNCTIONS] + [V("reference", fn, "ref") for fn in FUNCTIONS]
    if not experiments:
        return variants
    tracing = coldstart.TRACING_ON
    variants += [
        V("as deployed: tracing on (X-Ray patches)", "ProcessPaymentFunction", "ours", (), None, dict(tracing)),
        V("as deployed: tracing on (X-Ray patches)", "AuthorizerFunction", "ours", (), None, dict(tracing)),
        V("no X-Ray SDK (no-op tracer provider)", "ProcessPaymentFunction", "ours", ("stub_xray",)),
    ]
    if nopyc is not None:
        variants.append(
            V(
                "as deployed: layer without .pyc",
                "ProcessPaymentFunction",
                "ours",
                (),
                nopyc,
                {"PYTHONDONTWRITEBYTECODE": "1"},
            )
        )
    return variants


class ColdEvents:
    """First events for cold starts; every payment gets a student of its own (no duplicate guard hit)."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.shared: dict[str, harness.Student] = {}

    def _shared(self, side: str) -> harness.Student:
        if side not in self.shared:
            student = self.bench.students_with_cards(side, 1)[0]
            self.bench.pay(side, student, 2)
            self.shared[side] = student
        return self.shared[side]

    def __call__(self, variant: coldstart.Variant, round_number: int) -> dict[str, Any]:
        side, fn, bench = variant.side, variant.function, self.bench
        if fn == "ProcessPaymentFunction":
            return harness.saved_card_event(bench.students_with_cards(side, 1)[0], 1)
        if fn == "AddPaymentMethodFunction":
            return harness.add_card_event(bench.new_user(side))
        if fn == "ListPaymentMethodsFunction":
            return harness.methods_event(self._shared(side).user_id)
        if fn == "PaymentStatusFunction":
            return harness.payment_event(self._shared(side))
        if fn == "StripeWebhookFunction":
            return bench.webhook_event(self._shared(side))
        if fn == "BookingsFunction":
            return harness.bookings_event(self._shared(side).user_id)
        if fn == "RefundsFunction":
            return harness.refunds_event()
        if fn == "ReconcileFunction":
            return harness.schedule_event()
        if fn == "AuthorizerFunction":
            return harness.authorizer_event(bench.token(self._shared(side).user_id))
        raise KeyError(fn)


def run_cold(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    nopyc = None
    if "experiments" not in args.skip:
        log("cold: preparing a copy of the layer without .pyc (first run only)...")
        nopyc = coldstart.build_nopyc_layer()
    coldstart.precompile_sources()
    variants = cold_variants(nopyc, "experiments" not in args.skip)
    env = bench.child_environment()
    log(f"cold: 1 importtime round + {args.runs} timed rounds of ours and the reference, then what-if pairs...")
    events = ColdEvents(bench)
    summary = coldstart.run_rounds(variants, events, env, args.runs, args.experiment_pairs, log)
    results["cold"] = summary
    results["interpreter_baseline_rss_mb"] = coldstart.interpreter_baseline(env)
    if "profile" not in args.skip:
        log("cold: cProfile of import + first invoke...")
        results["cold_profile"] = {}
        for fn in ("ProcessPaymentFunction", "ListPaymentMethodsFunction", "AuthorizerFunction"):
            variant = coldstart.Variant("ours", fn, "ours")
            results["cold_profile"][fn] = coldstart.profile_cold(variant, events(variant, 0), env)


# -- warm ------------------------------------------------------------------------------------------------


def run_warm(bench: Bench, args: argparse.Namespace, results: dict[str, Any], states: dict[str, Any]) -> None:
    from bench.counting import load_gsi_projections

    load_gsi_projections()
    counters = warm.Counters(bench)
    log(f"warm: {len(warm.ROUTES)} routes, up to {args.warmup} warmup + {args.requests} requests per side, interleaved")
    results["warm"] = warm.run(bench, counters, args.requests, args.warmup, log, states)


def run_warm_experiments(
    bench: Bench, args: argparse.Namespace, results: dict[str, Any], states: dict[str, Any]
) -> None:
    """Peel the layers off a warm request, in-process: full handler, without the Powertools decorators,
    without the resolver (service call only), and the reference; CPU is the handler thread's."""
    log("warm experiments: layer-by-layer cost of a request...")
    ours, ref = states["ours"]["students"], states["ref"]["students"]
    pay = "ProcessPaymentFunction"
    module = bench.module("ours", pay)
    full = module.lambda_handler
    count = min(len(ours), len(ref), args.requests // 6 + args.warmup // 2) - args.warmup // 2
    payments = {
        "full handler": (full, lambda i: harness.saved_card_event(ours[i], 7)),
        "without decorators (app.resolve)": (
            lambda e, c: module.app.resolve(e, c),
            lambda i: harness.saved_card_event(ours[i], 8),
        ),
        "service only (pydantic body, no resolver)": (
            warm.service_only(pay),
            lambda i: harness.saved_card_event(ours[i], 9),
        ),
        "reference": (bench.handler("ref", pay), lambda i: harness.saved_card_event(ref[i], 7)),
    }
    lst = "ListPaymentMethodsFunction"
    listing = {
        "full handler": (bench.handler("ours", lst), lambda i: harness.methods_event(ours[i % len(ours)].user_id)),
        "without decorators (app.resolve)": (
            warm.load_variant(bench, lst, "no_decorators"),
            lambda i: harness.methods_event(ours[i % len(ours)].user_id),
        ),
        "service only (no resolver)": (
            warm.service_only(lst),
            lambda i: harness.methods_event(ours[i % len(ours)].user_id),
        ),
        "reference": (bench.handler("ref", lst), lambda i: harness.methods_event(ref[i % len(ref)].user_id)),
    }
    results["warm_experiments"] = {
        "pay_saved": warm.compare(pay, payments, max(10, count), args.warmup // 2),
        "list_cards": warm.compare(lst, listing, max(10, args.requests * 2 // 5), args.warmup // 2),
        "tracer_capture_method_disabled": warm.tracer_wrapper_cost(),
    }


def run_warm_profile(bench: Bench, args: argparse.Namespace, results: dict[str, Any], states: dict[str, Any]) -> None:
    """Warm requests served by a process of their own (so the profile is the handler's thread alone)."""
    count = max(11, min(31, args.requests // 6 + 1))
    log(f"warm: profiling {count - 1} warm requests per side and route in child processes...")
    env = bench.child_environment()
    profiles: dict[str, Any] = {}
    for route, fn, make in (
        ("pay_saved", "ProcessPaymentFunction", lambda s: harness.saved_card_event(s, 5)),
        ("list_cards", "ListPaymentMethodsFunction", lambda s: harness.methods_event(s.user_id)),
    ):
        profiles[route] = {}
        for side in harness.SIDES:
            students = states[side]["students"]
            events = [make(students[i % len(students)]) for i in range(count)]
            variant = coldstart.Variant("ours" if side == "ours" else "reference", fn, side)
            profiles[route][side] = warm.profile_in_child(variant, events, env)
    students = states["ours"]["students"]
    events = [harness.saved_card_event(students[i % len(students)], 10) for i in range(count)]
    variant = coldstart.Variant(
        "ours, tracing on", "ProcessPaymentFunction", "ours", (), None, dict(coldstart.TRACING_ON)
    )
    profiles["pay_saved"]["ours_tracing_on"] = warm.profile_in_child(variant, events, env)
    events = [harness.saved_card_event(students[i % len(students)], 11) for i in range(count)]
    variant = coldstart.Variant(
        "ours, tracing on, botocore only",
        "ProcessPaymentFunction",
        "ours",
        ("tracer_botocore_only",),
        None,
        dict(coldstart.TRACING_ON),
    )
    profiles["pay_saved"]["ours_tracing_botocore_only"] = warm.profile_in_child(variant, events, env)
    results["warm_profile"] = profiles


def run_tracing_pairs(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Warm saved-card payments in child processes, tracing off and on (as deployed) alternately: the
    per-request cost of the X-Ray SDK, as the median of paired differences of the children's CPU p50."""
    env = bench.child_environment()
    count = 31
    log(f"tracing: {args.tracing_pairs} pairs of warm children ({count - 1} payments each)...")
    off = coldstart.Variant("ours", "ProcessPaymentFunction", "ours")
    on = coldstart.Variant("ours, tracing on", "ProcessPaymentFunction", "ours", (), None, dict(coldstart.TRACING_ON))
    pairs = []
    for number in range(args.tracing_pairs):
        outcome = {}
        for variant in (off, on) if number % 2 == 0 else (on, off):
            students = bench.students_with_cards("ours", count)
            events = [harness.saved_card_event(s, 12) for s in students]
            outcome[variant.name] = warm.profile_in_child(variant, events, env)
        pairs.append({name: o.get("cpu_ms_p50") for name, o in outcome.items()})
    deltas = [p[on.name] - p[off.name] for p in pairs if p.get(on.name) and p.get(off.name)]
    results["tracing_pairs"] = {
        "pairs": pairs,
        "median_cpu_delta_ms": round(sorted(deltas)[len(deltas) // 2], 3) if deltas else None,
    }


def run_load(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from bench import load

    log(f"load: {args.threads} threads, up to {args.load_seconds:.0f} s or {args.load_requests} requests over HTTP...")
    students = bench.students_with_cards("ours", 16)
    for student in students:
        bench.pay("ours", student, 6)
    results["load"] = load.run(bench, students, args.threads, args.load_seconds, args.load_requests)


def run_layer(results: dict[str, Any]) -> None:
    from bench import layer

    log("layer: size of the built CommonLayer...")
    built, how = layer.build(log)
    results["layer"] = {"source": how, **(layer.measure(built) if built else {"error": how})}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items() if k != "output"},
    }
    if "layer" not in args.skip:
        run_layer(results)
    bench = Bench()
    log("starting the local stack (moto DynamoDB, Stripe emulator, local HTTP API)...")
    # The handlers log and publish metrics on stdout, as in Lambda: keep paying for it, but not reading it.
    sys.stdout.flush()
    saved_stdout = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    bench.start()
    try:
        states: dict[str, Any] = {}
        if "warm" not in args.skip:
            run_warm(bench, args, results, states)
            if "experiments" not in args.skip:
                run_warm_experiments(bench, args, results, states)
            if "profile" not in args.skip:
                run_warm_profile(bench, args, results, states)
        if args.tracing_pairs:
            run_tracing_pairs(bench, args, results)
        if "cold" not in args.skip:
            run_cold(bench, args, results)
        if "load" not in args.skip:
            run_load(bench, args, results)
    finally:
        bench.stop()
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)
        os.close(devnull)
    if "warm" in results:
        results["cost"] = cost.estimate(results["warm"])
    results["targets"] = report.targets(results)
    results["duration_seconds"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str))
    print(report.render(results))
    log(f"wrote {args.output} in {results['duration_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
