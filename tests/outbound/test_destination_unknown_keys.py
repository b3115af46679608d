"""A destinations file names its unknown keys as a query does: wherever they are (a destination's
"evnets", a filter's "ignore_cse") and whatever else is wrong with the file. The old check at the
end of each destination never ran when something before it was refused, nor in the destinations
after the first refused one: the user fixed the one problem named, ran again, and met the next."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.core.database import open_database
from app.outbound.destinations.config import DestinationError, parse_destinations

FILE: list[dict[str, Any]] = [
    {"name": "ops-webhook", "type": "webhook", "url": "https://hooks.example/tracklens",
     "headers": {"Authorization": "Bearer t"}, "events": ["Order Completed"],
     "where": [{"property": "price", "op": "gt", "value": 100},
               {"any": [{"trait": "plan", "op": "eq", "value": "pro"}, {"property": "$country_code", "op": "set"}]}],
     "batch": 100, "timeout": 5, "rate": "600/m", "template": {"id": "{{messageId}}"}},
    {"name": "rudder", "type": "segment", "url": "https://rudder.example/", "write_key": "wk"},
    {"name": "mixpanel", "type": "mixpanel", "url": "https://api.mixpanel.com", "api_secret": "s",
     "project_token": "t"},
]


def _refusal(change: Any) -> str:
    data = copy.deepcopy(FILE)
    change(data)
    with pytest.raises(DestinationError) as caught:
        parse_destinations(data)
    return str(caught.value)


def test_a_good_file_reads_as_written() -> None:
    ops, rudder, mixpanel = parse_destinations(copy.deepcopy(FILE))
    assert (ops.name, ops.type, ops.url, ops.headers, ops.events) == (
        "ops-webhook", "webhook", "https://hooks.example/tracklens", {"Authorization": "Bearer t"},
        ("Order Completed",))
    assert [(f.target, f.name, f.op, f.value) for f in ops.where[:1]] == [("property", "price", "gt", 100)]
    assert len(ops.where) == 2 and (ops.batch, ops.most, ops.timeout, ops.rate) == (100, 100, 5.0, 10.0)
    assert ops.template == {"id": "{{messageId}}"} and ops.render is not None
    assert (rudder.url, rudder.write_key, rudder.batch, rudder.most) == ("https://rudder.example", "wk", 500, 2500)
    assert (mixpanel.api_secret, mixpanel.project_token, mixpanel.batch) == ("s", "t", 1000)


@pytest.mark.parametrize("change, message", [
    # a typo in a filter beside a bad type in the same destination
    (lambda f: (f[1].update(type="rudderstack", where=[{"property": "plan", "op": "eq", "value": "pro",
                                                             "ignore_cse": True}])),
     "unknown key 'ignore_cse' (did you mean 'ignore_case'?) in destinations[1].where[0]; also destinations[1].type must be one of webhook, segment, "
     "mixpanel; got 'rudderstack'"),
    # a typo in a later destination behind a bad url in an earlier one
    (lambda f: (f[0].update(url="ftp://hooks.example"), f[2].update(evnets=["Signed Up"])),
     "unknown key 'evnets' (did you mean 'events'?) in destinations[2]; also destinations[0].url must be an http:// or https:// URL, "
     "got 'ftp://hooks.example'"),
    # a typo in a filter of a group, behind a destination without a name and a bad filter before it
    (lambda f: (f[0].pop("name"), f[0]["where"][0].update(op="bigger"), f[0]["where"][1]["any"][1].update(Op="set")),
     "unknown key 'Op' (did you mean 'op'?) in destinations[0].where[1].any[1]; also destinations[0].where[0].op must be one of "),
    # the destination's own typo beside a secret given to the wrong type
    (lambda f: (f[1].update(wehre=[], api_secret="s")),
     "unknown key 'wehre' (did you mean 'where'?) in destinations[1]; also destinations[1].api_secret is not a field of a segment "
     "destination"),
])
def test_an_unknown_key_is_named_beside_another_problem(change: Any, message: str) -> None:
    assert _refusal(change).startswith(message)


def test_every_unknown_key_of_the_file_is_named() -> None:
    def typos(f: list[dict[str, Any]]) -> None:
        f[0]["evnets"] = f[0].pop("events")
        f[0]["where"][0]["Value"] = 1
        f[0]["where"][1]["any"][0]["trait"] = 1  # not a typo: named as the other problem
        f[2]["wehre"] = [{"property": "plan", "op": "eq", "value": "pro"}]
        f[2]["batch"] = 0
        f.append({"name": "late", "type": "webhook", "url": "https://late.example",
                  "where": [{"property": "a", "op": "set", "ignore_cse": True}]})
    assert _refusal(typos) == (
        "unknown key 'evnets' (did you mean 'events'?) in destinations[0]; unknown key 'Value' (did you mean 'value'?) in destinations[0].where[0]; "
        "unknown key 'wehre' (did you mean 'where'?) in destinations[2]; unknown key 'ignore_cse' (did you mean 'ignore_case'?) in destinations[3].where[0]; "
        "also destinations[0].where[1].any[0].trait must be a non-empty string, got the number 1")


def test_forward_and_collect_name_the_unknown_keys_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'events.sqlite'}"
    open_database(db).dispose()
    data = copy.deepcopy(FILE)
    data[0]["where"][0]["ignore_cse"] = True
    data[1]["type"] = "rudderstack"
    path = tmp_path / "destinations.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = ("Error: unknown key 'ignore_cse' (did you mean 'ignore_case'?) in destinations[0].where[0]; also destinations[1].type must be one of "
               "webhook, segment, mixpanel; got 'rudderstack'")
    for args in (["forward", "--db", db, "--destinations", str(path), "--status"],
                 ["collect", "--db", db, "--no-auth", "--port", "0", "--destinations", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code != 0 and result.output.strip() == message, (args, result.output)
