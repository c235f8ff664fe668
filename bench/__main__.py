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


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed cold starts per function and side")
    parser.add_argument("--experiment-runs", type=int, default=3, help="timed cold starts per what-if variant")
    parser.add_argument("--requests", type=int, default=200, help="timed warm requests per route and side")
    parser.add_argument("--warmup", type=int, default=20, help="untimed warm requests per route and side first")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--load-requests", type=int, default=2000)
    parser.add_argument("--skip", default="", help=f"comma-separated sections to skip: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 cold runs, 30 warm requests, 5 s load")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.experiment_runs, args.requests, args.warmup = 2, 1, 30, 5
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


def cold_variants(nopyc: Path | None) -> list[coldstart.Variant]:
    V = coldstart.Variant
    variants = [V("ours", fn, "ours") for fn in FUNCTIONS] + [V("reference", fn, "ref") for fn in FUNCTIONS]
    experiments = [
        V("no X-Ray SDK (stub provider)", "ProcessPaymentFunction", "ours", ("stub_xray",)),
        V("X-Ray without sampler clients", "ProcessPaymentFunction", "ours", ("xray_no_sampler_clients",)),
        V("X-Ray without sampler clients", "AuthorizerFunction", "ours", ("xray_no_sampler_clients",)),
        V("lazy Stripe gateway", "ListPaymentMethodsFunction", "ours", ("lazy_gateway",)),
        V("no enable_validation", "ListPaymentMethodsFunction", "ours", ("no_validation",)),
        V("lazy gateway + X-Ray without sampler clients", "ListPaymentMethodsFunction", "ours",
          ("lazy_gateway", "xray_no_sampler_clients")),
        V("lazy Stripe gateway", "PaymentStatusFunction", "ours", ("lazy_gateway",)),
    ]
    if nopyc is not None:
        experiments.append(
            V("as deployed: layer without .pyc", "ProcessPaymentFunction", "ours", (), nopyc,
              {"PYTHONDONTWRITEBYTECODE": "1"})
        )
        experiments.append(
            V("as deployed: layer without .pyc", "ListPaymentMethodsFunction", "ours", (), nopyc,
              {"PYTHONDONTWRITEBYTECODE": "1"})
        )
    return variants + experiments


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
    variants = cold_variants(nopyc) if "experiments" not in args.skip else cold_variants(None)[: 2 * len(FUNCTIONS)]
    env = bench.child_environment()
    log(f"cold: {len(variants)} variants, 1 importtime round + {args.runs} timed rounds...")
    events = ColdEvents(bench)
    summary = coldstart.run_rounds(variants, events, env, args.runs, args.experiment_runs, log)
    results["cold"] = summary
    results["interpreter_baseline_rss_mb"] = coldstart.interpreter_baseline(env)
    if "profile" not in args.skip:
        log("cold: cProfile of import + first invoke...")
        results["cold_profile"] = {}
        for fn in ("ProcessPaymentFunction", "ListPaymentMethodsFunction", "AuthorizerFunction"):
            variant = coldstart.Variant("ours", fn, "ours")
            results["cold_profile"][fn] = coldstart.profile_cold(variant, events(variant, 0), env)


# -- warm ------------------------------------------------------------------------------------------------


def run_warm(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from bench.counting import load_gsi_projections

    load_gsi_projections()
    counters = warm.Counters(bench)
    log(f"warm: {len(warm.ROUTES)} routes x ({args.warmup} warmup + {args.requests}) requests per side, interleaved")
    results["warm"] = warm.run(bench, counters, args.requests, args.warmup, log)


def run_warm_experiments(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    log("warm experiments: enable_validation, handler decorators, tracer wrappers...")
    student = bench.students_with_cards("ours", 1)[0]
    fn = "ListPaymentMethodsFunction"
    variants = {
        "baseline": warm.load_variant(bench, fn, "baseline"),
        "no_validation": warm.load_variant(bench, fn, "no_validation"),
        "no_decorators": warm.load_variant(bench, fn, "no_decorators"),
    }
    results["warm_experiments"] = {
        "list_cards": warm.compare(bench, fn, lambda i: harness.methods_event(student.user_id), variants,
                                   args.requests, args.warmup),
        "tracer_capture_method_disabled": warm.tracer_wrapper_cost(),
    }


def run_warm_profile(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    count = max(20, args.requests // 2)
    log(f"warm: cProfile over {count} saved-card payments per side...")
    profiles = {}
    for side in harness.SIDES:
        students = bench.students_with_cards(side, count)
        profiles[side] = warm.profile_route(
            bench, side, "ProcessPaymentFunction", lambda i, s=students: harness.saved_card_event(s[i], 5), count
        )
    results["warm_profile_pay_saved"] = profiles


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
    results: dict[str, Any] = {"machine": machine(), "settings": {k: (sorted(v) if isinstance(v, set) else v)
                                                                  for k, v in vars(args).items() if k != "output"}}
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
        if "warm" not in args.skip:
            run_warm(bench, args, results)
            if "experiments" not in args.skip:
                run_warm_experiments(bench, args, results)
            if "profile" not in args.skip:
                run_warm_profile(bench, args, results)
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
