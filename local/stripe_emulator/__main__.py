"""`python -m local.stripe_emulator --port 12111 [--webhook-url URL]`"""

from __future__ import annotations

import argparse
import threading

from . import StripeEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.stripe_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=12111, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--webhook-url", action="append", default=[], help="register a webhook endpoint for all events")
    args = parser.parse_args(argv)

    emulator = StripeEmulator(port=args.port).start()
    print(f"Stripe emulator listening on {emulator.url}", flush=True)
    for url in args.webhook_url:
        endpoint_id, secret = emulator.register_webhook(url)
        print(f"webhook endpoint {endpoint_id} -> {url} secret {secret}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
