"""The stored Segment message, rebuilt from its `events` row and context, and each destination's request.

What is kept (docs/destinations.md lists it): type, messageId, userId, anonymousId, the stored
`timestamp` (already corrected for the device clock), receivedAt, context, and per type the event
and properties (track), name/category/properties (page, screen: the properties include what
ingestion filled in from context.page), traits (identify), groupId and traits (group), previousId
(alias). Not kept by ingestion, so not forwarded: sentAt, originalTimestamp, integrations,
version, channel, and any unknown top-level field.

Speed: forwarding should cost little next to storing an event, and parsing each row's stored
`properties` and `context` only to serialize them again was most of its CPU. So the request body
splices the stored JSON text in (`orjson.Fragment`) and parses nothing for track, identify and
most page events. A row the splice cannot reproduce exactly -- a group or alias call, a page whose
name or category is not a plain string, a Mixpanel event whose properties hold a key the import
format sets, a document that is not an object or has NaN/Infinity (only another program can
store those) -- takes the original path: parsed with the standard library, rebuilt as dicts
(`segment_message`, `mixpanel_event`). Both give the same JSON (tests/outbound/test_formats.py).
A stored text that is not JSON at all is read back as a JSON string of it (the backend's
stored_json_text), which the splice check sends the original way, so the body stays JSON.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, overload

import orjson

from app.core.schema import ENRICHED_COLUMNS
from app.outbound.destinations.config import Destination
from app.outbound.destinations.template import RenderTooLarge
from app.query.isotime import iso_utc_ms

#: Mixpanel accepts an $insert_id of up to 36 letters, digits and dashes.
_INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")

#: The columns of a row the forwarder reads (store.fetch), in order; the JSON documents as their
#: stored text. Then `context` (webhook, segment) or the enriched columns (mixpanel).
ROW_COLUMNS = ("id", "message_id", "type", "event", "user_id", "anonymous_id", "ts", "received_at", "properties")
_ID, _MESSAGE_ID, _TYPE, _EVENT, _USER_ID, _ANONYMOUS_ID, _TS, _RECEIVED_AT, _PROPERTIES = range(9)
_EXTRA = 9

#: Our enriched field -> Mixpanel's property, in the order they are added.
_MIXPANEL_ENRICHED = {"$city": "$city", "$region": "$region", "$country_code": "mp_country_code",
                      "$browser": "$browser", "$os": "$os", "$device": "$device",
                      "$referring_domain": "$referring_domain"}


def row_columns(kind: str) -> tuple[str, ...]:
    """The `events`/`event_context` columns a `kind` destination's rows hold, in row order."""
    if kind == "mixpanel":
        return ROW_COLUMNS + tuple(ENRICHED_COLUMNS[ours] for ours in _MIXPANEL_ENRICHED)
    return (*ROW_COLUMNS, "context")


#: The writer's record attribute (app.ingest.messages.Record) holding a row column, where they differ.
_RECORD_ATTRIBUTES = {"properties": "properties_json", "context": "context_json"}


