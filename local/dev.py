"""`make dev`: start the local stack, print tokens and a curl line, run until Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading

from local.stack import DEFAULT_JWT_SECRET, LocalStack


def main() -> None:
    real_key = os.environ.get("STRIPE_API_KEY") or None
    if real_key and not real_key.startswith("sk_test_"):
        raise SystemExit("STRIPE_API_KEY must be a test-mode key (sk_test_...) for the local stack")
    stack = LocalStack(
        port=int(os.environ.get("PORT", "8000")),
        jwt_secret=os.environ.get("JWT_SECRET", DEFAULT_JWT_SECRET),
        stripe_api_key=real_key,
    ).start()
    tokens = stack.tokens()
    stripe_mode = "real Stripe test mode" if stack.uses_real_stripe else f"Stripe emulator at {stack.stripe_url}"
    print(f"\nLinguaFlex Payments local stack is up on {stack.url}")
    print(f"  DynamoDB (moto): {stack.dynamodb_url}   Stripe: {stripe_mode}")
    if stack.webhook_secret:
        print(f"  Stripe webhook signing secret: {stack.webhook_secret}")
    print(f"  Swagger UI: {stack.url}/docs   Seeded gigs: 1 ($50.00), 2 ($75.00), 3 ($40.00, inactive); teacher 7")
    print("\nTokens (valid 24 h):")
    for name, token in tokens.items():
        print(f"  {name:<11} {token}")
    print("\nTry:")
    print(f"  export TOKEN={tokens['student_42']}")
    print(
        f'  curl -s -X POST {stack.url}/api/payments/process-payment/ -H "Authorization: Bearer $TOKEN" '
        '-H \'Content-Type: application/json\' -d \'{"gig_id": 1, "card_details": {"card_number": '
        '"4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "cardholder_name": '
        '"Jane Smith"}, "save_card": true}\''
    )
    print("\nLogs follow as JSON lines. Ctrl-C stops everything.\n", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        print("\nstopped", flush=True)


if __name__ == "__main__":
    main()
