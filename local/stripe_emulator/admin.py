"""Emulator-only endpoints under /_emulator/ (no auth): reset, 3-D Secure, faults, disputes, clock, events."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlencode

from .api import Api, Request, Response
from .errors import StripeError, invalid_request
from .faults import MODES
from .ids import new_id
from .resources import confirmation, disputes
from .wire import decode_form, encode_json

AdminHandler = Callable[["Admin", Request, dict[str, str], str], Response]


class Admin:
    def __init__(self, api: Api, reset: Callable[[], None]) -> None:
        self.api = api
        self._reset = reset

    def handle(self, request: Request) -> Response:
        request_id = new_id("req")
        for method, pattern, handler in _ROUTES:
            found = pattern.match(request.path)
            if found and method == request.method:
                try:
                    response = handler(self, request, found.groupdict(), request_id)
                except StripeError as error:
                    body = error.body(request_id, self.api.clock.timestamp())
                    response = Response(error.status, encode_json(body))
                except (ValueError, KeyError) as error:
                    response = Response(
                        400, encode_json({"error": {"type": "invalid_request_error", "message": str(error)}})
                    )
                response.headers["Request-Id"] = request_id
                return response
        return Response(
            404,
            encode_json({"error": {"type": "invalid_request_error", "message": "Unknown emulator endpoint"}}),
        )

    def reset(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        self._reset()
        return _json({"reset": True})

    def authenticate(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        params = _params(request)
        outcome = params.get("outcome", "succeed")
        if outcome not in ("succeed", "fail"):
            raise invalid_request("outcome must be succeed or fail", param="outcome")
        ctx = self.api.context(request_id)
        with self.api.state.lock:
            payment_intent = ctx.state.require("payment_intent", args["id"])
            confirmation.authenticate(ctx, payment_intent, succeed=outcome == "succeed")
            return_url = ctx.state.return_urls.pop(payment_intent["id"], None)
            body = encode_json(payment_intent)
            redirect_status = "succeeded" if payment_intent["status"] in ("succeeded", "requires_capture") else "failed"
            query = {
                "payment_intent": payment_intent["id"],
                "payment_intent_client_secret": payment_intent["client_secret"],
                "redirect_status": redirect_status,
            }
        if request.method == "GET" and return_url:
            # The browser-facing challenge page: finish 3-D Secure and send the customer back.
            separator = "&" if "?" in return_url else "?"
            return Response(302, b"", {"Location": f"{return_url}{separator}{urlencode(query)}"})
        return Response(200, body, {"Content-Type": "application/json"})

    def add_fault(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        spec = json.loads(request.body or b"{}")
        if spec.get("mode") not in MODES:
            raise invalid_request(f"mode must be one of {', '.join(MODES)}", param="mode")
        self.api.faults.add(
            spec.get("method", "*"),
            spec.get("path_prefix", "/v1/"),
            spec["mode"],
            int(spec.get("count", 1)),
            float(spec.get("delay_seconds", 0)),
        )
        return _json({"added": spec})

    def clear_faults(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        self.api.faults.clear()
        return _json({"cleared": True})

    def dispute(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        params = _params(request)
        amount = int(params["amount"]) if params.get("amount") else None
        ctx = self.api.context(request_id)
        with self.api.state.lock:
            dispute = disputes.open_dispute(ctx, args["id"], params.get("reason", "fraudulent"), amount)
            return _json(dispute)

    def advance_clock(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        self.api.clock.advance(float(_params(request)["seconds"]))
        return _json({"now": self.api.clock.timestamp()})

    def events(self, request: Request, args: dict[str, str], request_id: str) -> Response:
        with self.api.state.lock:
            return _json({"object": "list", "data": self.api.state.newest_first("event"), "has_more": False})


def _params(request: Request) -> dict[str, str]:
    """Accept a form body, a JSON body or query parameters."""
    params = decode_form(request.query)
    body = request.body.strip()
    if body.startswith(b"{"):
        params.update(json.loads(body))
    elif body:
        params.update(decode_form(body.decode()))
    return params


def _json(body: object) -> Response:
    return Response(200, encode_json(body), {"Content-Type": "application/json"})


_ROUTES: list[tuple[str, re.Pattern[str], AdminHandler]] = [
    ("POST", re.compile(r"^/_emulator/reset$"), Admin.reset),
    ("POST", re.compile(r"^/_emulator/payment_intents/(?P<id>[^/]+)/authenticate$"), Admin.authenticate),
    ("GET", re.compile(r"^/_emulator/payment_intents/(?P<id>[^/]+)/authenticate$"), Admin.authenticate),
    ("POST", re.compile(r"^/_emulator/faults$"), Admin.add_fault),
    ("DELETE", re.compile(r"^/_emulator/faults$"), Admin.clear_faults),
    ("POST", re.compile(r"^/_emulator/charges/(?P<id>[^/]+)/dispute$"), Admin.dispute),
    ("POST", re.compile(r"^/_emulator/clock/advance$"), Admin.advance_clock),
    ("GET", re.compile(r"^/_emulator/events$"), Admin.events),
]
