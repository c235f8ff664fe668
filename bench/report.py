"""Targets (PASS/FAIL) and the printed report: Markdown tables, so BENCHMARKS.md can carry them as printed."""

from __future__ import annotations

from typing import Any

from bench.harness import FUNCTIONS

COLD_RATIO = 1.25
WARM_OVERHEAD_MS = 1.5
PAYMENT_ROUTES = ("pay_saved", "pay_saved_idem", "pay_new", "pay_new_save", "pay_new_save_first")
NEW_CARD_ROUTES = ("pay_new", "pay_new_save", "pay_new_save_first")


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, value: str, passed: bool) -> None:
        found.append({"target": name, "measured": value, "pass": passed})

    cold = results.get("cold", {})
    for fn in FUNCTIONS:
        ours, ref = cold.get(f"{fn}:ours", {}), cold.get(f"{fn}:reference", {})
        if ours.get("total_ms") and ref.get("total_ms"):
            ratio = ours["total_ms"] / ref["total_ms"]
            add(f"cold start {fn} <= {COLD_RATIO}x reference", f"{ratio:.2f}x", ratio <= COLD_RATIO)
    warm = results.get("warm", {})
    for name, row in warm.items():
        # Judged on the handler thread's CPU: the wall-clock difference is dominated by the shared backends'
        # jitter (moto and the emulator run in this process, on the same 2 cores); it is shown beside.
        add(
            f"warm overhead {name} <= {WARM_OVERHEAD_MS} ms (CPU p50; wall p50 in brackets)",
            f"{row['overhead_cpu_p50_ms']:+.2f} ms ({row['overhead_p50_ms']:+.2f} ms)",
            row["overhead_cpu_p50_ms"] <= WARM_OVERHEAD_MS,
        )
    if "pay_saved" in warm:
        calls = warm["pay_saved"]["ours"]["stripe_calls"]
        add("saved-card payment: exactly 1 Stripe call", str(calls), calls == 1)
    for name in NEW_CARD_ROUTES:
        if name in warm:
            calls = warm[name]["ours"]["stripe_calls"]
            add(f"{name}: at most 2 Stripe calls", str(calls), calls is not None and calls <= 2)
    for name in PAYMENT_ROUTES:
        if name in warm:
            calls = warm[name]["ours"]["dynamo_calls"]
            add(f"{name}: at most 4 DynamoDB calls (idempotency apart)", str(calls), calls is not None and calls <= 4)
    return found


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    m = results["machine"]
    out.append(f"## LinguaFlex bench — {m['date_utc']} UTC")
    out.append(
        f"{m['nproc']} CPUs, {m['cpu_model']}, Python {m['python']}, load average at start {m['load_average_at_start']}"
    )
    out += _cold(results)
    out += _warm(results)
    out += _experiments(results)
    out += _memory(results)
    out += _layer(results)
    out += _load(results)
    out += _cost(results)
    out += _targets(results)
    return "\n\n".join(part for part in out if part)


