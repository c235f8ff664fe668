"""AWS clients, one per service per container, from botocore directly.

Not boto3: `import boto3` also imports s3transfer, concurrent.futures and multiprocessing (38 ms more CPU
than botocore alone for the same client, median of 14 paired processes in BENCHMARKS.md), and we use
nothing boto3 adds over botocore. The endpoint (`AWS_ENDPOINT_URL_DYNAMODB` points DynamoDB at moto
locally), region and credentials come from the environment, as with boto3.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().create_client(service)
