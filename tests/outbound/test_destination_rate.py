"""A destination's `rate`: parsed from the file, and applied by the forwarder to every POST."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine

from app.outbound.destinations.config import DestinationError, parse_destinations
from app.outbound.destinations.forwarder import STOPPED, DestinationWorker
from app.outbound.ratelimit import RateLimiter
from app.outbound.retry import Backoff
from tests.outbound.destinations_support import Receiver, store_messages, track

FAST = Backoff(base=0.01, cap=0.05, attempts=0)


def test_rate_in_the_destinations_file() -> None:
    (d,) = parse_destinations([{"name": "h", "type": "webhook", "url": "http://x.example", "rate": "600/m"}])
    assert d.rate == pytest.approx(10.0)
    (none,) = parse_destinations([{"name": "h", "type": "webhook", "url": "http://x.example"}])
    assert none.rate is None
    for bad in ("fast", "0/s", 10):
        with pytest.raises(DestinationError, match=r"destinations\[0\]\.rate must"):
            parse_destinations([{"name": "h", "type": "webhook", "url": "http://x.example", "rate": bad}])


def test_a_batch_larger_than_the_burst_is_paid_off_before_the_next() -> None:
    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    limiter = RateLimiter(10.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.acquire(25)  # a full bucket (10) lets it go, 15 in debt
    assert now[0] == 0.0
    assert limiter.acquire(10)  # debt paid (1.5 s) and a full bucket again (1 s)
    assert now[0] == pytest.approx(2.5)
    assert limiter.acquire(1)
    assert now[0] == pytest.approx(2.6)


def test_the_forwarder_paces_a_destination_and_stop_interrupts_the_wait(engine: Engine) -> None:
    rx = Receiver().start()
    try:
        store_messages(engine, [track(i, price=i) for i in range(40)])
        (dest,) = parse_destinations([{"name": "slow", "type": "webhook", "url": rx.url, "batch": 10,
                                       "rate": "20/s"}])
        w = DestinationWorker(engine, dest, backoff=FAST)
        started = time.monotonic()
        assert w.catch_up().sent == 40
        elapsed = time.monotonic() - started
        w.close()
        # 20 at once (one second's burst), then 20 more at 20/s: about a second.
        assert elapsed >= 0.9
        times = [h.at for h in rx.ok_hits()]
        assert len(times) == 4 and times[3] - times[2] >= 0.45
        assert [m["messageId"] for m in rx.delivered()] == [f"m-{i:05d}" for i in range(40)]

        store_messages(engine, [track(100 + i, price=i) for i in range(40)])
        (slower,) = parse_destinations([{"name": "slower", "type": "webhook", "url": rx.url, "batch": 40,
                                         "rate": "1/h"}])
        stop = threading.Event()
        w2 = DestinationWorker(engine, slower, backoff=FAST, stop=stop)
        assert w2.step() != STOPPED  # the first batch fits the (one message) burst, in debt after
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        assert w2.step() == STOPPED  # waiting for the rate, not an hour
        assert time.monotonic() - started < 5
        w2.close()
    finally:
        rx.stop()
