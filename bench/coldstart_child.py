"""One cold start in a fresh interpreter: import a handler, serve its first event, report (stdlib only).

`python bench/coldstart_child.py SPEC.json`; SPEC holds the sys.path entries (task root first, as in
Lambda), the module, the event, optional patches (what-if experiments) and where to write the result.
The import is timed from before any patch to after the module is loaded: that is Lambda's init phase.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
import types
from typing import Any


class Context:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.aws_request_id = "00000000-0000-0000-0000-000000000001"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


# -- what-if patches, applied inside the timed window ---------------------------------------------------


def _stub_xray() -> None:
    """No X-Ray SDK at all: what the Tracer costs beyond a no-op provider."""
    import contextlib

    class Subsegment:
        def __getattr__(self, name: str) -> Any:
            return lambda *a, **k: None

    class Recorder:
        __module__ = "aws_xray_sdk.core.stub"

        def configure(self, **_: Any) -> None:
            return None

        @contextlib.contextmanager
        def in_subsegment(self, name: str | None = None, **_: Any) -> Any:
            yield Subsegment()

        def patch_all(self) -> None:
            return None

    class Config:
        def set_sdk_enabled(self, value: bool) -> None:
            return None

    root = types.ModuleType("aws_xray_sdk")
    core = types.ModuleType("aws_xray_sdk.core")
    core.xray_recorder = Recorder()  # type: ignore[attr-defined]
    core.patch = lambda *a, **k: None  # type: ignore[attr-defined]
    core.patch_all = lambda *a, **k: None  # type: ignore[attr-defined]
    root.core = core  # type: ignore[attr-defined]
    root.global_sdk_config = Config()  # type: ignore[attr-defined]
    sys.modules["aws_xray_sdk"] = root
    sys.modules["aws_xray_sdk.core"] = core


def peak_rss_kb() -> int:
    """VmHWM: this process's own peak since exec (ru_maxrss would carry the parent's over fork + exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _tracer_botocore_only() -> None:
    """Tracing on, but Powertools' Tracer patches botocore only (not requests/httplib, which Stripe rides on)."""
    from aws_lambda_powertools.tracing import tracer as module

    original = module.Tracer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("patch_modules", ("botocore",))
        original(self, *args, **kwargs)

    module.Tracer.__init__ = init  # type: ignore[method-assign]


BEFORE_IMPORT = {
    "stub_xray": _stub_xray,
    "tracer_botocore_only": _tracer_botocore_only,
}


def _warm_requests(handler: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """After the cold start, in this process only (the backends live in the parent): the first half of the
    warm events timed (thread CPU and wall per request), the second half under cProfile."""
    import cProfile

    events = spec["warm_events"]
    half = len(events) // 2
    statuses: dict[str, int] = {}
    cpu_ms, wall_ms = [], []

    def serve(event: dict[str, Any]) -> None:
        response = handler(event, Context(spec["function"]))
        code = str(response.get("statusCode", 200) if isinstance(response, dict) else 200)
        statuses[code] = statuses.get(code, 0) + 1

    for event in events[:half]:
        cpu, wall = time.thread_time(), time.perf_counter()
        serve(event)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        wall_ms.append((time.perf_counter() - wall) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for event in events[half:]:
        serve(event)
    profiler.disable()
    profiler.dump_stats(spec["warm_profile"])
    cpu_ms.sort()
    wall_ms.sort()
    return {
        "timed": half,
        "profiled": len(events) - half,
        "cpu_ms_p50": cpu_ms[len(cpu_ms) // 2],
        "wall_ms_p50": wall_ms[len(wall_ms) // 2],
        "statuses": statuses,
    }


def main() -> None:
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    for entry in reversed(spec["path"]):
        sys.path.insert(0, entry)
    patches = spec.get("patches", [])
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    modules_before = len(sys.modules)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_started = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    for name in patches:
        if name in BEFORE_IMPORT:
            BEFORE_IMPORT[name]()
    module = importlib.import_module(spec["module"])
    handler = getattr(module, spec.get("handler", "lambda_handler"))
    imported = time.perf_counter()
    response = handler(spec["event"], Context(spec["function"]))
    invoked = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    status = response.get("statusCode", 200) if isinstance(response, dict) else 200
    usage = resource.getrusage(resource.RUSAGE_SELF)
    warm = _warm_requests(handler, spec) if spec.get("warm_events") else None
    result = {
        "cpu_ms": (usage.ru_utime + usage.ru_stime - cpu_started) * 1000,
        "import_ms": (imported - started) * 1000,
        "first_invoke_ms": (invoked - imported) * 1000,
        "maxrss_kb": peak_rss_kb(),
        "status": status,
        "modules_loaded": len(sys.modules) - modules_before,
        "stripe_imported": "stripe" in sys.modules,
        "xray_imported": "aws_xray_sdk.core.recorder" in sys.modules,
    }
    if warm is not None:
        result["warm"] = warm
    if status >= 400:
        result["body"] = str(response.get("body", ""))[:300]
    with open(spec["out"], "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
