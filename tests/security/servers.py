"""Loopback servers for the outbound-policy tests: one that counts every connection it accepts (the
proof that nothing reached a refused address), and one that answers with a redirect."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


class CountingListener:
    """Listens on 127.0.0.1 and ::1 on one port; counts accepted TCP connections and answers 200."""

    def __init__(self, port: int = 0) -> None:
        self.accepted: list[str] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        v4.bind(("127.0.0.1", port))
        self.port = v4.getsockname()[1]
        self._sockets.append(v4)
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::1", self.port))
            self._sockets.append(v6)
        except OSError:
            self.ipv6 = False
        else:
            self.ipv6 = True
        for sock in self._sockets:
            sock.listen(64)
            sock.settimeout(0.2)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()
        self._stopped = False

    def _serve(self, sock: socket.socket) -> None:
        while not getattr(self, "_stopped", False):
            try:
                conn, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted.append(str(peer[0]))
            with contextlib.suppress(OSError):
                conn.settimeout(1)
                conn.recv(65536)
                conn.sendall(OK)
            conn.close()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def close(self) -> None:
        self._stopped = True
        for sock in self._sockets:
            sock.close()


class RedirectServer:
    """An HTTP server on ``host`` answering every request with ``302 Location: <location>``."""

    def __init__(self, host: str, location: str) -> None:
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _redirect(self) -> None:
                server.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _redirect

            def log_message(self, *args: object) -> None:
                return None

        self.http = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
