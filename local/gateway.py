"""A local HTTP API: routes from template.yaml, the Lambda authorizer run as API Gateway runs it."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local import events, openapi
from local.lambda_runtime import FunctionPool
from local.template_model import Route, authorizer_function, functions, load_template, routes

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own limit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent clients (tests fire 20 at once) must not be refused


class LocalHttpApi:
    def __init__(self, host: str = "127.0.0.1", port: int = 8000, pool_size: int = 4) -> None:
        template = load_template()
        specs = functions(template)
        self.routes: list[Route] = routes(template)
        self.pools = {name: FunctionPool(spec, pool_size) for name, spec in specs.items()}
        self.authorizer = self.pools[authorizer_function(template)]
        self._server = _Server((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-http-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        if method == "GET":  # Swagger UI and the merged OpenAPI document, local stack only
            docs = openapi.docs_response(split.path, split.query, self.url)
            if docs is not None:
                return docs
        for route in self.routes:
            params = route.match(method, split.path)
            if params is None:
                continue
            event = events.http_event(method, split.path, route.route_key, headers, split.query, body, params or None)
            if route.authorized:
                denied = self._authorize(event)
                if denied:
                    return denied
            return _to_http(self.pools[route.function].invoke(event))
        return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'

    def _authorize(self, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
        # API Gateway answers these itself: 401 without the identity source, 403 when refused.
        if not event["headers"].get("authorization"):
            return 401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}'
        try:
            result = self.authorizer.invoke(events.authorizer_event(event))
        except Exception:  # an authorizer crash is API Gateway's 500, never an open door
            return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
        if not isinstance(result, dict) or result.get("isAuthorized") is not True:
            return 403, {"content-type": "application/json"}, b'{"message":"Forbidden"}'
        events.with_authorizer_context(event, result.get("context") or {})
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_PAYLOAD_BYTES:
                    self._reply(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                try:
                    status, out_headers, payload = api.dispatch(self.command, self.path, headers, body)
                except Exception:  # a handler crash: Lambda's 502, as API Gateway reports it
                    status, out_headers, payload = (
                        502,
                        {"content-type": "application/json"},
                        b'{"message":"Internal Server Error"}',
                    )
                self._reply(status, out_headers, payload)

            def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in {"content-length", "connection"}:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.send_header("apigw-requestid", "local")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # the handlers' JSON logs are the log

        return Handler


def _to_http(result: Any) -> tuple[int, dict[str, str], bytes]:
    if not isinstance(result, dict) or "statusCode" not in result:
        # Payload 2.0 lets a handler return a bare object; API Gateway wraps it as JSON 200.
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()
    headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, payload