def _cold(results: dict[str, Any]) -> list[str]:
    cold = results.get("cold")
    if not cold:
        return []
    rows = []
    for fn in FUNCTIONS:
        ours, ref = cold.get(f"{fn}:ours", {}), cold.get(f"{fn}:reference", {})
        if not ours.get("runs"):
            rows.append([fn, "error", ours.get("errors"), "", "", "", "", "", "", "", ""])
            continue
        ratio = ours["total_ms"] / ref["total_ms"] if ref.get("total_ms") else None
        cpu_ratio = ours["cpu_ms"] / ref["cpu_ms"] if ref.get("cpu_ms") else None
        rows.append(
            [
                fn,
                ours["import_ms"],
                ours["first_invoke_ms"],
                ours["total_ms"],
                ref.get("import_ms"),
                ref.get("first_invoke_ms"),
                ref.get("total_ms"),
                f"{ratio:.2f}x" if ratio else "-",
                f"{ours['cpu_ms']} / {ref.get('cpu_ms')}",
                f"{cpu_ratio:.2f}x" if cpu_ratio else "-",
                f"{ours['maxrss_mb']} / {ref.get('maxrss_mb')}",
            ]
        )
    parts = [f"### Cold start (median of {next(iter(cold.values()))['runs']} fresh processes; ms)"]
    parts.append(
        table(
            [
                "function",
                "import",
                "1st invoke",
                "total",
                "ref import",
                "ref 1st",
                "ref total",
                "ratio",
                "CPU ms ours / ref",
                "CPU ratio",
                "peak RSS MB ours / ref",
            ],
            rows,
        )
    )
    parts.append(f"Interpreter alone: {results.get('interpreter_baseline_rss_mb')} MB RSS.")
    top = cold.get("ProcessPaymentFunction:ours", {}).get("importtime")
    if top:
        parts.append("Top imports of ProcessPaymentFunction (-X importtime, cumulative, package boundaries):")
        parts.append(
            table(
                ["module", "imported by", "ms"], [[r["module"], r["imported_by"], r["ms"]] for r in top["cumulative"]]
            )
        )
        parts.append(table(["package", "self ms"], [[r["package"], r["ms"]] for r in top["self_by_package"]]))
    return parts


def _warm(results: dict[str, Any]) -> list[str]:
    warm = results.get("warm")
    if not warm:
        return []
    rows = []
    for name, row in warm.items():
        o, r = row["ours"], row["ref"]
        units = o.get("request_units") or {}
        rows.append(
            [
                name,
                o["p50_ms"],
                o["p99_ms"],
                r["p50_ms"],
                r["p99_ms"],
                f"{row['overhead_p50_ms']:+.2f}",
                f"{o['cpu_p50_ms']:.2f} / {r['cpu_p50_ms']:.2f}",
                f"{row['overhead_cpu_p50_ms']:+.2f}",
                f"{o['dynamo_calls']} / {r['dynamo_calls']}",
                o["idempotency_calls"] or 0,
                f"{o['stripe_calls']} / {r['stripe_calls']}",
                f"{units.get('rru', 0):g} / {units.get('wru', 0):g}",
                o["errors"] + r["errors"],
            ]
        )
    counts = sorted({row["ours"]["requests"] for row in warm.values()})
    return [
        f"### Warm latency and calls per request (in-process, {counts[0]}-{counts[-1]} timed requests per route and "
        "side; CPU = the handler thread's CPU time)",
        table(
            [
                "route",
                "p50",
                "p99",
                "ref p50",
                "ref p99",
                "overhead p50",
                "CPU p50 ours/ref",
                "CPU overhead",
                "DynamoDB ours/ref",
                "idempotency",
                "Stripe ours/ref",
                "RRU / WRU",
                "errors",
            ],
            rows,
        ),
    ]


