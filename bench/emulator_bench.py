"""Requests per second through the official stripe SDK against the local emulator on loopback.

Not a test: `python bench/emulator_bench.py [--customers 500] [--payments 300]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import stripe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from local.stripe_emulator import StripeEmulator

CONFIRMED_PAYMENT: Any = {
    "amount": 2500,
    "currency": "usd",
    "payment_method": "pm_card_visa",
    "confirm": True,
    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
}


def _create_customer(client: stripe.StripeClient) -> None:
    client.v1.customers.create(params={"email": "bench@example.com", "metadata": {"bench": "1"}})


def _confirmed_payment(client: stripe.StripeClient) -> None:
    client.v1.payment_intents.create(params=CONFIRMED_PAYMENT)


def _measure(url: str, operation: Callable[[stripe.StripeClient], None], count: int, threads: int) -> float:
    """Run `count` operations split over `threads` threads (one StripeClient each); returns ops per second."""
    clients = [stripe.StripeClient("sk_test_bench", base_addresses={"api": url}) for _ in range(threads)]
    share = [count // threads + (1 if index < count % threads else 0) for index in range(threads)]

    def run(index: int) -> None:
        for _ in range(share[index]):
            operation(clients[index])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, range(threads)))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--payments", type=int, default=300)
    args = parser.parse_args()

    emulator = StripeEmulator(port=0).start()
    try:
        _measure(emulator.url, _create_customer, 20, 1)  # warm up connections and imports
        scenarios = [
            ("customers.create", _create_customer, args.customers),
            ("payment_intents.create (confirmed)", _confirmed_payment, args.payments),
        ]
        print(f"{'operation':<36} {'count':>6} {'threads':>7} {'req/s':>9} {'ms/req':>8}")
        for name, operation, count in scenarios:
            for threads in (1, 4):
                emulator.reset()
                rate = _measure(emulator.url, operation, count, threads)
                print(f"{name:<36} {count:>6} {threads:>7} {rate:>9.0f} {1000 / rate:>8.2f}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
