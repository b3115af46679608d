"""A campaign file names its unknown keys as a query does: wherever they are (a top-level
"audiance", a filter's "valeu" inside the audience query) and whatever else is wrong with the
file. The old check at the end of each object never ran when anything before it was refused, so
a campaign fixed for the one problem named could go out with the typo still dropped: an
"audiance" left the audience empty (everyone) without a word."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.outbound.messages.campaign import Campaign, load_campaign
from app.outbound.messages.errors import CampaignError

CAMPAIGN: dict[str, Any] = {
    "kind": "campaign", "name": "Pro welcome",
    "audience": {"where": [{"trait": "plan", "op": "eq", "value": "pro"}],
                 "did": [{"event": "Order Completed", "min": 2}]},
    "channel": {"type": "email", "from": "Brewline <hello@brewline.example>", "subject": "Hi", "text": "Hello"},
    "goal": {"event": "Order Completed", "within": {"days": 3}},
}


def _refusal(change: Any) -> str:
    data = copy.deepcopy(CAMPAIGN)
    change(data)
    with pytest.raises(CampaignError) as caught:
        Campaign.from_dict(data)
    return str(caught.value)


def test_the_campaign_reads() -> None:
    assert Campaign.from_dict(copy.deepcopy(CAMPAIGN)).audience == CAMPAIGN["audience"]


@pytest.mark.parametrize("change, message", [
    (lambda c: (c.update(audiance=c.pop("audience")), c["channel"].pop("from")),
     "unknown key 'audiance' (did you mean 'audience'?); also channel.from is required"),
    (lambda c: (c["audience"]["where"][0].update(valeu="pro"), c.update(name="")),
     "unknown key 'valeu' (did you mean 'value'?) in audience.where[0]; also name must be 1-200 printable characters"),
    (lambda c: (c["audience"]["did"][0].pop("event"), c["audience"]["did"][0].update(where=[{"property": "x", "op": "set", "Op": 1}])),
     "unknown key 'Op' (did you mean 'op'?) in audience.did[0].where[0]; also audience.did[0].event must be a non-empty string, got null"),
    (lambda c: (c.update(holdout=2, audiance={}), c["goal"]["within"].update(dayz=3)),
     "unknown key 'audiance' (did you mean 'audience'?); unknown key 'dayz' (did you mean 'days'?) in goal.within; also holdout must be a share from 0 up to "
     "(not including) 1, got 2"),
    (lambda c: (c["channel"].update(type="sms", subjct="Hi"), c["audience"].update(mtch="any")),
     "unknown key 'mtch' (did you mean 'match'?) in audience; unknown key 'subjct' (did you mean 'subject'?) in channel; also channel.type must be one of email, "
     "webhook; got 'sms'"),
])
def test_unknown_keys_of_a_campaign_are_named_whatever_else_is_wrong(change: Any, message: str) -> None:
    assert _refusal(change) == message


def test_a_campaign_file_names_its_unknown_keys(tmp_path: Path) -> None:
    data = copy.deepcopy(CAMPAIGN)
    data["audiance"] = data.pop("audience")
    data["channel"]["type"] = "carrier pigeon"
    path = tmp_path / "welcome.campaign.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert str(caught.value) == ("welcome.campaign.json: unknown key 'audiance' (did you mean 'audience'?); also channel.type must be one of "
                                 "email, webhook; got 'carrier pigeon'")
