"""The HTTP layer: a threading HTTP/1.1 server that hands requests to the Api or the Admin endpoints."""

from __future__ import annotations

import contextlib
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .admin import Admin
from .api import Api, Request


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: Api, admin: Admin) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.admin = admin


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so SDK clients reuse connections
    server_version = "stripe-emulator"
    sys_version = ""
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle plus delayed ACKs adds ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet by default: no per-request noise on stderr."""

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, split.path, split.query, self.headers, body)
        if split.path.startswith("/_emulator/"):
            response = self.server.admin.handle(request)
        else:
            response = self.server.api.handle(request)
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        headers = {"Content-Type": "application/json", **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
