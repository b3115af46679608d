"""A deadline for a whole exchange with a server, not only for each read.

A socket's timeout (and httpx's read timeout) bounds the wait for the next bytes, and every byte
that arrives starts it again: a receiver that drips its answer a byte at a time, within the
timeout, held a destination's worker or 'tracklens send' for as long as it liked (days). Here each
read and write of an exchange may wait at most what is left of the exchange's deadline, so the
exchange ends at the deadline whatever the other side does, as a timeout (socket.timeout /
httpcore.ReadTimeout), which the callers already treat as one. Resolving the server's name is part
of the exchange too (resolve, create_connection): the standard library's resolver has no timeout,
and a host whose resolution hung held the worker before the deadline's first read.
"""

from __future__ import annotations

import contextlib
import io
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpcore
import httpx

#: Longest one exchange (connect, send, the whole answer) may take where nothing says otherwise.
EXCHANGE_SECONDS = 60.0


class Deadline:
    """When the current exchange must end (time.monotonic()), or None between exchanges."""

    def __init__(self) -> None:
        self._local = threading.local()

    def start(self, seconds: float) -> None:
        self._local.at = time.monotonic() + seconds

    def clear(self) -> None:
        self._local.at = None

    @contextlib.contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        self.start(seconds)
        try:
            yield
        finally:
            self.clear()

    def left(self, timeout: float | None) -> float | None:
        """The wait allowed for the next read or write: `timeout`, or less near the deadline;
        raises TimeoutError once it has passed."""
        at = getattr(self._local, "at", None)
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the exchange took longer than its deadline")
        return left if timeout is None or left < timeout else timeout


class _Lookup:
    """One name resolution running on a thread of its own, which a caller waits for at most
    what its deadline leaves: the standard library's resolver (getaddrinfo, and getfqdn's
    gethostbyaddr) has no timeout."""

    def __init__(self, key: tuple[str, int], lookup: Callable[[], Any] | None = None) -> None:
        self.key = key
        self.lookup = lookup or (lambda: socket.getaddrinfo(key[0], key[1], 0, socket.SOCK_STREAM))
        self.done = threading.Event()
        self.addresses: Any = []
        self.error: OSError | None = None
        threading.Thread(target=self._run, name=f"resolve {key[0]}", daemon=True).start()

    def _run(self) -> None:
        try:
            self.addresses = self.lookup()
        except OSError as exc:
            self.error = exc
        finally:
            with _LOOKUPS_LOCK:
                if _LOOKUPS.get(self.key) is self:
                    del _LOOKUPS[self.key]
            self.done.set()


#: the resolutions under way, by (host, port): a resolver that hangs holds one thread per name,
#: which every later attempt waits for, instead of one more per attempt
_LOOKUPS: dict[tuple[str, int], _Lookup] = {}
_LOOKUPS_LOCK = threading.Lock()


def resolve(host: str, port: int, deadline: Deadline, timeout: float | None) -> list[Any]:
    """getaddrinfo(host, port) for a TCP connection, waiting at most what is left of `deadline`
    (and `timeout`): socket.timeout past it (the resolution goes on in the background, and the
    next attempt waits for the same one). An address needs no resolver and no thread."""
    try:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror:
        pass
    wait = deadline.left(timeout)
    key = (host, port)
    with _LOOKUPS_LOCK:
        lookup = _LOOKUPS.get(key)
        if lookup is None:
            lookup = _LOOKUPS[key] = _Lookup(key)
    if not lookup.done.wait(wait):
        raise TimeoutError(f"resolving {host} took longer than {wait:g} s")
    if lookup.error is not None:
        raise lookup.error
    return lookup.addresses


#: The key of the lookup of this machine's own name among _LOOKUPS (no host is named so).
_LOCAL_NAME = ("<this machine>", 0)


def local_name(deadline: Deadline, timeout: float | None) -> str | None:
    """This machine's fully qualified name (socket.getfqdn(), what smtplib would say in EHLO),
    waiting at most what is left of `deadline` (and `timeout`): None past it, or when it is not
    a dotted name. getfqdn asks the resolver (gethostbyaddr) with no timeout, so smtplib's own
    lookup held 'tracklens send' for as long as a hung resolver hung; here a lookup that hangs
    is waited for by every later one instead of starting another thread."""
    wait = deadline.left(timeout)
    with _LOOKUPS_LOCK:
        lookup = _LOOKUPS.get(_LOCAL_NAME)
        if lookup is None:
            lookup = _LOOKUPS[_LOCAL_NAME] = _Lookup(_LOCAL_NAME, socket.getfqdn)
    if not lookup.done.wait(wait) or lookup.error is not None:
        return None
    name = lookup.addresses
    return name if isinstance(name, str) and "." in name else None


