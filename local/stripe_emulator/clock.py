"""An injectable clock: wall time (or any callable) plus an offset tests can advance."""

import threading
import time
from collections.abc import Callable


class Clock:
    def __init__(self, source: Callable[[], float] | None = None) -> None:
        self._source = source or time.time
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._source() + self._offset

    def timestamp(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
