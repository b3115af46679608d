"""Segment-spec ingestion: validation, enrichment, identity merge and storage (Qt-free)."""
