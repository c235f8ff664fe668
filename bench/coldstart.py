"""Cold starts: fresh interpreters against the parent's local backends, ours and the reference interleaved."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import FUNCTIONS, LAYER_DIR, REFERENCE_DIR, ROOT

CHILD = Path(__file__).resolve().parent / "coldstart_child.py"
NOPYC_DIR = ROOT / "bench" / "results" / "nopyc-layer"


@dataclass
class Variant:
    """One way of starting a function: ours, the reference, or ours with a what-if patch."""

    name: str
    function: str
    side: str  # "ours" | "ref"
    patches: tuple[str, ...] = ()
    layer: Path | None = None  # another copy of the layer (the no-.pyc experiment)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.function}:{self.name}"

    def path(self) -> list[str]:
        code = FUNCTIONS[self.function][0]
        if self.side == "ref":
            return [str(REFERENCE_DIR)]
        return [str(ROOT / "functions" / code), str(self.layer or LAYER_DIR)]

    def module(self) -> str:
        return FUNCTIONS[self.function][1] if self.side == "ref" else "app"


def run_child(
    variant: Variant,
    event: dict[str, Any],
    env: dict[str, str],
    importtime: bool = False,
    profile: str | None = None,
    timeout: float = 60,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec = {
            "path": variant.path(),
            "module": variant.module(),
            "function": variant.function,
            "event": event,
            "patches": list(variant.patches),
            "out": str(out_path),
            "profile": profile,
            **(extra or {}),
        }
        spec_path.write_text(json.dumps(spec))
        command = [sys.executable, *(["-X", "importtime"] if importtime else []), str(CHILD), str(spec_path)]
        completed = subprocess.run(
            command,
            env={**env, **lambda_environment(variant), **variant.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0 or not out_path.exists():
            tail = completed.stderr.strip().splitlines()[-5:]
            return {"error": f"exit {completed.returncode}: {' | '.join(tail)}"}
        result: dict[str, Any] = json.loads(out_path.read_text())
        if importtime:
            result["importtime"] = parse_importtime(completed.stderr, variant.module())
        return result


TRACING_ON = {
    # As deployed (Tracing: Active): Powertools' Tracer patches botocore and requests; the trace header is
    # what Lambda sets per invocation, the X-Ray daemon address gets UDP datagrams nobody reads.
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}


def lambda_environment(variant: Variant) -> dict[str, str]:
    """What the Lambda runtime sets. It matters: with LAMBDA_TASK_ROOT the X-Ray SDK skips the sampler that
    otherwise builds two botocore clients at import (~0.2 s here), so without it we would overstate our cost."""
    code = FUNCTIONS[variant.function][0]
    memory = "256" if variant.function == "AuthorizerFunction" else "512"
    return {
        "LAMBDA_TASK_ROOT": str(REFERENCE_DIR if variant.side == "ref" else ROOT / "functions" / code),
        "AWS_LAMBDA_FUNCTION_NAME": variant.function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": "us-east-1",
        "_HANDLER": f"{variant.module()}.lambda_handler",
    }


def parse_importtime(stderr: str, root_module: str, top: int = 10) -> dict[str, Any]:
    """`-X importtime` lines (children print before their parent) -> the costliest imports.

    `cumulative`: imports where a package is entered from another one (so `botocore.session` under
    `aws_xray_sdk...` counts, its own submodules do not), by cumulative time; `self_by_package`: self time
    summed per top-level package, which adds up to the whole import.
    """
    rows: list[tuple[int, int, int, str]] = []  # (self us, cumulative us, depth, name)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        try:
            parts = line[len("import time:") :].split("|")
            self_us, cumulative_us, raw = int(parts[0]), int(parts[1]), parts[2]
        except (ValueError, IndexError):
            continue
        name = raw.strip()
        depth = (len(raw) - len(raw.lstrip(" ")) - 1) // 2
        rows.append((self_us, cumulative_us, depth, name))
    parents: dict[int, str] = {}
    stack: list[tuple[int, str]] = []
    for index in range(len(rows) - 1, -1, -1):  # a child's parent is the next shallower line below it
        _, _, depth, name = rows[index]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[index] = stack[-1][1] if stack else ""
        stack.append((depth, name))
    boundary = []
    per_package: dict[str, int] = {}
    for index, (self_us, cumulative_us, _, name) in enumerate(rows):
        package = name.split(".")[0]
        per_package[package] = per_package.get(package, 0) + self_us
        if name == root_module:
            continue
        if parents[index].split(".")[0] != package:
            boundary.append((cumulative_us, name, parents[index]))
    boundary.sort(reverse=True)
    total = sum(per_package.values())
    return {
        "total_ms": round(total / 1000, 1),
        "cumulative": [
            {
                "module": name,
                "imported_by": parent or "(handler, or lazily in the 1st invoke)",
                "ms": round(us / 1000, 1),
            }
            for us, name, parent in boundary[:top]
        ],
        "self_by_package": [
            {"package": package, "ms": round(us / 1000, 1)}
            for package, us in sorted(per_package.items(), key=lambda kv: -kv[1])[:top]
        ],
    }


def precompile_sources() -> None:
    """Both sides import their own code from bytecode, as they import site-packages. Where
    PYTHONDONTWRITEBYTECODE is set (it is on the machine these numbers come from), children never write
    .pyc, and every sample of ours compiled our ~25 modules from source (about 30 ms) while the
    reference compiled two small files. The "layer without .pyc" what-if prices the bytecode-less case."""
    import compileall

    for directory in (LAYER_DIR / "linguaflex", ROOT / "functions", REFERENCE_DIR):
        compileall.compile_dir(str(directory), quiet=1)


def build_nopyc_layer() -> Path | None:
    """A copy of the layer's packages without any .pyc, as `sam build` ships it (see layer.py). Third-party
    packages come from the venv (same pins; x86 wheels where the layer has arm64 ones) and are kept between
    runs while the set of distributions is unchanged; our package is copied afresh every run."""
    from bench.layer import built_layer_dir

    built = built_layer_dir()
    if built is None:
        return None
    import site

    site_packages = Path(next(p for p in site.getsitepackages() if p.endswith("site-packages")))
    target = NOPYC_DIR / "python"
    marker = NOPYC_DIR / ".complete"
    names = sorted(entry.name for entry in (built / "python").iterdir())
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    if not marker.exists() or marker.read_text() != "\n".join(names):
        shutil.rmtree(NOPYC_DIR, ignore_errors=True)
        target.mkdir(parents=True)
        for name in names:
            local = site_packages / name
            if name == "linguaflex":
                continue
            if local.is_dir():
                shutil.copytree(local, target / name, ignore=ignore)
            elif local.is_file():
                shutil.copy2(local, target / name)
        marker.write_text("\n".join(names))
    shutil.rmtree(target / "linguaflex", ignore_errors=True)
    shutil.copytree(LAYER_DIR / "linguaflex", target / "linguaflex", ignore=ignore)
    return target


def is_experiment(variant: Variant) -> bool:
    return bool(variant.patches or variant.layer is not None or variant.env)


def run_rounds(
    variants: list[Variant],
    events: Callable[[Variant, int], dict[str, Any]],
    env: dict[str, str],
    rounds: int,
    experiment_pairs: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Ours and the reference: one untimed `-X importtime` run of ours (it also warms the page cache), then
    `rounds` rounds running every function once per side, in a shuffled order per round, so drift hits all
    alike. What-if variants: `experiment_pairs` back-to-back pairs with a fresh baseline run each (order
    alternating), reported as the median of the paired differences."""
    import random

    results: dict[str, Any] = {v.key: {"variant": v, "runs": [], "errors": []} for v in variants}
    main = [v for v in variants if not is_experiment(v)]
    experiments = [v for v in variants if is_experiment(v)]

    def run(variant: Variant, number: int) -> dict[str, Any] | None:
        outcome = run_child(variant, events(variant, number), env)
        entry = results[variant.key]
        if "error" in outcome:
            entry["errors"].append(outcome["error"])
            return None
        if outcome["status"] >= 400:
            entry["errors"].append(f"status {outcome['status']}: {outcome.get('body', '')}")
            return None
        return outcome

    for variant in main:
        if variant.side != "ours":
            continue
        outcome = run_child(variant, events(variant, 0), env, importtime=True)
        if "error" in outcome:
            results[variant.key]["errors"].append(outcome["error"])
        else:
            results[variant.key]["importtime"] = outcome.get("importtime")
    shuffle = random.Random(7)
    for round_number in range(1, rounds + 1):
        order = list(main)
        shuffle.shuffle(order)
        for variant in order:
            outcome = run(variant, round_number)
            if outcome is not None:
                results[variant.key]["runs"].append(outcome)
        log(f"  cold round {round_number}/{rounds} done")
    pairs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {v.key: [] for v in experiments}
    for number in range(experiment_pairs):
        for variant in experiments:
            baseline = Variant("ours", variant.function, "ours")
            first, second = (baseline, variant) if number % 2 == 0 else (variant, baseline)
            a, b = run(first, 100 + number), run(second, 100 + number)
            if a is not None and b is not None:
                pairs[variant.key].append((b, a) if number % 2 == 0 else (a, b))
        log(f"  what-if pair {number + 1}/{experiment_pairs} done")
    summaries = {key: summarize(entry) for key, entry in results.items()}
    for variant in experiments:
        summaries[variant.key]["paired"] = paired_deltas(pairs[variant.key])
    return summaries


