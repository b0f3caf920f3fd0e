"""A threaded HTTP server with fault injection and a call log, shared by the contract servers."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Reply(Exception):
    """Raised by a route to answer with ``status``, ``body`` and ``headers``."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class ContractServer:
    """Subclasses implement ``route(method, path, headers, body) -> (status, body, headers)``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []  # (operation, outcome) in arrival order
        self.faults: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload, extra = server.dispatch(self.command, self.path, headers, body)
                data = (
                    payload
                    if isinstance(payload, bytes)
                    else (b"" if payload is None else json.dumps(payload).encode())
                )
                self.send_response(status)
                if not isinstance(payload, bytes) and payload is not None:
                    self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> ContractServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- faults --------------------------------------------------------------------------------------
    def inject(self, operation: str, **fault: Any) -> None:
        """The next call of ``operation`` meets ``fault``: status=503, throttle=True, rate_limit=secs,
        or lose_answer=secs (the operation happens, the answer comes too late for the client)."""
        with self.lock:
            self.faults[operation].append(fault)

    def take_fault(self, operation: str) -> dict[str, Any] | None:
        with self.lock:
            queue = self.faults.get(operation)
            return queue.popleft() if queue else None

    def count(self, operation: str, outcome: str | None = None) -> int:
        with self.lock:
            return sum(1 for op, out in self.calls if op == operation and (outcome is None or out == outcome))

    def record(self, operation: str, outcome: str) -> None:
        with self.lock:
            self.calls.append((operation, outcome))

    def dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        try:
            return self.route(method, path, headers, body)
        except Reply as reply:
            return reply.status, reply.body, reply.headers

    def route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    @staticmethod
    def late(seconds: float) -> None:
        time.sleep(seconds)
