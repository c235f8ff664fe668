"""Bookings: a teacher confirms or declines (refund in full); students and teachers list theirs."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from linguaflex import factory
from linguaflex.http import build_app, current_identity, lambda_handler_for, ok, require_role, route
from linguaflex.models.requests import BookingDecisionBody

app = build_app()


@route(app, "GET", "/api/payments/bookings/")
def list_bookings(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    student_id: Annotated[int | None, Query(ge=1)] = None,
    teacher_id: Annotated[int | None, Query(ge=1)] = None,
):
    identity = current_identity(app)
    return ok(factory.booking_service().list(identity, limit, cursor, student_id, teacher_id))


@route(app, "POST", "/api/payments/bookings/<booking_id>/confirm/")
def confirm_booking(booking_id: int):
    identity = current_identity(app)
    require_role(identity, "teacher", "admin")
    return ok(factory.booking_service().confirm(identity, booking_id))


@route(app, "POST", "/api/payments/bookings/<booking_id>/decline/")
def decline_booking(booking_id: int, body: BookingDecisionBody | None = None):
    identity = current_identity(app)
    require_role(identity, "teacher", "admin")
    return ok(factory.booking_service().decline(identity, booking_id, body.reason if body else None))


lambda_handler = lambda_handler_for(app)
