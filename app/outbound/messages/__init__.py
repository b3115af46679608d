"""Campaigns: e-mail or notify the people of a users query, exactly once each, with a holdout.

campaign.py (the JSON model of `*.campaign.json`), templates.py (sandboxed Jinja2),
channels.py (SMTP and webhook), sender.py (one run of `tracklens send`), store.py (campaigns
saved in the database). Results are the `campaign_results` query kind (app.query).
"""

from app.outbound.messages.campaign import Campaign, CampaignError, load_campaign

__all__ = ["Campaign", "CampaignError", "load_campaign"]