def paired_deltas(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """(what-if run, baseline run) pairs, run back to back: the median of the differences."""
    if not pairs:
        return {}

    def median_delta(field: Callable[[dict[str, Any]], float]) -> float:
        return round(statistics.median(field(a) - field(b) for a, b in pairs), 1)

    return {
        "pairs": len(pairs),
        "import_ms": median_delta(lambda r: r["import_ms"]),
        "first_invoke_ms": median_delta(lambda r: r["first_invoke_ms"]),
        "total_ms": median_delta(lambda r: r["import_ms"] + r["first_invoke_ms"]),
        "cpu_ms": median_delta(lambda r: r["cpu_ms"]),
        "maxrss_mb": round(statistics.median((a["maxrss_kb"] - b["maxrss_kb"]) / 1024 for a, b in pairs), 1),
        "variant_total_ms": round(statistics.median(a["import_ms"] + a["first_invoke_ms"] for a, _ in pairs), 1),
        "baseline_total_ms": round(statistics.median(b["import_ms"] + b["first_invoke_ms"] for _, b in pairs), 1),
        # Contention from other processes only ever adds time: the fastest run of each is the least disturbed.
        "min_total_ms": round(
            min(a["import_ms"] + a["first_invoke_ms"] for a, _ in pairs)
            - min(b["import_ms"] + b["first_invoke_ms"] for _, b in pairs),
            1,
        ),
        "min_cpu_ms": round(min(a["cpu_ms"] for a, _ in pairs) - min(b["cpu_ms"] for _, b in pairs), 1),
        "cpu_deltas_ms": [round(a["cpu_ms"] - b["cpu_ms"]) for a, b in pairs],
    }


def summarize(entry: dict[str, Any]) -> dict[str, Any]:
    variant: Variant = entry["variant"]
    runs = entry["runs"]
    summary: dict[str, Any] = {
        "function": variant.function,
        "variant": variant.name,
        "side": variant.side,
        "patches": list(variant.patches),
        "runs": len(runs),
        "errors": entry["errors"][:3],
        "importtime": entry.get("importtime"),
    }
    if runs:
        summary.update(
            import_ms=round(statistics.median(r["import_ms"] for r in runs), 1),
            first_invoke_ms=round(statistics.median(r["first_invoke_ms"] for r in runs), 1),
            total_ms=round(statistics.median(r["import_ms"] + r["first_invoke_ms"] for r in runs), 1),
            total_min_ms=round(min(r["import_ms"] + r["first_invoke_ms"] for r in runs), 1),
            cpu_ms=round(statistics.median(r["cpu_ms"] for r in runs), 1),
            maxrss_mb=round(statistics.median(r["maxrss_kb"] for r in runs) / 1024, 1),
            modules_loaded=runs[0]["modules_loaded"],
            stripe_imported=runs[0]["stripe_imported"],
            xray_imported=runs[0]["xray_imported"],
        )
    return summary


def interpreter_baseline(env: dict[str, str]) -> float:
    """ru_maxrss of an interpreter that imports nothing (MB): the floor under every function's figure."""
    code = "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return round(int(out.strip()) / 1024, 1)


def profile_cold(variant: Variant, event: dict[str, Any], env: dict[str, str], top: int = 12) -> dict[str, Any]:
    """cProfile over import + first invoke, reduced to named costs we can act on."""
    import pstats

    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        path = os.path.join(tmp, "cold.prof")
        outcome = run_child(variant, event, env, profile=path)
        if "error" in outcome:
            return {"error": outcome["error"]}
        stats = pstats.Stats(path)
    return {
        "wall_ms_under_profiler": round(outcome["import_ms"] + outcome["first_invoke_ms"], 1),
        "named": named_costs(stats),
        "top": top_cumulative(stats, top),
    }


# Function (file fragment, function name) -> label; cumulative time is what the label costs.
NAMED_COSTS = {
    ("aws_xray_sdk/core/recorder.py", "__init__"): "X-Ray recorder init",
    ("aws_lambda_powertools/tracing/tracer.py", "__init__"): "Tracer() (patches modules when tracing is on)",
    ("botocore/session.py", "create_client"): "botocore create_client (all clients)",
    ("boto3/__init__.py", "client"): "boto3.client('dynamodb') incl. boto3 session",
    ("linguaflex/factory.py", "gateway"): "factory.gateway(): import stripe + StripeClient",
    ("linguaflex/config.py", "get_settings"): "Settings read (pydantic)",
    ("pydantic/_internal/_model_construction.py", "__new__"): "pydantic model class builds",
    ("pydantic/plugin/_loader.py", "get_plugins"): "pydantic plugin discovery (entry points)",
    ("aws_lambda_powertools/event_handler/api_gateway.py", "_resolve"): "resolver._resolve (first request)",
    ("aws_lambda_powertools/event_handler/openapi/dependant.py", "get_dependant"): "OpenAPI dependant build",
    ("linguaflex/idempotency.py", "__init__"): "IdempotentRunner init",
}


def named_costs(stats: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for (fragment, name), label in NAMED_COSTS.items():
            if function == name and filename.replace("\\", "/").endswith(fragment):
                found[label] = max(found.get(label, 0.0), round(cumulative * 1000, 1))
    return found


def top_cumulative(stats: Any, top: int) -> list[dict[str, Any]]:
    rows = []
    for (filename, line, function), (_, _, _, cumulative, _) in stats.stats.items():
        if "importlib" in filename or filename.startswith("<") or function.startswith("<module>"):
            continue
        rows.append((cumulative, f"{short(filename)}:{line}({function})"))
    rows.sort(reverse=True)
    return [{"function": name, "cumulative_ms": round(c * 1000, 1)} for c, name in rows[:top]]


def short(filename: str) -> str:
    for marker in ("site-packages/", "layers/common/", "functions/", "lib/python3.13/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