def _experiments(results: dict[str, Any]) -> list[str]:
    cold = results.get("cold", {})
    parts = []
    rows = []
    for entry in cold.values():
        paired = entry.get("paired")
        if entry["side"] != "ours" or not paired:
            continue
        rows.append(
            [
                entry["function"],
                entry["variant"],
                paired["pairs"],
                paired["baseline_total_ms"],
                f"{paired['import_ms']:+.1f}",
                f"{paired['first_invoke_ms']:+.1f}",
                f"{paired['total_ms']:+.1f}",
                f"{paired['cpu_ms']:+.1f}",
                f"{paired['min_total_ms']:+.1f}",
                f"{paired['maxrss_mb']:+.1f}",
            ]
        )
    failed = [f"{e['function']} / {e['variant']}: {e['errors'][0]}" for e in cold.values() if e.get("errors")]
    if failed:
        parts.append("Cold-start runs that failed: " + "; ".join(failed))
    if rows:
        parts.append(
            "### What-if cold starts (ours with one thing changed, each run back to back with a baseline run; "
            "median of the paired differences; ms)"
        )
        parts.append(
            table(
                [
                    "function",
                    "variant",
                    "pairs",
                    "baseline total",
                    "import",
                    "1st invoke",
                    "total",
                    "CPU",
                    "fastest vs fastest",
                    "RSS MB",
                ],
                rows,
            )
        )
    exp = results.get("warm_experiments")
    if exp:
        for route in ("pay_saved", "list_cards"):
            rows = [[name, v["wall_p50_ms"], v["cpu_p50_ms"], v["requests"]] for name, v in exp[route].items()]
            parts.append(f"### Layer by layer, warm `{route}` (in-process, interleaved; p50 ms)")
            parts.append(table(["variant", "wall", "handler thread CPU", "requests"], rows))
        parts.append(
            f"`@tracer.capture_method` with tracing disabled: {exp['tracer_capture_method_disabled']['per_call_us']} "
            "µs per call (the repository and gateway methods carry it)."
        )
    profile = results.get("warm_profile")
    for route, sides in (profile or {}).items():
        ours, ref = sides.get("ours", {}), sides.get("ref", {})
        traced, botocore_only = sides.get("ours_tracing_on"), sides.get("ours_tracing_botocore_only")
        if traced and "error" not in traced:
            only = botocore_only.get("cpu_ms_p50") if botocore_only else None
            parts.append(
                f"Warm `{route}` in its own process, thread CPU p50: ours {ours.get('cpu_ms_p50')} ms; with tracing "
                f"on as deployed {traced['cpu_ms_p50']} ms; tracing on but only botocore patched {only} ms; "
                f"reference {ref.get('cpu_ms_p50')} ms."
            )
        if "error" in ours or "error" in ref:
            parts.append(f"Warm profile of {route} failed: {ours.get('error') or ref.get('error')}")
            continue
        o, r = ours["self_ms_per_request_by_group"], ref["self_ms_per_request_by_group"]
        groups = sorted(set(o) | set(r), key=lambda g: -(o.get(g, 0) + r.get(g, 0)))[:12]
        parts.append(
            f"### Where a warm `{route}` spends its time (own process, cProfile self time, ms per request; "
            f"unprofiled thread CPU p50 ours {ours['cpu_ms_p50']:.2f} ms vs reference {ref['cpu_ms_p50']:.2f} ms)"
        )
        parts.append(table(["group", "ours", "reference"], [[g, o.get(g, 0.0), r.get(g, 0.0)] for g in groups]))
        named = ours.get("named_cumulative_per_request") or {}
        traced_named = (traced or {}).get("named_cumulative_per_request") or {}
        if named:
            rows = [
                [label, v["cumulative_ms"], v["calls"], traced_named.get(label, {}).get("cumulative_ms")]
                for label, v in sorted(named.items(), key=lambda kv: -kv[1]["cumulative_ms"])
            ]
            parts.append(f"Inclusive costs inside ours, `{route}` (cProfile cumulative ms per request; profiler on):")
            parts.append(table(["function", "ms", "calls", "ms with tracing on"], rows))
    tracing = results.get("tracing_pairs")
    if tracing:
        parts.append(
            f"Tracing off/on, {len(tracing['pairs'])} pairs of warm children: median CPU p50 difference per "
            f"saved-card payment {tracing['median_cpu_delta_ms']} ms (pairs: {tracing['pairs']})."
        )
    cold_profile = results.get("cold_profile")
    if cold_profile:
        rows = []
        for fn, entry in cold_profile.items():
            for label, ms in sorted(entry.get("named", {}).items(), key=lambda kv: -kv[1]):
                rows.append([fn, label, ms])
        parts.append("### Named cold-start costs (cProfile over import + first invoke, cumulative ms, profiler on)")
        parts.append(table(["function", "cost", "ms"], rows))
    return parts


MAIN_ROUTE = {
    "ProcessPaymentFunction": "pay_saved",
    "AddPaymentMethodFunction": "add_card",
    "ListPaymentMethodsFunction": "list_cards",
    "PaymentStatusFunction": "payment_status",
    "StripeWebhookFunction": "webhook",
    "BookingsFunction": "bookings",
    "RefundsFunction": "refunds",
    "AuthorizerFunction": "authorizer",
}


