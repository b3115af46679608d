"""Hostile destinations files (`--destinations FILE`, the Destinations panel): each refused
quickly, in one short line. Files of 4 MB took 0.3 to 17 s to refuse (thousands of destinations,
each swept for unknown keys again and again; a list of numbers), a string of "{" in a template
never finished, and URLs or secrets no request can carry were accepted and failed at each POST."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.outbound.destinations.config import DestinationError, load_destinations

OK = {"name": "h", "type": "webhook", "url": "http://x.example"}


def _nested_any(depth: int) -> str:
    return '{"any": [' * depth + '{"property": "p", "op": "equals", "value": "v"}' + "]}" * depth


HOSTILE: dict[str, tuple[str, str]] = {
    "many-destinations": (json.dumps([{**OK, "name": f"h{i}"} for i in range(50_000)]),
                          "over 1,000,000 bytes, too large for a destinations file"),
    "a-list-of-numbers": ("[" + ",".join(["1e400"] * 200_000) + "]", "over 1,000,000 bytes"),
    "thousands-under-the-size": (json.dumps([{**OK, "name": f"h{i}", "evnts": 1} for i in range(9_000)]),
                                 "the file lists 9,000 destinations (at most 100)"),
    "numbers-under-the-size": ("[" + ",".join(["1e400"] * 150_000)[:900_000].rstrip(",e") + "]",
                               "destinations (at most 100)"),
    "braces-in-a-template": (json.dumps([{**OK, "template": {"a": "{{" * 15_000}}]),
                             "destinations[0].template.a: unbalanced '{{' or '}}' in '{{{{"),
    "nested-any-groups": (json.dumps([{**OK, "where": ["X"]}]).replace('"X"', _nested_any(400)),
                          "too large: the file is nested more than 40 levels deep"),
    "a-long-name": (json.dumps([{**OK, "name": "a" * 900_000}]), "destinations[0].name must be letters"),
    "a-long-url": (json.dumps([{**OK, "url": "http://x.example/" + "a" * 900_000}]),
                   "destinations[0].url is 900,017 characters long (at most 8,192)"),
    "a-long-header": (json.dumps([{**OK, "headers": {"X-A": "a" * 900_000}}]),
                      "destinations[0].headers.X-A is 900,000 characters long (at most 8,192)"),
    "a-long-header-name": (json.dumps([{**OK, "headers": {"X" * 900_000: "a"}}]), "is not a header name"),
    "many-headers": (json.dumps([{**OK, "headers": {f"X-{i}": "v" for i in range(5_000)}}]),
                     "destinations[0].headers has 5,000 headers (at most 100)"),
    "many-events": (json.dumps([{**OK, "events": [f"e{i}" for i in range(50_000)]}]),
                    "destinations[0].events has 50,000 names (at most 1,000)"),
    "a-long-rate": (json.dumps([{**OK, "rate": "1" * 900_000 + "/s"}]), "destinations[0].rate must look like"),
    "a-port-that-is-no-number": (json.dumps([{**OK, "url": "http://x.example:ab/"}]), "must be an http://"),
    "a-port-too-large": (json.dumps([{**OK, "url": "http://x.example:99999999/"}]), "must be an http://"),
    "a-line-break-in-the-url": (json.dumps([{**OK, "url": "http://x.example/a\r\nX-B: 1"}]), "must be an http://"),
    "a-space-in-the-host": (json.dumps([{**OK, "url": "http://x y.example/"}]), "must be an http://"),
    "a-lone-surrogate-in-a-key": ('[{"name": "s", "type": "segment", "url": "http://x.example", '
                                  '"write_key": "k\\ud800"}]', "write_key must be printable ASCII"),
    "a-line-break-in-a-secret": (json.dumps([{"name": "s", "type": "segment", "url": "http://x.example",
                                              "write_key": "k\r\nX: 1"}]), "write_key must be printable ASCII"),
    "a-huge-token": (json.dumps([{"name": "m", "type": "mixpanel", "url": "http://x.example", "api_secret": "s",
                                  "project_token": "t" * 900_000}]), "project_token must be printable ASCII"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_destinations_file_is_refused_quickly_in_one_short_line(name: str, tmp_path: Path) -> None:
    text, expected = HOSTILE[name]
    path = tmp_path / "destinations.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.thread_time()
    with pytest.raises(DestinationError) as caught:
        load_destinations(path)
    assert time.thread_time() - started < 0.25
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and len(message) <= 200 + len(str(path))


def test_a_destinations_file_of_the_largest_parts_allowed_is_read(tmp_path: Path) -> None:
    """The limits leave room: 100 destinations, each with 1,000 events and a template."""
    spec: dict[str, Any] = {**OK, "events": [f"Event {i}" for i in range(1000)],
                            "headers": {"Authorization": "Bearer " + "t" * 2000},
                            "template": {"text": "{{ event }} by {{ userId }}", "raw": "{{ properties }}"}}
    path = tmp_path / "destinations.json"
    path.write_text(json.dumps([{**spec, "name": f"hook-{i}"} for i in range(50)]
                               + [{**OK, "name": f"plain-{i}"} for i in range(50)]))
    assert path.stat().st_size < 1_000_000
    assert len(load_destinations(path)) == 100
