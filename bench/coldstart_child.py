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

    class Recorder:
        __module__ = "aws_xray_sdk.core.stub"

        def configure(self, **_: Any) -> None:
            return None

        @contextlib.contextmanager
        def in_subsegment(self, name: str | None = None, **_: Any) -> Any:
            yield None

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


def _xray_without_sampler_clients() -> None:
    """Keep the X-Ray SDK but skip the two botocore `xray` clients its sampler builds at import (unused in Lambda)."""
    from aws_xray_sdk.core.sampling import connector

    connector.ServiceConnector._create_xray_client = lambda self, *a, **k: None  # type: ignore[method-assign]


def _no_validation() -> None:
    """The resolver without enable_validation (only for routes that take no typed parameters)."""
    import linguaflex.http as http

    original = http.APIGatewayHttpResolver

    def resolver(**kwargs: Any) -> Any:
        kwargs["enable_validation"] = False
        return original(**kwargs)

    http.APIGatewayHttpResolver = resolver  # type: ignore[assignment,misc]


def _lazy_gateway() -> None:
    """Build the Stripe gateway (and import stripe) only when a Stripe call is made."""
    from linguaflex import factory

    real = factory.gateway

    class LazyGateway:
        def __getattr__(self, name: str) -> Any:
            return getattr(real(), name)

    lazy = LazyGateway()
    factory.gateway = lambda: lazy  # type: ignore[assignment]


BEFORE_IMPORT = {"stub_xray": _stub_xray, "xray_no_sampler_clients": _xray_without_sampler_clients,
                 "no_validation": _no_validation}
AFTER_IMPORT = {"lazy_gateway": _lazy_gateway}


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
    for name in patches:
        if name in AFTER_IMPORT:
            AFTER_IMPORT[name]()
    response = handler(spec["event"], Context(spec["function"]))
    invoked = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    status = response.get("statusCode", 200) if isinstance(response, dict) else 200
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "cpu_ms": (usage.ru_utime + usage.ru_stime - cpu_started) * 1000,
        "import_ms": (imported - started) * 1000,
        "first_invoke_ms": (invoked - imported) * 1000,
        "maxrss_kb": usage.ru_maxrss,
        "status": status,
        "modules_loaded": len(sys.modules) - modules_before,
        "stripe_imported": "stripe" in sys.modules,
        "xray_imported": "aws_xray_sdk.core.recorder" in sys.modules,
    }
    if status >= 400:
        result["body"] = str(response.get("body", ""))[:300]
    with open(spec["out"], "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
