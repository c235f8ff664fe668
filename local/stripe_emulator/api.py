"""Request processing for /v1: faults, auth, routing, idempotency, expansion and the error envelope.

Independent of the HTTP server so the whole pipeline reads top to bottom in `Api.handle`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from . import auth, faults, routes
from .clock import Clock
from .context import Context
from .errors import StripeError, invalid_request
from .expand import expand
from .idempotency import IdempotencyStore, StoredResponse
from .ids import new_id
from .params import as_list
from .store import State
from .webhooks import WebhookDispatcher
from .wire import decode_form, encode_json

DEFAULT_API_VERSION = "2026-10-28.endive"
_logger = logging.getLogger(__name__)


class Headers(Protocol):
    def get(self, name: str, default: None = None) -> str | None: ...


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: Headers  # case-insensitive, as http.server provides them
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    store: bool = True  # may be remembered under an idempotency key


class Api:
    def __init__(self, state: State, clock: Clock, dispatcher: WebhookDispatcher) -> None:
        self.state = state
        self.clock = clock
        self.dispatcher = dispatcher
        self.idempotency = IdempotencyStore(clock)
        self.faults = faults.FaultPlan()
        self.base_url = ""
        self.request_log: list[tuple[str, str]] = []
        self._log_lock = threading.Lock()

    def context(self, request_id: str, api_version: str = DEFAULT_API_VERSION) -> Context:
        return Context(self.state, self.clock, self.dispatcher, request_id, api_version, self.base_url)

    def handle(self, request: Request) -> Response:
        request_id = new_id("req")
        if request.path.startswith("/v1"):
            with self._log_lock:
                self.request_log.append((request.method, request.path))
        fault = self.faults.take(request.method, request.path)
        if fault is not None and fault.mode == faults.DROP_BEFORE:
            return Response(0, drop=True)
        api_version = request.headers.get("Stripe-Version") or DEFAULT_API_VERSION
        headers = {"Request-Id": request_id, "Stripe-Version": api_version}
        try:
            if fault is not None and fault.mode in (faults.HTTP_500, faults.HTTP_429):
                raise _injected_error(fault.mode)
            response = self._authenticated(request, request_id, api_version, fault)
        except StripeError as error:
            response = self._error_response(error, request_id)
        response.headers = {**headers, **response.headers}
        response.drop = fault is not None and fault.mode == faults.DROP_AFTER
        return response

    def _authenticated(
        self, request: Request, request_id: str, api_version: str, fault: faults.Fault | None
    ) -> Response:
        auth.check(request.headers)
        found = routes.match(request.method, request.path)
        if found is None:
            raise invalid_request(
                f"Unrecognized request URL ({request.method}: {request.path}). Please see https://stripe.com/docs "
                "or we can help at https://support.stripe.com/.",
                status=404,
            )
        handler, path_args = found
        params = decode_form(request.query)
        if request.method == "POST":
            params.update(decode_form(request.body.decode()))
        ctx = self.context(request_id)  # events render in the account default version, not the request's
        ctx.params, ctx.path = params, path_args
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if not key:
            return self._execute(handler, ctx, fault)
        ctx.idempotency_key = key
        replay = self.idempotency.begin(key, (request.method, request.path, params))
        if replay is not None:
            return Response(
                replay.status,
                replay.body,
                {
                    "Idempotency-Key": key,
                    "Idempotent-Replayed": "true",
                    "Original-Request": replay.request_id,
                },
            )
        stored: StoredResponse | None = None
        try:
            response = self._execute(handler, ctx, fault)
            if response.store:
                stored = StoredResponse(response.status, response.body, request_id)
        finally:
            self.idempotency.finish(key, stored)
        response.headers["Idempotency-Key"] = key
        return response

    def _execute(self, handler: routes.Handler, ctx: Context, fault: faults.Fault | None) -> Response:
        if fault is not None and fault.mode == faults.DELAY:
            time.sleep(fault.delay_seconds)
        try:
            with self.state.lock:
                body = handler(ctx)
                paths = as_list(ctx.params.get("expand", []), "expand")
                return Response(200, encode_json(expand(self.state, body, paths)))
        except StripeError as error:
            response = self._error_response(error, ctx.request_id)
            response.store = error.stored
            return response
        except Exception:
            _logger.exception("stripe emulator: unhandled error in %s", handler.__name__)
            response = self._error_response(
                StripeError(500, "api_error", "An unknown error occurred", should_retry=True), ctx.request_id
            )
            response.store = False
            return response

    def _error_response(self, error: StripeError, request_id: str) -> Response:
        headers = {"Stripe-Should-Retry": "true" if error.should_retry else "false"}
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="Stripe"'
        return Response(error.status, encode_json(error.body(request_id, self.clock.timestamp())), headers)


def _injected_error(mode: str) -> StripeError:
    if mode == faults.HTTP_500:
        return StripeError(500, "api_error", "An unknown error occurred", should_retry=True, stored=False)
    return StripeError(
        429,
        "invalid_request_error",
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        code="rate_limit",
        stored=False,
    )
