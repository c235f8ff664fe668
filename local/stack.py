"""The whole local stack in one process: moto's DynamoDB, the Stripe emulator and the local HTTP API."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from local.template_model import load_template, table_definitions

LOCAL_STRIPE_KEY = "sk_test_local_emulator_key"
DEFAULT_JWT_SECRET = "local-dev-jwt-secret-change-me-0123456789abcdef"
SEED_GIGS = (
    # gig_id, price in cents, teacher, active, title
    (1, 5000, 7, True, "Spanish conversation, 60 min"),
    (2, 7500, 7, True, "Business English, 90 min"),
    (3, 4000, 7, False, "French grammar (paused)"),
)
SEED_TEACHER = 7
DEMO_USERS = (("student", 42), ("student", 43), ("teacher", 7), ("admin", 1))


def _serialized(app: Any) -> Any:
    """moto's DynamoDB is not thread-safe (a transaction deep-copies tables other requests are writing);
    real DynamoDB is. One request at a time gives the local stack DynamoDB's atomicity."""
    lock = threading.Lock()

    def locked(environ: Any, start_response: Any) -> Any:
        with lock:
            return list(app(environ, start_response))

    return locked


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalStack:
    port: int = 8000
    jwt_secret: str = DEFAULT_JWT_SECRET
    stripe_api_key: str | None = None  # a real sk_test_ key switches from the emulator to Stripe test mode
    table_name: str = "linguaflex-payments-local"
    idempotency_table_name: str = "linguaflex-idempotency-local"
    pool_size: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._moto: Any = None
        self.emulator: Any = None
        self.api: Any = None
        self.webhook_secret: str | None = None
        self.teacher_account_id: str | None = None
        self.dynamodb_url = ""
        self.stripe_url: str | None = None

    @property
    def uses_real_stripe(self) -> bool:
        return bool(self.stripe_api_key)

    def start(self) -> LocalStack:
        from moto.server import ThreadedMotoServer

        from local.gateway import LocalHttpApi

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log is not ours to print
        moto_port = free_port()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        self._moto.start()
        self._moto._server.app = _serialized(self._moto._server.app)
        self.dynamodb_url = f"http://127.0.0.1:{moto_port}"
        if not self.uses_real_stripe:
            from local.stripe_emulator import StripeEmulator

            self.emulator = StripeEmulator(port=0)
            self.emulator.start()
            self.stripe_url = self.emulator.url
        self.api = LocalHttpApi(port=self.port, pool_size=self.pool_size)
        self.port = int(self.api.url.rsplit(":", 1)[1])
        self._configure_environment()
        self.create_tables()
        self.webhook_secret = self._register_webhook()
        os.environ["STRIPE_WEBHOOK_SECRET"] = self.webhook_secret or ""
        self._reset_caches()
        self.seed()
        self.api.start()
        return self

    def stop(self) -> None:
        for part in (self.api, self.emulator, self._moto):
            if part is not None:
                part.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _configure_environment(self) -> None:
        env = {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url,
            "TABLE_NAME": self.table_name,
            "IDEMPOTENCY_TABLE_NAME": self.idempotency_table_name,
            "STRIPE_API_KEY": self.stripe_api_key or LOCAL_STRIPE_KEY,
            "JWT_SECRET": self.jwt_secret,
            "JWT_MODE": "hs256",
            "POWERTOOLS_SERVICE_NAME": "linguaflex-payments",
            "POWERTOOLS_METRICS_NAMESPACE": "LinguaFlex",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
            "PAYMENT_RETURN_URL": f"{self.url}/payments/return",
        }
        if self.stripe_url:
            env["STRIPE_API_BASE"] = self.stripe_url
        else:
            os.environ.pop("STRIPE_API_BASE", None)
        env.update(self.extra_env)
        os.environ.update(env)
        os.environ.pop("STRIPE_SECRET_ARN", None)
        os.environ.pop("JWT_SECRET_ARN", None)

    def _reset_caches(self) -> None:
        from local.lambda_runtime import ensure_layer_on_path

        ensure_layer_on_path()
        from linguaflex import factory

        factory.reset()

    def dynamodb(self) -> Any:
        import boto3

        return boto3.client("dynamodb", endpoint_url=self.dynamodb_url, region_name="us-east-1")

    def stripe_client(self) -> Any:
        import stripe

        key = self.stripe_api_key or LOCAL_STRIPE_KEY
        return stripe.StripeClient(key, base_addresses={"api": self.stripe_url} if self.stripe_url else None)

    def create_tables(self) -> None:
        """Tables exactly as template.yaml defines them (keys, indexes, TTL)."""
        client = self.dynamodb()
        names = {"PaymentsTable": self.table_name, "IdempotencyTable": self.idempotency_table_name}
        existing = set(client.list_tables()["TableNames"])
        for logical_id, table in table_definitions(load_template()).items():
            name = names[logical_id]
            if name in existing:
                continue
            client.create_table(TableName=name, **table["create"])
            if table["ttl_attribute"]:
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl_attribute"]},
                )

    def _register_webhook(self) -> str | None:
        if self.uses_real_stripe:
            # Stripe cannot reach 127.0.0.1: use `stripe listen` and set STRIPE_WEBHOOK_SECRET yourself.
            return os.environ.get("STRIPE_WEBHOOK_SECRET") or None
        endpoint = self.stripe_client().v1.webhook_endpoints.create(
            params={"url": f"{self.url}/api/payments/stripe-webhook/", "enabled_events": ["*"]}
        )
        return str(endpoint.secret)

    def seed(self) -> None:
        from linguaflex.adapters.dynamo import DynamoRepository
        from linguaflex.models.domain import Gig

        repository = DynamoRepository(self.dynamodb(), self.table_name)
        for gig_id, price, teacher, active, title in SEED_GIGS:
            repository.put_gig(Gig(gig_id, teacher, price, active, title))
        self.teacher_account_id = self._connected_account()
        repository.set_teacher_account(SEED_TEACHER, self.teacher_account_id)

    def _connected_account(self) -> str | None:
        try:
            account = self.stripe_client().v1.accounts.create(
                params={
                    "type": "express",
                    "country": "US",
                    "email": "teacher7@linguaflex.example",
                    "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
                }
            )
        except Exception as exc:  # Connect not enabled on a real account: charges stay on the platform
            print(f"[local] no connected account for teacher {SEED_TEACHER}: {type(exc).__name__}")
            return None
        return str(account.id)

    def tokens(self) -> dict[str, str]:
        from linguaflex.tokens import issue_token

        return {
            f"{role}_{user_id}": issue_token(self.jwt_secret, user_id, role, lifetime_seconds=24 * 3600)
            for role, user_id in DEMO_USERS
        }
