"""A token bucket for `--rate 10/s` and a destination's `rate`: bursts of at most one second's worth,
then the rate."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+)\s*$")
#: The slowest rate: one message a day (a wait for a slower one overflowed time.sleep).
MIN_PER_SECOND = 1 / 86400


def parse_rate(text: str) -> float:
    """'10/s', '600/m', '1000/h' -> messages per second (ValueError with a one-line reason)."""
    match = _RATE.match(text.lower())
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"rate must look like 10/s, 600/m or 1000/h, got {text!r}")
    per_second = float(match.group(1)) / _UNITS[match.group(2)]
    if per_second <= 0:
        raise ValueError(f"rate must be above zero, got {text!r}")
    if per_second < MIN_PER_SECOND:
        raise ValueError(f"rate must be at least one message a day, got {text!r}")
    return per_second


class RateLimiter:
    """`acquire()` blocks until one more delivery fits the rate (None: no limit)."""

    def __init__(self, per_second: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_second = per_second
        self.capacity = max(1.0, per_second or 1.0)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self, count: int = 1, *, stop: threading.Event | None = None) -> bool:
        """Take `count` deliveries' worth (a batch); False if `stop` was set while waiting.

        A batch larger than the burst waits for a full bucket and leaves it in debt, so the next
        one waits until the debt is paid: the average stays at the rate."""
        if self.per_second is None:
            return True
        with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.per_second)
                self._last = now
                need = min(float(count), self.capacity)
                # (a hair below counts: float rounding must not turn into endless tiny sleeps)
                if self._tokens >= need - 1e-9:
                    self._tokens -= count
                    if count <= self.capacity:
                        self._tokens = max(0.0, self._tokens)
                    return True
                wait = (need - self._tokens) / self.per_second
                if stop is None:
                    self._sleep(wait)
                elif stop.wait(wait):
                    return False
