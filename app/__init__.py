"""Tracklens: a desktop product-analytics viewer for your own Segment-spec event database."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tracklens")
except PackageNotFoundError:  # running from a frozen bundle without metadata
    __version__ = "0.1.0"
