"""A campaign or destinations file that holds nothing yet (made, not written; a byte order mark
alone) is said to be empty and what it should hold, not 'not valid JSON (line 1: Expecting
value)', as if something in it were wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.outbound.destinations.config import WANTED, DestinationError, load_destinations
from app.outbound.messages.campaign import load_campaign
from app.outbound.messages.errors import CampaignError

EMPTY = [b"", b" \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"]
IDS = ["0 bytes", "white space", "BOM", "BOM and a line break"]


@pytest.mark.parametrize("content", EMPTY, ids=IDS)
def test_an_empty_campaign_file_is_said_to_be_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "win-back.campaign.json"
    path.write_bytes(content)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert str(caught.value) == (f"{path} is empty: a campaign is a JSON object with its name, audience and "
                                 "channel (docs/messages.md, 'A campaign is a file')")


def test_dev_null_as_the_destinations_file_is_empty() -> None:
    """(The first check read a file again to tell, and only a regular file: /dev/null was 'not
    valid JSON'.)"""
    with pytest.raises(DestinationError) as caught:
        load_destinations("/dev/null")
    assert str(caught.value) == f"/dev/null is empty: {WANTED}"


def test_a_file_that_is_not_json_is_still_said_to_be_so(tmp_path: Path) -> None:
    path = tmp_path / "win-back.campaign.json"
    path.write_text("  {\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"win-back.campaign.json: not valid JSON \(line 2: "):
        load_campaign(path)