def create_connection(address: tuple[str, int], deadline: Deadline, timeout: float | None,
                      source_address: tuple[str, int] | None = None) -> socket.socket:
    """socket.create_connection(address, timeout), its name resolution and each connection
    attempt waiting at most what is left of `deadline`: a host whose resolver hangs is a timeout
    at the deadline, like a server that does not answer. The socket keeps that wait as its
    timeout (a TLS handshake that follows is bounded by it too)."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _name, target in resolve(host, port, deadline, timeout):
        wait = deadline.left(timeout)
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(wait)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(target)
            return sock
        except OSError as exc:  # the next address, else the last error
            sock.close()
            last = exc
    raise last if last is not None else OSError(f"no address for {host}")


class _Reader(io.RawIOBase):
    """The reading side of a BoundedSocket, for http.client's and smtplib's buffered files: the
    socket's own unbuffered file (which keeps the socket open while it is, as http.client expects
    of a response read after its connection closed), each read bounded."""

    def __init__(self, owner: BoundedSocket) -> None:
        self._owner = owner
        self._raw = owner.sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._owner.bound()
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class BoundedSocket:
    """A connected socket whose reads and writes each wait at most what is left of `deadline`
    (and at most `timeout`); everything else is the socket's own."""

    def __init__(self, sock: socket.socket, deadline: Deadline, timeout: float | None) -> None:
        self.sock = sock
        self.deadline = deadline
        self.timeout = timeout
        self._wait = sock.gettimeout()

    def bound(self) -> None:
        """The socket's timeout for its next operation (set only when it changes)."""
        wait = self.deadline.left(self.timeout)
        if wait != self._wait:
            self.sock.settimeout(wait)
            self._wait = wait

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)

    def makefile(self, mode: str = "r", *args: Any, **kwargs: Any) -> io.BufferedReader:
        if mode not in ("r", "rb"):
            raise ValueError(f"only reading files, not {mode!r}")
        return io.BufferedReader(_Reader(self))

    def sendall(self, data: Any, *args: Any) -> None:
        self.bound()  # sendall's timeout is for the whole of it
        self.sock.sendall(data, *args)

    def send(self, data: Any, *args: Any) -> int:
        self.bound()
        return self.sock.send(data, *args)

    def close(self) -> None:
        self.sock.close()


class BoundedContext:
    """An ssl.SSLContext whose wrapped sockets are BoundedSockets (smtplib's STARTTLS and
    SMTP_SSL wrap the socket they were given, which must be a real one)."""

    def __init__(self, context: ssl.SSLContext, deadline: Deadline, timeout: float | None) -> None:
        self.context = context
        self.deadline = deadline
        self.timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self.context, name)

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> BoundedSocket:
        if isinstance(sock, BoundedSocket):
            sock.bound()  # the handshake, too
            sock = sock.sock
        return BoundedSocket(self.context.wrap_socket(sock, *args, **kwargs), self.deadline, self.timeout)


class _Stream(httpcore.NetworkStream):
    """An httpcore stream whose reads and writes wait at most what is left of the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            wait = self._deadline.left(timeout)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from None
        return self._inner.read(max_bytes, wait)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            wait = self._deadline.left(timeout)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from None
        self._inner.write(buffer, wait)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        try:
            wait = self._deadline.left(timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from None
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, wait), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, deadline: Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        """httpcore's own connect (socket.create_connection), with the name resolved first within
        the deadline and each resolved address tried in turn, as create_connection does."""
        try:
            addresses = resolve(host, port, self._deadline, timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        last: httpcore.ConnectError | None = None
        for *_rest, target in addresses:
            try:
                wait = self._deadline.left(timeout)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(str(exc)) from None
            try:
                stream = self._inner.connect_tcp(target[0], port, wait, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
                continue
            return _Stream(stream, self._deadline)
        raise last if last is not None else httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options), self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound(transport: Any, deadline: Deadline) -> None:
    """Make an httpx.HTTPTransport's connections (direct or through a proxy) keep `deadline`:
    httpx has no setting for a whole request's time, and its pool takes a network backend."""
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "_network_backend"):
        raise TypeError(f"cannot bound the connections of {type(transport).__name__}")
    pool._network_backend = _Backend(deadline)


class DeadlineClient(httpx.Client):
    """An httpx.Client whose every request (a streamed one until its response is closed) ends
    within `deadline` seconds: by default EXCHANGE_SECONDS, and never before `timeout`."""

    def __init__(self, *, timeout: float, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.deadline_seconds = deadline if deadline is not None else max(EXCHANGE_SECONDS, timeout)
        self._deadline = Deadline()
        # The client's own transport and those of the proxies it took from the environment.
        for transport in (self._transport, *self._mounts.values()):
            if transport is not None:
                _bound(transport, self._deadline)

    @contextlib.contextmanager
    def stream(self, *args: Any, **kwargs: Any) -> Iterator[httpx.Response]:
        with self._deadline.running(self.deadline_seconds), super().stream(*args, **kwargs) as response:
            yield response

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        with self._deadline.running(self.deadline_seconds):
            return super().request(*args, **kwargs)
