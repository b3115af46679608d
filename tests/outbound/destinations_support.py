"""A scripted HTTP receiver on 127.0.0.1 (answers, Retry-After, delays, going down) and test events."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.ingest.writer import EventWriter


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    at: float

    def messages(self) -> list[dict[str, Any]]:
        """The messages of a webhook/segment body (one message or {"batch": [...]}) or a Mixpanel list."""
        if isinstance(self.body, list):
            return self.body
        if isinstance(self.body, dict) and "batch" in self.body:
            return list(self.body["batch"])
        return [self.body]

    def basic_user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        return base64.b64decode(auth[6:]).decode().partition(":")[0]


@dataclass
class Receiver:
    """Answers each POST with the next scripted (status, headers) or 200; records every request."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    #: requests whose body has been read (answered or not yet)
    arrived: int = 0
    #: when an Event: each request is answered only once it is set (a destination still busy
    #: with a batch for as long as a test needs)
    hold: threading.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Receiver:
        state = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with state.lock:
                    state.arrived += 1
                if state.hold is not None:
                    state.hold.wait(15)
                if state.delay:
                    time.sleep(state.delay)
                with state.lock:
                    status, headers = state.script.pop(0) if state.script else (200, {})
                    state.hits.append(Hit(self.path, dict(self.headers), json.loads(body), status, time.monotonic()))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "refused: bad field"}')

            def log_message(self, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handle)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ok_hits(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if 200 <= h.status < 300]

    def delivered(self) -> list[dict[str, Any]]:
        """Every message of every 2xx-answered request, in arrival order."""
        return [m for h in self.ok_hits() for m in h.messages()]


def track(i: int, event: str = "Order Completed", **props: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "userId": f"u{i % 7}", "anonymousId": f"anon-{i}",
            "messageId": f"m-{i:05d}", "timestamp": f"2026-11-{1 + i % 20:02d}T10:{i % 60:02d}:00.000Z",
            "properties": props, "context": {"library": {"name": "test", "version": "1"}, "ip": "127.0.0.1"}}


def mixed_messages(n: int) -> list[dict[str, Any]]:
    """n messages of every type; track prices 0, 50, 100, 150, ... so filters have something to cut."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 6
        if kind == 0:
            out.append(track(i, price=(i * 25) % 300, plan="pro" if i % 4 else "free"))
        elif kind == 1:
            out.append(track(i, event="Signed Up", price=500))
        elif kind == 2:
            out.append({"type": "page", "anonymousId": f"anon-{i}", "messageId": f"m-{i:05d}", "name": "Home",
                        "properties": {"url": "https://shop.example/", "path": "/"},
                        "timestamp": "2026-11-02T10:00:00.000Z", "context": {"page": {"title": "Shop"}}})
        elif kind == 3:
            out.append({"type": "identify", "userId": f"u{i % 7}", "messageId": f"m-{i:05d}",
                        "traits": {"email": f"u{i % 7}@example.com", "tier": "gold" if i % 2 else "silver"},
                        "timestamp": "2026-11-03T10:00:00.000Z"})
        elif kind == 4:
            out.append({"type": "group", "userId": f"u{i % 7}", "groupId": "acme", "messageId": f"m-{i:05d}",
                        "traits": {"size": 10}, "timestamp": "2026-11-04T10:00:00.000Z"})
        else:
            out.append({"type": "alias", "userId": f"u{i % 7}", "previousId": f"anon-{i}",
                        "messageId": f"m-{i:05d}", "timestamp": "2026-11-05T10:00:00.000Z"})
    return out


def store_messages(engine: Engine, messages: list[dict[str, Any]]) -> None:
    result = EventWriter(engine, enrich=False).write(messages)
    assert not result.rejected, result.rejected


def write_destinations(path: Path, destinations: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(destinations), encoding="utf-8")
    return path