def record_row_getter(kind: str) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving a row of `row_columns(kind)` less its leading id from one of the writer's
    committed records: what the database holds for it when JSON reads back as written
    (Backend.keeps_json_text), so request_for((id, *getter(record)), ...) sends the same bytes as
    for the row read back."""
    names = row_columns(kind)[1:]
    get = operator.attrgetter(*(_RECORD_ATTRIBUTES.get(name, name) for name in names))
    return get


@dataclass(frozen=True)
class StoredEvent:
    """One events row with its context, its documents parsed (the original, exact path)."""

    id: int
    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    ts: int
    received_at: int
    properties: dict[str, Any]
    context: dict[str, Any] | None
    enriched: dict[str, str | None]  # "$city" -> value, ...


def _load(text: str | None) -> Any:
    """A stored document parsed as before (standard library: exact big integers, NaN read); one
    that is not JSON at all (another program's row) stays its text rather than stopping delivery."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def stored_event(row: Sequence[Any], kind: str) -> StoredEvent:
    """A fetched row (`row_columns(kind)`) parsed into a StoredEvent."""
    if kind == "mixpanel":
        enriched = {ours: row[_EXTRA + i] for i, ours in enumerate(_MIXPANEL_ENRICHED)}
        context = None
    else:
        enriched = {}
        context = _load(row[_EXTRA])
    return StoredEvent(int(row[_ID]), row[_MESSAGE_ID], row[_TYPE], row[_EVENT], row[_USER_ID],
                       row[_ANONYMOUS_ID], int(row[_TS]), int(row[_RECEIVED_AT]),
                       _load(row[_PROPERTIES]) or {}, context, enriched)


class RecordRows(Sequence[tuple[Any, ...]]):
    """Rows of row_columns(kind) given as their ids and the collector's records (each the row
    less its id: record_row_getter), so that a batch sent from memory builds no row per message:
    request_for reads the records as they are (~0.1 µs per message less,
    docs/benchmarks/forward.md), and a row (id, *record) is made only where one is asked for
    (a dead letter's ids and messages, the last id of a batch cut to fit)."""

    __slots__ = ("ids", "records")

    def __init__(self, ids: Sequence[int], records: Sequence[tuple[Any, ...]]) -> None:
        assert len(ids) == len(records)
        self.ids = ids
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> RecordRows: ...

    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | RecordRows:
        if isinstance(index, slice):
            return RecordRows(self.ids[index], self.records[index])
        return (self.ids[index], *self.records[index])


@dataclass(frozen=True)
class Request:
    """One HTTP POST to a destination: `content` is the encoded body when given, else `body`'s JSON."""

    url: str
    headers: dict[str, str]
    body: Any
    auth: tuple[str, str] | None = None
    content: bytes | None = None
    #: messages it carries (a destination's rate limit counts them)
    count: int = 1
    #: why it is not sent at all (its body is larger than the destination takes): a refusal
    refusal: str | None = None


class BodyTooLarge(Exception):
    """A templated body would pass its limit: only the first `fits` messages fit (rendering
    stopped at the first that did not, so no larger body was ever built)."""

    def __init__(self, fits: int, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.fits = fits
        self.size = size


def iso_ms(ms: int) -> str:
    """ISO-8601 UTC with milliseconds (what Segment libraries send); integer arithmetic, twice as
    fast as datetime and never out of range for whatever another tool stored."""
    return iso_utc_ms(ms)


def segment_message(e: StoredEvent) -> dict[str, Any]:
    """The Segment message as Tracklens stored it (see the module docstring for what is not kept)."""
    msg: dict[str, Any] = {"type": e.type, "messageId": e.message_id}
    if e.user_id is not None:
        msg["userId"] = e.user_id
    if e.anonymous_id is not None:
        msg["anonymousId"] = e.anonymous_id
    props = e.properties or {}
    get = props.get if isinstance(props, dict) else {}.get  # (another program's non-object document)
    if e.type == "track":
        msg["event"] = e.event
        msg["properties"] = props
    elif e.type in ("page", "screen"):
        if get("name") is not None:
            msg["name"] = get("name")
        if e.type == "page" and get("category") is not None:
            msg["category"] = get("category")
        msg["properties"] = props
    elif e.type == "identify":
        msg["traits"] = props
    elif e.type == "group":
        msg["groupId"] = get("groupId")
        msg["traits"] = get("traits") or {}
    elif e.type == "alias":
        msg["previousId"] = get("previousId")
    msg["timestamp"] = iso_ms(e.ts)
    msg["receivedAt"] = iso_ms(e.received_at)
    msg["context"] = e.context or {}
    return msg


def insert_id(message_id: str) -> str:
    """Mixpanel's $insert_id for a messageId: the id itself when Mixpanel accepts it, else a
    digest of it -- the same for every retry of the message, so Mixpanel drops the duplicates."""
    if _INSERT_ID.match(message_id):
        return message_id
    return hashlib.sha1(message_id.encode("utf-8")).hexdigest()[:32]


def mixpanel_event(e: StoredEvent, token: str | None) -> dict[str, Any]:
    """One event in Mixpanel's import format (only analysis events: track, page, screen)."""
    props: dict[str, Any] = dict(e.properties) if isinstance(e.properties, dict) else {}
    for ours, theirs in _MIXPANEL_ENRICHED.items():
        value = e.enriched.get(ours)
        if value is not None:
            props[theirs] = value
    props["time"] = e.ts  # epoch milliseconds, which /import accepts
    props["distinct_id"] = e.user_id if e.user_id is not None else e.anonymous_id
    props["$insert_id"] = insert_id(e.message_id)
    if e.user_id is not None:
        props["$user_id"] = e.user_id
    if e.anonymous_id is not None:
        props["$device_id"] = e.anonymous_id
    if token:
        props["token"] = token
    return {"event": e.event, "properties": props}


# -- the fast path: the stored JSON text spliced into the body ----------------------------------

_Fragment = orjson.Fragment
_HOUR_MS = 3_600_000
#: "2026-11-01T12:" by the hour since the epoch; rows come in time order, so most are hits.
_HOURS: dict[int, str] = {}
#: Keys mixpanel_event sets in the properties: a stored document holding one (or any \u escape,
#: which could spell one, looked for apart) goes the original way, which replaces the value in
#: place. Those without a "$" are plain substrings; the "$" ones are searched for only where a
#: '"$' occurs at all (most documents hold none): a third of the time of one regex for all.
_MIXPANEL_PLAIN_KEYS = ('"time"', '"distinct_id"', '"token"', '"mp_country_code"')
_MIXPANEL_DOLLAR_KEYS = re.compile(r'"\$(?:insert_id|user_id|device_id|city|region|browser|os|device|'
                                   r'referring_domain)"')


def _holds_mixpanel_key(text: str) -> bool:
    """Whether `text` holds one of the keys mixpanel_event sets, as a JSON string."""
    a, b, c, d = _MIXPANEL_PLAIN_KEYS
    return a in text or b in text or c in text or d in text or ('"$' in text and
                                                                _MIXPANEL_DOLLAR_KEYS.search(text) is not None)


#: "2026-11-01T12:34:56." by the second since the epoch: a collector's messages arrive in bursts
#: within the same seconds, so most lookups hit (two per message; formatting cost ~0.8 µs each).
_SECONDS: dict[int, str] = {}
#: "000Z" ... "999Z"
_MILLIS = tuple("%03dZ" % ms for ms in range(1000))  # noqa: UP031


def _iso(ms: int) -> str:
    """iso_ms(ms), several times faster: the date and time to the second are formatted once per
    second (the hour once per hour)."""
    second, milli = divmod(ms, 1000)
    prefix = _SECONDS.get(second)
    if prefix is None:
        hour, rest = divmod(second, 3600)
        head = _HOURS.get(hour)
        if head is None:
            if len(_HOURS) > 10_000:
                _HOURS.clear()
            head = _HOURS[hour] = iso_utc_ms(hour * _HOUR_MS)[:-10]  # less "00:00.000Z"
        if len(_SECONDS) > 100_000:
            _SECONDS.clear()
        # (printf-style: twice as fast as an f-string with format specs on Python 3.11)
        prefix = _SECONDS[second] = "%s%02d:%02d." % (head, rest // 60, rest % 60)  # noqa: UP031
    return prefix + _MILLIS[milli]


#: (receivedAt, its string) of the last row written: one tuple, so threads never see a torn pair.
_LAST_RECEIVED: tuple[int, str] = (-1, "")


def _spliceable(text: Any) -> bool:
    """Stored text that goes out as it is and means what the parsed document did: an object
    without NaN or Infinity (which only the standard library's decoder reads, as numbers that
    are not JSON)."""
    return isinstance(text, str) and text[:1] == "{" and "NaN" not in text and "Infinity" not in text


def _page_field(props: Any, key: str) -> tuple[bool, Any]:
    """(usable, value) of a page/screen's `name` or `category`: only a string or null is taken
    from orjson's parse (which turns integers past 64 bits into floats)."""
    value = props.get(key)
    return value is None or type(value) is str, value


def _segment_fast(row: Sequence[Any], written: bool = False) -> dict[str, Any] | None:
    """segment_message() of the row with the documents spliced in; None: take the original path."""
    return _segment_record(row[1:], written)


def _segment_record(rec: Sequence[Any], written: bool = False) -> dict[str, Any] | None:
    """_segment_fast() of a row less its id (what the collector's records give: RecordRows).
    `written`: the documents are the text Tracklens' writer made (the collector's committed
    records), always objects without NaN or Infinity, so the check is skipped (a third of the
    cost of this function)."""
    message_id, kind, event, user_id, anonymous_id, ts, received_at, props, context = rec
    if not written and (not _spliceable(props) or (context is not None and not _spliceable(context))):
        return None
    msg: dict[str, Any] = {"type": kind, "messageId": message_id}
    if user_id is not None:
        msg["userId"] = user_id
    if anonymous_id is not None:
        msg["anonymousId"] = anonymous_id
    if kind == "track":
        msg["event"] = event
        msg["properties"] = _Fragment(props)
    elif kind == "identify":
        msg["traits"] = _Fragment(props)
    elif kind == "page" or kind == "screen":
        if '"name"' in props or '"category"' in props or "\\u" in props:
            try:
                parsed = orjson.loads(props)
            except orjson.JSONDecodeError:
                return None
            ok, name = _page_field(parsed, "name")
            if not ok:
                return None
            if name is not None:
                msg["name"] = name
            if kind == "page":
                ok, category = _page_field(parsed, "category")
                if not ok:
                    return None
                if category is not None:
                    msg["category"] = category
        msg["properties"] = _Fragment(props)
    else:  # group, alias (fields out of the document) and types Tracklens does not store
        return None
    msg["timestamp"] = stamp = _iso(ts)
    if received_at == ts:
        msg["receivedAt"] = stamp
    else:
        # a request's messages share their arrival: its string is kept for the next row
        global _LAST_RECEIVED
        last = _LAST_RECEIVED
        if last[0] != received_at:
            last = _LAST_RECEIVED = (received_at, _iso(received_at))
        msg["receivedAt"] = last[1]
    msg["context"] = _Fragment(context) if context is not None else {}
    return msg


def _mixpanel_fast(row: Sequence[Any], token: str | None, written: bool = False) -> dict[str, Any] | None:
    """mixpanel_event() of the row, the stored properties spliced with the added keys
    (`written`: as for _segment_record)."""
    return _mixpanel_record(row[1:], token, written)


def _mixpanel_record(rec: Sequence[Any], token: str | None, written: bool = False) -> dict[str, Any] | None:
    """_mixpanel_fast() of a row less its id (RecordRows)."""
    # (the enriched columns in _MIXPANEL_ENRICHED's order: row_columns("mixpanel"))
    (message_id, _kind, event, user_id, anonymous_id, ts, _received_at, props,
     city, region, country_code, browser, os_name, device, referring_domain) = rec
    if (not written and not _spliceable(props)) or "\\u" in props or _holds_mixpanel_key(props):
        return None
    # One test per key, not a comprehension over the names: a third of the time.
    added: dict[str, Any] = {}
    if city is not None:
        added["$city"] = city
    if region is not None:
        added["$region"] = region
    if country_code is not None:
        added["mp_country_code"] = country_code
    if browser is not None:
        added["$browser"] = browser
    if os_name is not None:
        added["$os"] = os_name
    if device is not None:
        added["$device"] = device
    if referring_domain is not None:
        added["$referring_domain"] = referring_domain
    added["time"] = ts
    added["distinct_id"] = user_id if user_id is not None else anonymous_id
    added["$insert_id"] = insert_id(message_id)
    if user_id is not None:
        added["$user_id"] = user_id
    if anonymous_id is not None:
        added["$device_id"] = anonymous_id
    if token:
        added["token"] = token
    tail = orjson.dumps(added).decode("utf-8")  # '{"time":...}'
    # the stored object without its closing brace (the writer's text has no spaces to strip)
    head = props[:-1] if written else props.rstrip()[:-1].rstrip()
    merged = head + tail[1:] if head == "{" else head + "," + tail[1:]
    return {"event": event, "properties": _Fragment(merged)}


def _url_headers_auth(dest: Destination) -> tuple[str, dict[str, str], tuple[str, str] | None]:
    headers = {"Content-Type": "application/json", "User-Agent": "tracklens-forwarder"}
    if dest.type == "mixpanel":
        return f"{dest.url}/import?strict=1", headers, (dest.api_secret or "", "")
    if dest.type == "segment":
        return f"{dest.url}/v1/batch", headers, (dest.write_key or "", "")
    headers.update(dest.headers)
    return dest.url, headers, None


def _body(dest: Destination, items: list[Any]) -> Any:
    if dest.type == "mixpanel":
        return items
    if dest.type == "webhook" and dest.batch == 1 and len(items) == 1:
        return items[0]
    return {"batch": items}


def encode_body(body: Any) -> bytes:
    """A body's JSON: orjson, or the standard library for what orjson cannot write exactly
    (integers beyond 64 bits; an unpaired surrogate, which only another program's row holds and
    which goes out as the escape stored, \\ud800: no UTF-8 can carry it)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def batch_messages(dest: Destination, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The messages a batch carries, parsed and rebuilt (the original path: kept in dead letters)."""
    events = [stored_event(row, dest.type) for row in rows]
    if dest.type == "mixpanel":
        return [mixpanel_event(e, dest.project_token) for e in events]
    if dest.render is not None:  # a webhook's template reshapes each message
        render = dest.render
        return [render(segment_message(e)) for e in events]
    return [segment_message(e) for e in events]


def source_messages(dest: Destination, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The Segment messages of `rows`, before a webhook's template (a dead letter whose rendered
    body was too large to send keeps these: --retry-dead renders them again)."""
    return [segment_message(stored_event(row, dest.type)) for row in rows]


def rendered_content(dest: Destination, messages: Sequence[dict[str, Any]], limit: int | None) -> bytes:
    """The body of a templated webhook's request for Segment `messages`, rendered and encoded one
    message at a time: BodyTooLarge as soon as it would pass `limit` bytes (a template repeating a
    long field renders megabytes per message), before anything larger is held."""
    render = dest.render
    assert render is not None
    parts: list[bytes] = []
    total = len(b'{"batch":[]}')
    for i, message in enumerate(messages):
        separator = 1 if parts else 0
        try:  # the render itself stops at what is left (a field repeated is never built whole)
            body = render(message, None if limit is None else limit - total - separator)
        except RenderTooLarge as exc:
            raise BodyTooLarge(i, total + separator + exc.size) from None
        part = encode_body(body)
        total += len(part) + separator
        if limit is not None and total > limit:
            raise BodyTooLarge(i, total)
        parts.append(part)
    if dest.batch == 1 and len(parts) == 1:
        return parts[0]
    return b'{"batch":[' + b",".join(parts) + b"]}"


def request_for(dest: Destination, rows: Sequence[Sequence[Any]], *, written: bool = False,
                limit: int | None = None) -> Request:
    """The request delivering fetched `rows` (`row_columns(dest.type)`) to `dest`, its body
    already encoded; batch_messages() gives the same messages as dicts. `written`: the rows are
    the collector's committed records (their documents as the writer made them). `limit`: a
    templated body stops being rendered past that many bytes (BodyTooLarge)."""
    url, headers, auth = _url_headers_auth(dest)
    if dest.render is not None:  # the template needs each message as a dict: the original path
        return Request(url, headers, None, auth, rendered_content(dest, source_messages(dest, rows), limit),
                       len(rows))
    # The rows less their ids: the collector's records as they are (RecordRows), a read's sliced.
    records = rows.records if isinstance(rows, RecordRows) else [row[1:] for row in rows]
    items: list[Any]
    token = dest.project_token
    if dest.type == "mixpanel":
        items = list(map(_mixpanel_record, records, repeat(token), repeat(written)))
    else:
        items = list(map(_segment_record, records, repeat(written)))
    if None in items:  # (rows the splice cannot reproduce: the original path, by their whole rows)
        for i, item in enumerate(items):
            if item is None:
                event = stored_event(rows[i], dest.type)
                items[i] = mixpanel_event(event, token) if dest.type == "mixpanel" else segment_message(event)
    try:
        content = orjson.dumps(_body(dest, items))
    except TypeError:  # a rebuilt message orjson cannot write (an integer beyond 64 bits)
        content = encode_body(_body(dest, batch_messages(dest, rows)))
    return Request(url, headers, None, auth, content, len(rows))


def resend_request(dest: Destination, items: list[dict[str, Any]]) -> Request:
    """The request re-sending a dead letter's stored items (already in the destination's format)."""
    url, headers, auth = _url_headers_auth(dest)
    return Request(url, headers, _body(dest, items), auth, count=len(items))
