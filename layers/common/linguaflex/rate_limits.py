"""Per-user limits against card testing: fixed hourly windows counted in DynamoDB (atomic, with TTL)."""

from __future__ import annotations

import time
from dataclasses import dataclass

WINDOW_SECONDS = 3600
NEW_CARDS = "new-cards"
DECLINES = "declines"


@dataclass(frozen=True)
class RateWindow:
    key: str
    limit: int
    expires_at: int  # the window's end: the TTL of its counter

    @property
    def retry_after_seconds(self) -> int:
        return max(1, self.expires_at - int(time.time()))


def window(user_id: int, kind: str, limit: int, now: float | None = None) -> RateWindow:
    moment = int(now if now is not None else time.time())
    start = moment - moment % WINDOW_SECONDS
    return RateWindow(key=f"RATE#{user_id}#{kind}#{start}", limit=limit, expires_at=start + WINDOW_SECONDS)
