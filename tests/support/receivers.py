"""Local HTTP receivers that misbehave, for the outbound tests (destinations, campaign webhooks)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HugeAnswerServer:
    """Answers one POST with `status` and a 256 MB body that starts with `first_line`, counting
    what it managed to send before the sender hung up."""

    SIZE = 256 * 1024 * 1024

    def __init__(self, status: bytes = b"400 Bad Request", first_line: bytes = b"first line of the answer\n") -> None:
        self.status = status
        self.first_line = first_line
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:  # the whole request, so the sender is not cut off writing it
                body += conn.recv(65536)
            head = (b"HTTP/1.1 " + self.status + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    b"Content-Length: %d\r\n\r\n" % self.SIZE)
            chunk = b"x" * (1 << 20)
            try:
                conn.sendall(head + self.first_line)
                self.sent = len(self.first_line)
                while self.sent < self.SIZE:
                    conn.sendall(chunk)
                    self.sent += len(chunk)
            except OSError:
                pass  # the sender hung up: what a bounded reader does
            self.done.set()

    def close(self) -> None:
        self.sock.close()


class KeepAliveReceiver:
    """HTTP/1.1 that answers every POST 200 with a Content-Length, so a client keeps its
    connection for the next request; counts the connections made and those still open (a
    connection ends when the client closes it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts = 0
        self.connections = 0
        self.open = 0
        state = self

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with state.lock:
                    state.connections += 1
                    state.open += 1

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with state.lock:
                        state.open -= 1

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with state.lock:
                    state.posts += 1
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
