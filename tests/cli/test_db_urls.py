"""A database URL typed wrong, as a new user types it (new-user walkthrough): a misspelt scheme,
the ':' left out, and passwords that were printed back in the error."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.main import cli

SUPPORTED = ("it supports SQLite (sqlite:///path/events.sqlite or a plain file path), PostgreSQL "
             "(postgresql://user@host/db) or ClickHouse (clickhousedb://user@host:8123/db, or chdb:///path/to/folder "
             "for embedded chDB)")


def _import(tmp_path: Path, db: str) -> Any:
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1",
                                  "timestamp": "2026-11-01T10:00:00Z"}) + "\n", encoding="utf-8")
    return CliRunner().invoke(cli, ["import", "--quiet", "--db", db, str(export)])


def _error(result: Any) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    return str(line)


@pytest.mark.parametrize(("url", "meant"), [
    ("sqlte:///x.db", "sqlite:///x.db"),
    ("postgress://ann:s3cret@localhost/events", "postgres://ann:***@localhost/events"),
    ("clickhose://default@localhost:8123/events", "clickhouse://default@localhost:8123/events"),
    ("chbd:///data/events", "chdb:///data/events"),
    ("Postgressql+psycopg://ann@db/events", "postgresql+psycopg://ann@db/events"),
])
def test_a_misspelt_scheme_says_which_was_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str,
                                                meant: str) -> None:
    """Said only "Tracklens does not work with 'sqlte' databases; it supports ...": the typo was
    left for the reader to find. The password stays hidden in the suggestion too."""
    monkeypatch.chdir(tmp_path)
    scheme = url.split("://")[0].split("+")[0].lower()
    shown = url.replace("s3cret", "***")
    assert _error(_import(tmp_path, url)) == (f"Error: cannot open {shown}: Tracklens does not work with {scheme!r} "
                                              f"databases (did you mean {meant!r}?); {SUPPORTED}")
    query = CliRunner().invoke(cli, ["query", "--db", url, "--spec", '{"kind": "users"}'])
    assert _error(query) == f"Error: Tracklens does not work with {scheme!r} databases (did you mean {meant!r}?); " \
                            f"{SUPPORTED}"
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]


def test_a_scheme_tracklens_does_not_know_gets_no_guess(tmp_path: Path) -> None:
    assert _error(_import(tmp_path, "mysql://ann@db/events")) == (
        f"Error: cannot open mysql://ann@db/events: Tracklens does not work with 'mysql' databases; {SUPPORTED}")


@pytest.mark.parametrize(("url", "meant"), [
    ("sqlite//events.sqlite", "sqlite:///events.sqlite"),
    ("sqlite////srv/events.sqlite", "sqlite:////srv/events.sqlite"),
    ("postgresql//ann:s3cret@db/events", "postgresql://ann:***@db/events"),
])
def test_a_url_without_its_colon_says_which_was_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str,
                                                      meant: str) -> None:
    """'sqlite//events.sqlite' was taken for a file in a folder 'sqlite': "folder does not exist:
    .../sqlite" (and the password of 'postgresql//ann:s3cret@...' was printed)."""
    monkeypatch.chdir(tmp_path)
    shown = url.replace("s3cret", "***")
    assert _error(_import(tmp_path, url)) == (f"Error: cannot open {shown}: {shown!r} is not a database URL (a URL "
                                              f"has '://' after its scheme): did you mean {meant!r}?")
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]


def test_a_path_through_a_folder_named_like_a_scheme_stays_a_path(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain path works, 'events.db' as 'sqlite//events.db' when a folder 'sqlite' is there."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sqlite").mkdir()
    for db in ("events.db", "sqlite//events.db"):
        result = _import(tmp_path, db)
        assert result.exit_code == 0 and "1 stored" in result.output, result.output
    assert (tmp_path / "events.db").is_file() and (tmp_path / "sqlite" / "events.db").is_file()


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql://ann:p@ss-word@127.0.0.1/events",
     "Error: cannot open postgresql://ann:***@127.0.0.1/events: the URL's password holds an '@', which ends it: "
     "write each '@' in the password as %40 (postgresql://user:p%40ss@host/db for the password p@ss)"),
    ("postgresql://ann:ss-word@127.0.0.1:54x/events",
     "Error: cannot open postgresql://ann:***@127.0.0.1:54x/events: not a database URL (its port '54x' is not a "
     "number): postgresql://ann:***@127.0.0.1:54x/events"),
    ("postgresql://ann@127.0.0.1:1/events?password=ss-word",
     "Error: cannot open postgresql://ann@127.0.0.1:1/events?password=***: cannot reach the database server "
     '(connection to server at "127.0.0.1", port 1 failed: Connection refused); is the server running on that '
     "host and accepting TCP/IP connections?"),
])
def test_the_password_is_never_printed_back(tmp_path: Path, url: str, said: str) -> None:
    """'p@ss-word' was cut at its '@' by the URL's parser: '***' hid 'p' and the driver then
    looked up the host 'ss-word@127.0.0.1', both printing 'ss-word'; a port that is no number
    printed the whole URL as typed, and so did a URL with ?password=."""
    result = _import(tmp_path, url)
    assert "ss-word" not in result.output
    assert _error(result) == said
