"""What leaves Tracklens: one delivery core for campaigns (`messages/`) and, later, destinations.

- ledger.py: the transactional outbox -- an item is recorded before it is sent and marked
  after, so nothing is delivered twice and nothing is skipped silently;
- retry.py: how a delivery failed (temporary, permanent, outcome unknown) and the backoff;
- ratelimit.py: a token bucket (`10/s`, `600/m`).

Qt-free (import-linter contract in pyproject.toml).
"""
