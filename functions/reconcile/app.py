"""Scheduled: settle payments left open by a crash or a timeout, from Stripe's truth."""

from dataclasses import asdict

from aws_lambda_powertools.utilities.typing import LambdaContext

from linguaflex import factory
from linguaflex.observability import logger, metrics, tracer


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return asdict(factory.reconciler().run())
