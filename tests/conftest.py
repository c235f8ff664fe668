"""Shared fixtures: one local stack (moto DynamoDB, Stripe emulator, local HTTP API) per test session."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
logging.getLogger("werkzeug").setLevel(logging.ERROR)


@pytest.fixture(scope="session")
def stack() -> Iterator[object]:
    from local.stack import LocalStack

    started = LocalStack(port=0, pool_size=4).start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def users(stack: object) -> object:
    from tests.support.client import Users

    return Users(stack.url, stack.jwt_secret)  # type: ignore[attr-defined]


@pytest.fixture
def student(users: object) -> object:
    return users.student()  # type: ignore[attr-defined]


@pytest.fixture
def teacher(users: object) -> object:
    return users.teacher()  # type: ignore[attr-defined]


@pytest.fixture
def admin(users: object) -> object:
    return users.admin()  # type: ignore[attr-defined]
