"""The local stack under a bounded concurrent load, over HTTP through LocalHttpApi (authorizer included)."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from bench import harness as h
from bench.warm import percentile

FUTURE_YEAR = 2034


def run(bench: h.Bench, students: list[h.Student], threads: int, seconds: float, max_requests: int) -> dict[str, Any]:
    """`threads` clients, each cycling list cards / payment status / pay with a new card (a fresh student).

    Stops after `seconds` or `max_requests`, whichever comes first.
    """
    import requests

    base = bench.stack.url
    tokens = {s.user_id: bench.token(s.user_id) for s in students}
    fresh = iter(range(900_000, 10_000_000))
    fresh_lock = threading.Lock()
    issued = itertools.count()
    deadline = time.monotonic() + seconds
    results: list[tuple[str, float, int]] = []
    results_lock = threading.Lock()

    def new_student() -> tuple[int, str]:
        with fresh_lock:
            user = next(fresh)
        return user, bench.token(user)

    def worker(number: int) -> None:
        session = requests.Session()
        kinds = itertools.cycle(("list_cards", "payment_status", "pay_new"))
        for _ in range(number):
            next(kinds)
        while time.monotonic() < deadline and next(issued) < max_requests:
            kind = next(kinds)
            student = students[(number * 7919 + len(results)) % len(students)]
            if kind == "list_cards":
                method, path, token, body = "GET", h.PATHS["methods"], tokens[student.user_id], None
            elif kind == "payment_status":
                path = h.PATHS["payment"].format(payment_id=student.payment_ids[0])
                method, token, body = "GET", tokens[student.user_id], None
            else:
                _, token = new_student()
                method, path = "POST", h.PATHS["pay"]
                body = {"gig_id": 1, "card_details": {**h.CARD, "exp_year": FUTURE_YEAR}, "save_card": False}
            began = time.perf_counter()
            try:
                response = session.request(
                    method, base + path, json=body, timeout=30, headers={"Authorization": f"Bearer {token}"}
                )
                status = response.status_code
            except requests.RequestException:
                status = 0
            elapsed = (time.perf_counter() - began) * 1000
            with results_lock:
                results.append((kind, elapsed, status))

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=seconds + 60)
    elapsed_s = time.perf_counter() - started
    ok = [r for r in results if 200 <= r[2] < 300]
    per_kind = {}
    for kind in ("list_cards", "payment_status", "pay_new"):
        rows = [r for r in results if r[0] == kind]
        good = [r[1] for r in rows if 200 <= r[2] < 300]
        per_kind[kind] = {
            "requests": len(rows),
            "errors": len(rows) - len(good),
            "p50_ms": round(percentile(good, 0.5), 1) if good else None,
            "p99_ms": round(percentile(good, 0.99), 1) if good else None,
        }
    statuses: dict[str, int] = {}
    for _, _, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "threads": threads,
        "seconds": round(elapsed_s, 1),
        "requests": len(results),
        "requests_per_second": round(len(results) / elapsed_s, 1) if elapsed_s else 0.0,
        "error_rate": round(1 - len(ok) / len(results), 4) if results else None,
        "statuses": statuses,
        "per_kind": per_kind,
    }
