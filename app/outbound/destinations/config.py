"""The destinations file: a JSON list of destinations, each checked into a `Destination`.

Filters are the query model's (`events`, and `where` property/trait filters), so a destination
selects exactly what the same filters select in a query. Secrets (`write_key`, `api_secret`,
`project_token`, header values) may be left out of the file and come from the environment
(`TRACKLENS_DEST_<NAME>_<FIELD>`) or the OS keychain (service `tracklens-destinations`, user
`<name>:<field>`), so the file can be shared without them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from app.core.files import EmptySharedFile, SharedFileError, read_shared_json
from app.outbound.destinations.template import Renderer, TemplateError, compile_template
from app.outbound.ratelimit import parse_rate
from app.outbound.support import HEADER_NAME
from app.query import limits
from app.query.model import (
    Filter,
    QueryError,
    SpecReader,
    check_event_name,
    describe_value,
    parse_filters,
    read_strictly,
)

TYPES = ("webhook", "segment", "mixpanel")
KEYRING_SERVICE = "tracklens-destinations"
#: Largest batch per destination type (Segment: 2,500 messages per request, which a Tracklens
#: collector enforces too; Mixpanel's import: 2,000 events).
MAX_BATCH = {"webhook": 1000, "segment": 2500, "mixpanel": 2000}
#: Largest destinations file read (a file of a few destinations is a few KB; this holds the
#: largest destinations below, filters and templates included). A 4 MB file took seconds to refuse.
MAX_DESTINATIONS_BYTES = 1_000_000
#: Destinations in one file: each runs its own thread and keeps its own cursor.
MAX_DESTINATIONS = 100
#: Characters of a URL and of a header value (the usual limits of HTTP servers and proxies on a
#: request line and a header are about 8 KB), and headers of one destination.
MAX_URL_CHARS = 8192
MAX_HEADER_CHARS = 8192
MAX_HEADERS = 100
#: Event names of one destination (an IN list, as a query's filter values).
MAX_DESTINATION_EVENTS = limits.MAX_LIST_VALUES
#: Nesting of the file's lists and objects (a template may nest 32 levels, an `any` group two
#: per level): 400 nested `any` groups took a second to refuse, in a message of 3,000 characters.
MAX_FILE_DEPTH = 40
#: Characters of a secret (keys and tokens are a few dozen; each goes into every request).
MAX_SECRET_CHARS = 1000
#: Batch when the file gives none. Large: a destination that is up to date sends what arrived since
#: its last request (usually far fewer), and one that lags catches up with a fraction of the
#: per-request cost (reading, posting and the cursor commit cost ~20 µs per event at 100, ~11 at 500).
DEFAULT_BATCHES = {"webhook": 500, "segment": 500, "mixpanel": 1000}
#: Where the file gives no batch, a destination whose receiver documents its request limits sends
#: larger batches while it has a backlog, up to as many messages as the receiver takes and a body
#: under MAX_BODY_BYTES (the POST, the check and the cursor commit are per batch: fewer batches,
#: less CPU per event). A webhook is the user's own receiver: its batch stays as configured.
GROWN_BATCHES = {"segment": MAX_BATCH["segment"], "mixpanel": MAX_BATCH["mixpanel"]}
#: Largest request body, where the destination documents one (Segment: 500 KB per batch, which a
#: Tracklens collector enforces too; Mixpanel's import: 10 MB), and for a webhook (5 MB: a
#: template repeating a long field, times a batch of messages, built bodies of gigabytes). A
#: batch whose body would be larger is cut to what fits (forwarder.fitted_request); a webhook
#: message whose body alone is larger is parked as a dead letter without being sent.
MAX_BODY_BYTES = {"segment": 500_000, "mixpanel": 10_000_000, "webhook": 5_000_000}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: The smallest destinations file, as the refusal of a file that is not one shows it.
EXAMPLE = '[{"name": "hook", "type": "webhook", "url": "https://example.com/hook"}]'
#: What an empty file (the file, or the editor's text) is told it should hold.
WANTED = f"a destinations file is a JSON list of destinations, e.g. {EXAMPLE}"
#: Fields that may hold a secret, per type.
SECRETS = {"segment": ("write_key",), "mixpanel": ("api_secret", "project_token"), "webhook": ()}
SECRET_KEYS = ("write_key", "project_token", "api_secret")
#: Every key a destination may have (some for one type only: then another type names the key)
DESTINATION_KEYS = ("name", "type", "url", "headers", "events", "where", "batch", "timeout", "rate", "template",
                    *SECRET_KEYS)


class DestinationError(ValueError):
    """The destinations file is wrong; the message names the place and what is expected."""


def _short(text: str, width: int = 80) -> str:
    """A value cut for an error message (a 100,000-character name made a message as long)."""
    return text if len(text) <= width else text[:width] + "..."


@dataclass(frozen=True)
class Destination:
    """One configured destination (secrets already resolved)."""

    name: str
    type: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    events: tuple[str, ...] = ()
    where: tuple[Filter, ...] = ()
    batch: int = DEFAULT_BATCHES["webhook"]
    #: messages per batch at most while a backlog lasts (GROWN_BATCHES when the file gives no
    #: batch; otherwise `batch`): what a SIGKILL can make the receiver see twice
    most: int = 0
    timeout: float = 10.0
    #: messages per second at most (`rate: "10/s"`, `"600/m"`, `"1000/h"`); None: as fast as it answers
    rate: float | None = None
    write_key: str | None = None
    project_token: str | None = None
    api_secret: str | None = None
    #: webhook only: the body template as written (app.outbound.destinations.template) ...
    template: Any = None
    #: ... and compiled: renders one forwarded message
    render: Renderer | None = field(default=None, compare=False, repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


def _secret(name: str, key: str, path: str, *, required: bool) -> str | None:
    """A secret the file leaves out, from the environment or the OS keychain. Looked up once the
    file has been read (never during the sweep for unknown keys, which reads it again and again)."""
    env_name = "TRACKLENS_DEST_" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_" + key.upper()
    value = os.environ.get(env_name)
    if value:
        return value
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, f"{name}:{key}")
    except Exception:  # no keychain on this machine: the environment is the way
        value = None
    if value:
        return value
    if required:
        raise DestinationError(f"{path}: no {key}: put it in the file, set {env_name} or store it in the "
                               f"keychain (service {KEYRING_SERVICE!r}, user '{name}:{key}')")
    return None


def _check_header(name: str, value: str, path: str) -> None:
    """A header HTTP can carry: a token for a name, ASCII text without control characters for
    a value (http.client and httpx raised on others at the first POST, and a CR LF would start
    another header)."""
    if len(name) > MAX_HEADER_CHARS or not HEADER_NAME.match(name):
        raise DestinationError(f"{path}: {_short(name)!r} is not a header name")
    if len(value) > MAX_HEADER_CHARS:
        raise DestinationError(f"{path}.{_short(name)} is {len(value):,} characters long "
                               f"(at most {MAX_HEADER_CHARS:,})")
    if any((c < " " and c != "\t") or c == "\x7f" for c in value):
        raise DestinationError(f"{path}.{name} holds a control character")
    if not value.isascii():
        raise DestinationError(f"{path}.{name} must be ASCII text")


def _read_destination(data: Any, path: str) -> Destination:
    """One destination as the file gives it (secrets it leaves out still None). Each value is
    checked as it is read, and `where` is read first: the sweep for unknown keys
    (model.read_strictly) reads on past a refused value, but not past a refused `type` or `url`
    (no value it fills in is one), so the filters' keys are seen before those."""
    r = SpecReader(data, path)  # refuses a destination that is not an object, in one line
    r.expect(*DESTINATION_KEYS)
    where = parse_filters(r.raw("where"), r.sub("where"))
    name = r.string("name", required=True)
    if not _NAME.match(name):
        raise DestinationError(f"{path}.name must be letters, digits, '_', '.' or '-' (up to 64), "
                               f"got {_short(name)!r}")
    kind = r.string("type", required=True, choices=TYPES)
    url = r.string("url", required=True)
    if len(url) > MAX_URL_CHARS:
        raise DestinationError(f"{path}.url is {len(url):,} characters long (at most {MAX_URL_CHARS:,})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number below 65536
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number
        parts = urlsplit("")
    # A space or control character (a CR LF would start a header) made every POST fail with an
    # exception the forwarder does not expect.
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c <= " " or c == "\x7f" for c in url):
        raise DestinationError(f"{path}.url must be an http:// or https:// URL, got {_short(url)!r}")
    headers_raw = r.raw("headers", {})
    if not isinstance(headers_raw, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in headers_raw.items()):
        raise DestinationError(f"{path}.headers must be an object of strings")
    if len(headers_raw) > MAX_HEADERS:
        raise DestinationError(f"{path}.headers has {len(headers_raw):,} headers (at most {MAX_HEADERS})")
    for key, value in headers_raw.items():
        _check_header(key, value, f"{path}.headers")
    events_raw = r.raw("events", [])
    if not isinstance(events_raw, list):
        raise DestinationError(f"{path}.events must be a list of event names")
    if len(events_raw) > MAX_DESTINATION_EVENTS:
        raise DestinationError(f"{path}.events has {len(events_raw):,} names (at most {MAX_DESTINATION_EVENTS:,})")
    names = tuple(check_event_name(e, f"{path}.events[{i}]") for i, e in enumerate(events_raw))
    given_batch = r.has("batch")
    batch = r.integer("batch", DEFAULT_BATCHES[kind], minimum=1, maximum=MAX_BATCH[kind])
    timeout_raw = r.raw("timeout", 10.0)
    if isinstance(timeout_raw, bool) or not isinstance(timeout_raw, int | float) or not 0 < timeout_raw <= 300:
        raise DestinationError(f"{path}.timeout must be seconds between 0 and 300")
    rate_raw = r.raw("rate")
    rate = None
    if rate_raw is not None:
        if isinstance(rate_raw, str) and len(rate_raw) > 40:
            raise DestinationError(f"{path}.rate must look like 10/s, 600/m or 1000/h, got {_short(rate_raw, 40)!r}")
        try:
            rate = parse_rate(rate_raw) if isinstance(rate_raw, str) else parse_rate(repr(rate_raw))
        except ValueError as exc:
            raise DestinationError(f"{path}.{exc}") from None
    given: dict[str, str] = {}
    for key in SECRET_KEYS:
        value = r.raw(key)
        if value is None:
            continue
        if key not in SECRETS[kind]:
            raise DestinationError(f"{path}.{key} is not a field of a {kind} destination")
        if not isinstance(value, str) or not value:
            raise DestinationError(f"{path}.{key} must be a non-empty string")
        if len(value) > MAX_SECRET_CHARS or not all(" " < c < "\x7f" for c in value):
            raise DestinationError(f"{path}.{key} must be printable ASCII text without spaces "
                                   f"(up to {MAX_SECRET_CHARS:,} characters)")
        given[key] = value
    template = r.raw("template")
    render = None
    if template is not None:
        if kind != "webhook":
            raise DestinationError(f"{path}.template is not a field of a {kind} destination (webhook only)")
        try:
            render = compile_template(template, f"{path}.template")
        except TemplateError as exc:
            raise DestinationError(str(exc)) from None
    r.done()
    most = batch if given_batch else GROWN_BATCHES.get(kind, batch)
    return Destination(name=name, type=kind, url=url.rstrip("/"), headers=dict(headers_raw), events=names,
                       where=where, batch=batch, most=max(most, batch), timeout=float(timeout_raw), rate=rate,
                       template=template, render=render, write_key=given.get("write_key"),
                       project_token=given.get("project_token"), api_secret=given.get("api_secret"))


