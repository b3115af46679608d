"""Demo data: a deterministic believable product and live traffic (Qt-free)."""
