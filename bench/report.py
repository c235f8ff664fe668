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
        add(f"warm overhead {name} <= {WARM_OVERHEAD_MS} ms", f"{row['overhead_p50_ms']:+.2f} ms",
            row["overhead_p50_ms"] <= WARM_OVERHEAD_MS)
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
    out.append(f"{m['nproc']} CPUs, {m['cpu_model']}, Python {m['python']}, load average at start "
               f"{m['load_average_at_start']}")
    out += _cold(results)
    out += _warm(results)
    out += _experiments(results)
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
            rows.append([fn, "error", ours.get("errors"), "", "", "", "", "", "", ""])
            continue
        ratio = ours["total_ms"] / ref["total_ms"] if ref.get("total_ms") else None
        rows.append([
            fn, ours["import_ms"], ours["first_invoke_ms"], ours["total_ms"], ours["cpu_ms"],
            ref.get("import_ms"), ref.get("first_invoke_ms"), ref.get("total_ms"),
            f"{ratio:.2f}x" if ratio else "-", f"{ours['maxrss_mb']} / {ref.get('maxrss_mb')}",
        ])
    parts = ["### Cold start (median of %s fresh processes; ms)" % next(iter(cold.values()))["runs"]]
    parts.append(table(
        ["function", "import", "1st invoke", "total", "CPU", "ref import", "ref 1st", "ref total", "ratio",
         "peak RSS MB ours / ref"],
        rows,
    ))
    parts.append(f"Interpreter alone: {results.get('interpreter_baseline_rss_mb')} MB RSS.")
    top = cold.get("ProcessPaymentFunction:ours", {}).get("importtime")
    if top:
        parts.append("Top imports of ProcessPaymentFunction (-X importtime, cumulative, package boundaries):")
        parts.append(table(["module", "imported by", "ms"],
                           [[r["module"], r["imported_by"], r["ms"]] for r in top["cumulative"]]))
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
        rows.append([
            name, o["p50_ms"], o["p99_ms"], r["p50_ms"], r["p99_ms"], f"{row['overhead_p50_ms']:+.2f}",
            f"{o['dynamo_calls']} / {r['dynamo_calls']}", o["idempotency_calls"] or 0,
            f"{o['stripe_calls']} / {r['stripe_calls']}",
            f"{units.get('rru', 0):g} / {units.get('wru', 0):g}", o["errors"] + r["errors"],
        ])
    requests = next(iter(warm.values()))["ours"]["requests"]
    return [
        f"### Warm latency and calls per request (in-process, {requests} timed requests per route and side)",
        table(["route", "p50", "p99", "ref p50", "ref p99", "overhead p50", "DynamoDB ours/ref", "idempotency",
               "Stripe ours/ref", "RRU / WRU", "errors"], rows),
    ]


def _experiments(results: dict[str, Any]) -> list[str]:
    cold = results.get("cold", {})
    parts = []
    rows = []
    for key, entry in cold.items():
        if entry["side"] != "ours" or entry["variant"] == "ours" or not entry.get("runs"):
            continue
        base = cold.get(f"{entry['function']}:ours", {})
        if not base.get("total_ms"):
            continue
        rows.append([
            entry["function"], entry["variant"], base["import_ms"], entry["import_ms"], base["first_invoke_ms"],
            entry["first_invoke_ms"], f"{entry['total_ms'] - base['total_ms']:+.1f}",
            f"{entry['maxrss_mb'] - base['maxrss_mb']:+.1f}",
        ])
    if rows:
        parts.append("### What-if cold starts (ours patched in the child; medians; ms)")
        parts.append(table(["function", "variant", "import before", "after", "1st invoke before", "after",
                            "total change", "RSS change MB"], rows))
    exp = results.get("warm_experiments")
    if exp:
        rows = [[name, v["p50_ms"], v["mean_ms"]] for name, v in exp["list_cards"].items()]
        parts.append("### What-if warm (list cards, interleaved; ms)")
        parts.append(table(["variant", "p50", "mean"], rows))
        parts.append(f"`@tracer.capture_method` with tracing disabled: "
                     f"{exp['tracer_capture_method_disabled']['per_call_us']} µs per call.")
    profile = results.get("warm_profile_pay_saved")
    if profile:
        ours = profile["ours"]["self_ms_per_request_by_group"]
        ref = profile["ref"]["self_ms_per_request_by_group"]
        groups = sorted(set(ours) | set(ref), key=lambda g: -(ours.get(g, 0) + ref.get(g, 0)))[:12]
        parts.append("### Where a warm saved-card payment spends its time (cProfile self time, ms per request)")
        parts.append(table(["group", "ours", "reference"], [[g, ours.get(g, 0.0), ref.get(g, 0.0)] for g in groups]))
    return parts


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
        rows.append([name, o["billed_ms"], o["lambda_duration_usd"] + o["lambda_requests_usd"],
                     o["authorizer_usd_upper_bound"], o["dynamodb_usd"], o["http_api_usd"], o["total_usd"],
                     r["total_usd"]])
    p = estimate["prices"]
    return [
        "### Cost per million requests (USD; Stripe fees excluded)",
        table(["request", "billed ms", "Lambda", "authorizer (max)", "DynamoDB", "HTTP API", "total", "ref total"],
              rows),
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
