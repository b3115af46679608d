"""The delivery core's rate limit and backoff, and --rate on a real run."""

from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import Engine

from app.outbound.messages import Campaign
from app.outbound.messages.sender import SendOptions, send_campaign
from app.outbound.ratelimit import RateLimiter, parse_rate
from app.outbound.retry import Backoff
from tests.outbound.conftest import SmtpServer, add_people, campaign_dict, person


@pytest.mark.parametrize("text, per_second", [("10/s", 10.0), ("600/m", 10.0), ("36/h", 0.01), ("2.5/sec", 2.5)])
def test_parse_rate(text: str, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["10", "0/s", "ten/s", "5/day", "-1/s"])
def test_parse_rate_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="rate must"):
        parse_rate(text)


def test_token_bucket_paces_after_one_seconds_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(5.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(15):
        limiter.acquire()
    # 5 at once (the burst), then 10 more at 5/s: 2 seconds.
    assert now[0] == pytest.approx(2.0)


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    b = Backoff(base=1.0, cap=8.0, attempts=3)
    rng = random.Random(1)
    delays = [b.delay(n, rng) for n in range(1, 7)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(8.0, 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling


def test_a_destination_failing_for_days_keeps_its_capped_backoff() -> None:
    """After ~1,000 failures in a row (about 2.6 days of a receiver down, at 5 minutes' cap)
    the backoff raised OverflowError (a float times 2 ** 1024) and stopped the worker."""
    b = Backoff(base=1.0, cap=300.0, attempts=0)
    rng = random.Random(1)
    for attempt in (1025, 5000, 10**6):
        assert 150.0 <= b.delay(attempt, rng) <= 300.0


def test_rate_limits_a_real_run(engine: Engine, smtp: SmtpServer) -> None:
    people = {f"r{i}": person(i, gender="female") for i in range(12)}
    add_people(engine, people, orders=dict.fromkeys(people, 3))
    started = time.monotonic()
    summary = send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=smtp.url,
                            options=SendOptions(rate=20.0))
    assert summary.sent == 12 and len(smtp.handler.received) == 12
    assert time.monotonic() - started < 5  # 12 fit in one second's burst of 20
    more_people = {f"s{i}": person(100 + i, gender="female") for i in range(30)}
    add_people(engine, more_people, orders=dict.fromkeys(more_people, 3))
    started = time.monotonic()
    more = send_campaign(engine, Campaign.from_dict(campaign_dict()), smtp_url=smtp.url,
                         options=SendOptions(rate=20.0))
    assert more.sent == 30
    assert time.monotonic() - started >= (30 - 20) / 20 * 0.9  # 10 beyond the burst at 20/s
