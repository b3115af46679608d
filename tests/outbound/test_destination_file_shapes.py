"""A destinations file that is empty, not a list, or has a misspelt type, as a new user writes it.

Before: an empty file (0 bytes, white space, a byte order mark alone) was 'not valid JSON
(line 1: Expecting value)', as if something in it were wrong; one destination written as an
object, or the list wrapped in {"destinations": [...]}, was 'a destinations file is a JSON list
of destinations' with nothing on what to change; "type": "webhok" named the three types but not
the one meant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.outbound.destinations.config import DestinationError, load_destinations, parse_destinations

HOOK = {"name": "hook", "type": "webhook", "url": "https://example.com/hook"}
#: the example the refusals give
EXAMPLE = json.dumps([HOOK])


@pytest.mark.parametrize("content", [b"", b"   \n\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"],
                         ids=["0 bytes", "white space", "BOM", "BOM and a line break"])
def test_an_empty_destinations_file_is_said_to_be_empty_with_an_example(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "destinations.json"
    path.write_bytes(content)
    with pytest.raises(DestinationError) as caught:
        load_destinations(path)
    assert str(caught.value) == f"{path} is empty: a destinations file is a JSON list of destinations, e.g. {EXAMPLE}"
    # ... and the example is a file that loads
    path.write_text(EXAMPLE, encoding="utf-8")
    assert [d.name for d in load_destinations(path)] == ["hook"]


def test_a_file_that_is_not_json_or_too_large_is_still_said_to_be_so(tmp_path: Path) -> None:
    path = tmp_path / "destinations.json"
    path.write_text("  [{\n", encoding="utf-8")
    with pytest.raises(DestinationError, match=r"destinations.json is not valid JSON \(line 2: "):
        load_destinations(path)
    path.write_bytes(b" " * 1_000_001)  # white space alone, but more than a destinations file holds
    with pytest.raises(DestinationError, match=r"destinations.json is over 1,000,000 bytes, too large for a "):
        load_destinations(path)


@pytest.mark.parametrize(("data", "says"), [
    (HOOK, "a destinations file is a JSON list of destinations, not one destination: put it in a list, [{...}]"),
    ({"destinations": [HOOK]},
     'a destinations file is a JSON list of destinations: the list itself, without {"destinations": ...} around it'),
    ({"hooks": 1}, f"a destinations file is a JSON list of destinations, not an object: e.g. {EXAMPLE}"),
    ("hook", f"a destinations file is a JSON list of destinations, e.g. {EXAMPLE}; got the string 'hook'"),
])
def test_a_file_that_is_not_a_list_says_what_to_write_instead(data: object, says: str) -> None:
    with pytest.raises(DestinationError) as caught:
        parse_destinations(data)
    assert str(caught.value) == says


def test_a_misspelt_type_or_key_says_what_it_most_likely_means(tmp_path: Path) -> None:
    with pytest.raises(DestinationError) as caught:
        parse_destinations([{**HOOK, "type": "webhok"}])
    assert str(caught.value) == ("destinations[0].type must be one of webhook, segment, mixpanel; got 'webhok' "
                                 "(did you mean 'webhook'?)")
    with pytest.raises(DestinationError) as caught:
        parse_destinations([{**HOOK, "evnets": ["A"], "where": [{"property": "p", "op": "eq", "valeu": 1}]}])
    assert str(caught.value).startswith("unknown key 'evnets' (did you mean 'events'?) in destinations[0]; "
                                        "unknown key 'valeu' (did you mean 'value'?) in destinations[0].where[0]")


def test_a_destination_without_a_url_names_it(tmp_path: Path) -> None:
    """Already fine before: kept so that it stays so."""
    path = tmp_path / "destinations.json"
    path.write_text(json.dumps([{"name": "hook", "type": "webhook"}]), encoding="utf-8")
    with pytest.raises(DestinationError, match=r"^destinations\[0\]\.url is required$"):
        load_destinations(path)
