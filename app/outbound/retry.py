"""Delivery outcomes and retry timing shared by every channel."""

from __future__ import annotations

import random
from dataclasses import dataclass


class DeliveryError(Exception):
    """A delivery did not succeed; `reason` is one line (the server's reply where there is one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryError):
    """Certainly not delivered, worth retrying (4xx, connection refused, 429/5xx of a webhook).

    `channel_down`: the server could not be reached at all, so the next item would fail too.
    """

    def __init__(self, reason: str, *, channel_down: bool = False) -> None:
        super().__init__(reason)
        self.channel_down = channel_down


class PermanentFailure(DeliveryError):
    """Refused for good (5xx of SMTP, 4xx of a webhook): recorded for the person, not retried."""


class UncertainDelivery(DeliveryError):
    """The connection broke after the message was handed over: it may or may not have arrived.
    Never retried automatically (that could deliver it twice)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n (1-based) waits up to base * 2**(n-1)."""

    base: float = 2.0
    cap: float = 300.0
    attempts: int = 3  # transmissions of one item within one run

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        # The exponent is bounded: a float times 2 ** 1024 overflows, after ~1,000 failures in a row.
        ceiling = min(self.cap, self.base * 2.0 ** min(max(0, attempt - 1), 64))
        return (rng or random).uniform(ceiling / 2, ceiling)
