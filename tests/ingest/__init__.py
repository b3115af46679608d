"""Ingestion tests: messages, enrichment, identity, writer, importer, demo."""
