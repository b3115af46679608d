"""Errors of campaigns and sending: one line meant for a person, raised before anything is sent."""

from __future__ import annotations


class CampaignError(Exception):
    """The campaign file, a template, a trait or the channel settings are wrong (one line)."""
