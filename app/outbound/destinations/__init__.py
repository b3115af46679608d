"""Destinations: forward the stored events to webhooks, Segment-compatible endpoints and Mixpanel.

- config.py: the destinations file (`destinations.json`), filters from the query model, secrets;
- formats.py: the stored Segment message rebuilt from its row, and each destination's request;
- store.py: the per-destination cursor over `events.id`, dead letters and status, in the event
  database itself so a restart resumes where delivery stopped;
- forwarder.py: the delivery loop (batches in id order, retry with backoff, dead letters) and the
  threads that run it beside the collector.

See docs/destinations.md. Qt-free (import-linter contract in pyproject.toml).
"""
