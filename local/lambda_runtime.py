"""Runs the template's handlers in-process, the way Lambda would: one event at a time per container.

Each "container" is a fresh import of the function's module, so the Powertools resolver state of one
request never leaks into a concurrent one; a small pool per function gives real concurrency.
"""

from __future__ import annotations

import importlib.util
import itertools
import queue
import sys
import threading
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from local.template_model import ROOT, FunctionSpec

LAYER_DIR = ROOT / "layers" / "common"
_counter = itertools.count()


def ensure_layer_on_path() -> None:
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


def per_thread_current_event() -> None:
    """Powertools keeps the current event on the class (`BaseRouter.current_event = ...`). In Lambda a process
    serves one event at a time; here every container is a thread of one process, so that attribute must be
    per thread or a concurrent request could be served with another request's event (and identity)."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if getattr(BaseRouter, "_current_event_per_thread", False):
        return
    local = threading.local()

    class PerThread:
        def __get__(self, obj: object, owner: object = None) -> object:
            try:
                return local.event
            except AttributeError:
                raise AttributeError("current_event") from None

        def __set__(self, obj: object, value: object) -> None:
            local.event = value

    BaseRouter.current_event = PerThread()  # type: ignore[assignment]  # read through instances
    BaseRouter._current_event_per_thread = True  # type: ignore[attr-defined]

    class PerThreadMeta(type(BaseRouter)):  # type: ignore[misc]
        current_event = PerThread()  # written through the class: BaseRouter.current_event = event

    BaseRouter.__class__ = PerThreadMeta  # type: ignore[method-assign]  # a deliberate metaclass swap


def load_handler(spec: FunctionSpec) -> Any:
    return getattr(load_module(spec), spec.handler.rpartition(".")[2])


def load_module(spec: FunctionSpec) -> ModuleType:
    """A fresh import of the function's module: a new "container"."""
    ensure_layer_on_path()
    per_thread_current_event()
    module_file = spec.handler.rpartition(".")[0]
    path = spec.code_dir / f"{module_file}.py"
    name = f"_fn_{spec.logical_id}_{next(_counter)}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec and module_spec.loader
    module: ModuleType = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


class FunctionPool:
    """Up to `size` warm containers of one function; each serves one event at a time."""

    def __init__(self, spec: FunctionSpec, size: int = 4) -> None:
        self.spec = spec
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._created = 0
        self._size = size
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        handler = self._checkout()
        try:
            return handler(event, LambdaContext(function_name=self.spec.logical_id))
        finally:
            self._idle.put(handler)

    def _checkout(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self._size:
                self._created += 1
                return load_handler(self.spec)
        return self._idle.get()
