"""Local HTTP receivers that misbehave, for the outbound tests (destinations, campaign webhooks)."""

from __future__ import annotations

import socket
import threading


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