def _memory(results: dict[str, Any]) -> list[str]:
    cold, warm = results.get("cold", {}), results.get("warm", {})
    rows = []
    for fn in FUNCTIONS:
        ours = cold.get(f"{fn}:ours", {})
        if not ours.get("runs"):
            continue
        route = warm.get(MAIN_ROUTE.get(fn, ""), {})
        rows.append(
            [
                fn,
                ours["maxrss_mb"],
                cold.get(f"{fn}:reference", {}).get("maxrss_mb"),
                ours["cpu_ms"],
                route.get("ours", {}).get("cpu_p50_ms"),
                route.get("ours", {}).get("p50_ms"),
            ]
        )
    if not rows:
        return []
    return [
        "### Memory and CPU per function (peak RSS of the cold-start process; warm = its main route)",
        table(["function", "peak RSS MB", "ref MB", "cold CPU ms", "warm CPU p50 ms", "warm wall p50 ms"], rows),
    ]


def _layer(results: dict[str, Any]) -> list[str]:
    layer = results.get("layer")
    if not layer:
        return []
    if "error" in layer:
        return ["### Layer", f"Not measured: {layer['error']}"]
    biggest = ", ".join(f"{k} {v}" for k, v in layer["biggest_packages_mb"].items())
    return [
        "### Layer (sam build, arm64)",
        f"{layer['zipped_mb']} MB zipped, {layer['unzipped_mb']} MB unzipped (limit {layer['limit_unzipped_mb']} MB "
        f"with the function), {layer['files']} files, {layer['py_files']} .py and {layer['pyc_files']} .pyc; "
        f"biggest (MB): {biggest}; botocore inside: {layer['has_botocore']}. Source: {layer['source']}.",
    ]


def _load(results: dict[str, Any]) -> list[str]:
    load = results.get("load")
    if not load:
        return []
    rows = [[kind, v["requests"], v["errors"], v["p50_ms"], v["p99_ms"]] for kind, v in load["per_kind"].items()]
    return [
        f"### Throughput over HTTP ({load['threads']} threads, {load['seconds']} s)",
        f"{load['requests']} requests, {load['requests_per_second']} requests/s, error rate {load['error_rate']:.2%}, "
        f"statuses {load['statuses']}",
        table(["request", "count", "errors", "p50 ms", "p99 ms"], rows),
    ]


def _cost(results: dict[str, Any]) -> list[str]:
    estimate = results.get("cost")
    if not estimate:
        return []
    rows = []
    for name, sides in estimate["per_million"].items():
        o, r = sides["ours"], sides["ref"]
        rows.append(
            [
                name,
                o["billed_ms"],
                o["lambda_duration_usd"] + o["lambda_requests_usd"],
                o["authorizer_usd_upper_bound"],
                o["dynamodb_usd"],
                o["http_api_usd"],
                o["total_usd"],
                r["total_usd"],
            ]
        )
    p = estimate["prices"]
    return [
        "### Cost per million requests (USD; Stripe fees excluded)",
        table(
            ["request", "billed ms", "Lambda", "authorizer (max)", "DynamoDB", "HTTP API", "total", "ref total"], rows
        ),
        f"Prices ({p['as_of']}): Lambda arm64 ${p['lambda_arm64_gb_second']}/GB-s + ${p['lambda_per_million_requests']}"
        f"/M requests; HTTP API ${p['http_api_per_million_requests']}/M; DynamoDB on-demand "
        f"${p['dynamodb_per_million_wru']}/M WRU, ${p['dynamodb_per_million_rru']}/M RRU. Each 100 ms spent waiting "
        f"(e.g. on Stripe) adds ${estimate['per_100ms_of_waiting_usd']}/M at 512 MB.",
    ]


def _targets(results: dict[str, Any]) -> list[str]:
    rows = [[t["target"], t["measured"], "PASS" if t["pass"] else "FAIL"] for t in results.get("targets", [])]
    if not rows:
        return []
    passed = sum(1 for t in results["targets"] if t["pass"])
    return ["### Targets", table(["target", "measured", "result"], rows), f"{passed}/{len(rows)} pass."]