def _read_file(data: dict[str, Any]) -> list[Destination]:
    """The destinations of `{"destinations": file}`: the sweep for unknown keys names places from
    the object it is given, so they read `destinations[1].where[0]`."""
    return [_read_destination(item, f"destinations[{i}]") for i, item in enumerate(data["destinations"])]


def _check_depth(data: Any) -> None:
    """Refuse a file nested deeper than MAX_FILE_DEPTH before it is read (iteratively)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if children and depth >= MAX_FILE_DEPTH:
            raise DestinationError(f"too large: the file is nested more than {MAX_FILE_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def parse_destinations(data: Any) -> list[Destination]:
    """Unknown keys are named wherever they are (a destination's "evnets", a filter's "valeu")
    and whatever else is wrong with the file, as in a query (model.read_strictly)."""
    if not isinstance(data, list):
        raise DestinationError(_not_a_list(data))
    if len(data) > MAX_DESTINATIONS:
        # Before anything is read: checking a file of 50,000 took seconds (and the sweep for
        # unknown keys minutes), and each destination runs a thread.
        raise DestinationError(f"the file lists {len(data):,} destinations (at most {MAX_DESTINATIONS})")
    _check_depth(data)
    try:
        read = read_strictly(_read_file, {"destinations": data}, (QueryError, DestinationError))
    except QueryError as exc:
        raise DestinationError(str(exc)) from None
    out = []
    for i, d in enumerate(read):
        found = {key: _secret(d.name, key, f"destinations[{i}]", required=(key != "project_token"))
                 for key in SECRETS[d.type] if getattr(d, key) is None}
        out.append(replace(d, write_key=found.get("write_key", d.write_key),
                           project_token=found.get("project_token", d.project_token),
                           api_secret=found.get("api_secret", d.api_secret)))
    seen: set[str] = set()
    for d in out:
        if d.name in seen:
            raise DestinationError(f"two destinations are named {d.name!r}")
        seen.add(d.name)
    return out


def _not_a_list(data: Any) -> str:
    """Why `data` is no destinations file, and what to write instead: a file of one destination
    (an object) or one wrapped in {"destinations": [...]} was 'a JSON list of destinations' with
    nothing on what was wrong with it."""
    wanted = "a destinations file is a JSON list of destinations"
    if isinstance(data, dict):
        if isinstance(data.get("destinations"), list):
            return f'{wanted}: the list itself, without {{"destinations": ...}} around it'
        if any(key in data for key in ("name", "type", "url")):
            return f"{wanted}, not one destination: put it in a list, [{{...}}]"
        return f"{wanted}, not an object: e.g. {EXAMPLE}"
    return f"{wanted}, e.g. {EXAMPLE}; got {describe_value(data)}"


def load_destinations(path: str | os.PathLike[str]) -> list[Destination]:
    """Read and check a destinations file (DestinationError with a one-line reason)."""
    try:
        data = read_shared_json(path, MAX_DESTINATIONS_BYTES, "a destinations file")
    except OSError as exc:
        raise DestinationError(f"cannot read {os.fspath(path)}: {exc.strerror or exc}") from None
    except EmptySharedFile:
        raise DestinationError(f"{os.fspath(path)} is empty: {WANTED}") from None
    except SharedFileError as exc:
        raise DestinationError(f"{os.fspath(path)} is {exc}") from None
    return parse_destinations(data)
