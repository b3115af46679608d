"""Validate and normalise one Segment-spec message into a row-shaped record.

Everything the writer needs is decided here, once per message, so the writer only
deals with identity and storage. A bad message raises InvalidMessage with a reason a
person can act on; it never takes its batch down with it.

Time rule (see docs/ingestion.md):
- the device time is `originalTimestamp` if present, else `timestamp`;
- with `sentAt` and a known arrival time, ts = arrival − (sentAt − device time), which
  is Segment's clock-skew correction (arrival = the message's own `receivedAt` if it
  has one, else the moment the collector received it);
- without `sentAt`, ts = `timestamp`, else `originalTimestamp`, else the arrival time.
A Segment export carries both `originalTimestamp` and the already-corrected `timestamp`;
preferring `originalTimestamp` as device time recomputes exactly Segment's value
instead of correcting twice.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

#: Segment's limit on one message, as serialized JSON (bytes).
MAX_MESSAGE_BYTES = 32 * 1024
#: Longest id / name we store (the columns are VARCHAR(255)).
MAX_ID_LENGTH = 255
#: Deepest nesting of objects and arrays a stored document may have (orjson's own limit).
MAX_DEPTH = 254

CALL_TYPES = ("track", "page", "screen", "identify", "group", "alias")
ANALYSIS_EVENT = {"page": "Page Viewed", "screen": "Screen Viewed"}
#: Page/screen properties filled from `context.page` when the call did not set them.
PAGE_FIELDS = ("name", "url", "path", "title", "referrer", "search")

_ORJSON = orjson.OPT_NON_STR_KEYS
_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class InvalidMessage(ValueError):
    """A message that cannot be stored; str(exc) is the reason shown to the sender."""

    def __init__(self, reason: str, message_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


@dataclass(slots=True)
class Record:
    """One normalised message, shaped like an `events` row plus what identity needs."""

    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    ts: int
    received_at: int
    properties_json: str
    context_json: str
    #: Traits to merge into the person (identify traits, or context.traits of any call).
    traits: dict[str, Any] | None = None
    previous_id: str | None = None
    person: str = ""
    city: str | None = None
    region: str | None = None
    country_code: str | None = None
    browser: str | None = None
    os: str | None = None
    device: str | None = None
    referring_domain: str | None = None
    # Enrichment's inputs, last: nothing reads them after enrichment, so a record prepared in a
    # worker process crosses to the storing one without them (app.ingest.workers.to_rows).
    ip: str | None = None
    user_agent: str | None = None
    #: The referrer URL, '' when the message came from a web page without one, None otherwise.
    referrer: str | None = None


_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
_MS = timedelta(milliseconds=1)


def to_millis(dt: datetime) -> int:
    """Epoch milliseconds (UTC) of an aware or naive-UTC datetime, exactly (no float rounding)."""
    # Field arithmetic: about a third faster than (dt - epoch) // 1 ms, and this runs 4x per message.
    ms = ((dt.toordinal() - _EPOCH_ORDINAL) * 86_400 + dt.hour * 3600 + dt.minute * 60 + dt.second) * 1000 \
        + dt.microsecond // 1000
    offset = dt.utcoffset()
    return ms - offset // _MS if offset else ms


_TS_CACHE: dict[str, int] = {}
#: Longest time text remembered in _TS_CACHE: an ISO time with microseconds and an offset is 32
#: characters; padded ones (fromisoformat strips 32 KB of spaces) are parsed but not kept.
_MAX_CACHED_TIME_TEXT = 40
#: Years 1 to 9999, as for ISO strings (and well inside BIGINT).
_MIN_MS = to_millis(datetime(1, 1, 1, tzinfo=UTC))
_MAX_MS = to_millis(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC))


#: The window a stored time must fall in (after clock-skew correction): nothing analysed here
#: happened before 2000, and more than a day ahead of the clock is a broken device, not a plan.
EARLIEST_MS = to_millis(datetime(2000, 1, 1, tzinfo=UTC))
FUTURE_SLACK_MS = 86_400_000


def _show_ms(ms: int) -> str:
    """A stored-time candidate as ISO text, also for values no datetime can hold."""
    try:
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)).isoformat(timespec="seconds")
    except OverflowError:
        return f"in the year {1970 + ms // 31_556_952_000}"


def _show_span(ms: int) -> str:
    """How far a sentAt is from the arrival, in words ("3 days after", "12,000 years before")."""
    word = "after" if ms >= 0 else "before"
    ms = abs(ms)
    for unit, size in (("years", 31_556_952_000), ("days", 86_400_000), ("hours", 3_600_000),
                       ("minutes", 60_000), ("seconds", 1000)):
        if ms >= size:
            return f"{ms // size:,} {unit} {word}"
    return f"{ms} ms {word}"


def _in_window(ms: int, name: str, latest_ms: int) -> int:
    if EARLIEST_MS <= ms <= latest_ms:
        return ms
    raise InvalidMessage(f"{name} {_show_ms(ms)} is outside the accepted window "
                         f"(2000-01-01 to one day from now)")


class OversizedNumber:
    """Stands in for a JSON integer too long to convert (Python refuses over 4,300 digits).

    The JSON readers put it where such a number was, so only the message holding it is
    rejected (with a reason) instead of the whole request or file failing to parse.
    """

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a number of {self.digits} digits>"


def _check_text(value: str, name: str) -> str:
    """Refuse control characters (NUL included) and unpaired surrogates in ids and names.

    PostgreSQL cannot store NUL, no driver can encode a lone surrogate, and control characters
    in a name make it impossible to type into a filter; one rule for every database.
    """
    if value.isprintable():
        return value
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InvalidMessage(f"{name} contains invalid Unicode (an unpaired surrogate)")
        if category == "Cc":
            raise InvalidMessage(f"{name} contains a control character ({char!a})")
    return value


#: A leap second (23:59:60) and the end of a day (24:00, 24:00:00, 24:00:00.000), which RFC 3339
#: and ISO 8601 allow and datetime refuses.
_LEAP_SECOND = re.compile(r"(?<=[T ]\d\d:\d\d:)60(?=[.,Z+-]|$)")
_END_OF_DAY = re.compile(r"(?<=[T ])24:00(?::00(?:[.,]0+)?)?(?=[Z+-]|$)")


def _rfc3339_time(text: str) -> int | None:
    """Epoch ms of the RFC 3339 / ISO 8601 forms datetime.fromisoformat refuses: a lower-case 't'
    or 'z', a leap second (the next second, as POSIX clocks count it) and 24:00 (the next day's
    midnight); None for anything else."""
    upper = text.upper()
    fixed = _LEAP_SECOND.sub("59", upper, count=1)
    if fixed == upper:
        fixed = _END_OF_DAY.sub("23:59:59", upper, count=1)
    extra = 1000 if fixed != upper else 0
    if fixed == text:
        return None
    try:
        return to_millis(datetime.fromisoformat(fixed)) + extra
    except ValueError:
        return None


def parse_time(value: Any, name: str) -> int | None:
    """Epoch ms from an ISO-8601 string (any UTC offset, 'Z', naive = UTC) or epoch number.

    Numbers are epoch milliseconds when large enough, else seconds.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        cached = _TS_CACHE.get(value)
        if cached is not None:
            return cached
        try:
            ms = to_millis(datetime.fromisoformat(value.strip()))
        except ValueError:
            lenient = _rfc3339_time(value.strip())
            if lenient is None:
                raise InvalidMessage(f"unparseable {name}: {value[:60]!a}") from None
            ms = lenient
        if len(value) <= _MAX_CACHED_TIME_TEXT:
            if len(_TS_CACHE) > 4096:
                _TS_CACHE.clear()
            _TS_CACHE[value] = ms
        return ms
    if isinstance(value, bool):
        raise InvalidMessage(f"unparseable {name}: {value!r}")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidMessage(f"unparseable {name}: {value!r}")
        if abs(value) > 1e18:
            raise InvalidMessage(f"{name} out of range: {value:.3g}")
        ms = int(value) if abs(value) >= 100_000_000_000 else int(value * 1000)
        if not _MIN_MS <= ms <= _MAX_MS:
            raise InvalidMessage(f"{name} out of range: {value!r}")
        return ms
    raise InvalidMessage(f"unparseable {name}: expected an ISO-8601 string, got {type(value).__name__}")


def _id(value: Any, name: str) -> str | None:
    """An id as text: strings and integers are accepted, empty means absent."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (math.inf, -math.inf):
            # "userId": NaN or 1e400 (read as infinity) made one person "nan" or "inf" of every such message.
            raise InvalidMessage(f"{name} must be a string or a finite number, got {value!r}")
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    else:
        raise InvalidMessage(f"{name} must be a string, got {type(value).__name__}")
    if not text:
        return None
    if len(text) > MAX_ID_LENGTH:
        raise InvalidMessage(f"{name} is longer than {MAX_ID_LENGTH} characters")
    return _check_text(text, name)


def _obj(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidMessage(f"{name} must be an object, got {type(value).__name__}")
    return value


def unusable_batch_field(name: str, value: Any, messages: int) -> str | None:
    """Why a batch's shared `name` (its context or integrations, for each of its messages) is
    not applied, or None: it must be an object or absent. The messages themselves are fine, so
    they are kept; this says so instead of dropping the field without a word (the importer's
    rejected lines, the collector's answer)."""
    if value is None or isinstance(value, dict):
        return None
    return (f"the batch's {name} must be an object, got {type(value).__name__}: ignored "
            f"(not applied to its {messages:,} message{'' if messages == 1 else 's'})")


def finite(value: Any) -> Any:
    """`value` with NaN and infinities as None, as orjson writes them (for the standard library)."""
    if isinstance(value, float):
        return value if value - value == 0 else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


#: A NUL character as serialized JSON writes it: \u0000 after an even number of backslashes. The
#: text backslash-u-0000 (code, an escaped JSON snippet) is written \\u0000 and stores anywhere.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _dump(value: Any, name: str) -> tuple[str, int]:
    """Serialized JSON and its size in bytes; rejects what PostgreSQL's JSONB would refuse.

    NaN and Infinity (not JSON) become null, as orjson writes them.
    """
    try:
        # Parsed JSON has only str keys, which orjson writes byte for byte as with
        # OPT_NON_STR_KEYS, faster without it: a demo message's context and properties 0.82
        # against 1.12 us (docs/benchmarks/clickhouse.md, "Where the import's microseconds go now").
        data = orjson.dumps(value)
    except TypeError:
        data = _dump_any(value, name)
    if data.find(b"\\u0000") >= 0 and _NUL_ESCAPE.search(data):
        raise InvalidMessage(f"{name} contains a NUL character (\\u0000)")
    return data.decode("utf-8"), len(data)


def _dump_any(value: Any, name: str) -> bytes:
    """_dump's serialization of what orjson refuses without OPT_NON_STR_KEYS: keys that are not
    str, integers beyond 64 bits, and what is not JSON at all (InvalidMessage)."""
    try:
        data = orjson.dumps(value, option=_ORJSON)
    except TypeError as exc:  # orjson.JSONEncodeError
        reason = str(exc)
        if "surrogates" in reason:
            raise InvalidMessage(f"{name} contains invalid Unicode (an unpaired surrogate)") from None
        if "OversizedNumber" in reason:
            raise InvalidMessage(f"{name} holds an integer of more than 4,300 digits") from None
        if "ecursion" in reason:
            raise InvalidMessage(f"{name} is nested more than {MAX_DEPTH} levels deep") from None
        if "64-bit" not in reason:
            raise InvalidMessage(f"{name} is not JSON: {reason}") from None
        # Integers beyond 64 bits: valid JSON, which the standard library writes.
        try:
            data = _std_dumps(finite(value)).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidMessage(f"{name} contains invalid Unicode (an unpaired surrogate)") from None
        except RecursionError:
            raise InvalidMessage(f"{name} is nested more than {MAX_DEPTH} levels deep") from None
        except (TypeError, ValueError) as err:
            raise InvalidMessage(f"{name} is not JSON: {err}") from None
    return data


def content_message_id(message: dict[str, Any], salt: str = "") -> str:
    """A stable id from the message content, so re-importing a file without ids is idempotent."""
    try:
        canonical = orjson.dumps(message, option=_ORJSON | orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = json.dumps(message, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(canonical + salt.encode()).hexdigest()
    return "tl-" + digest[:32]


def _page_properties(kind: str, message: dict[str, Any], props: dict[str, Any],
                     context: dict[str, Any]) -> dict[str, Any]:
    """Page/screen properties with name, url, path, title, referrer filled in."""
    page = context.get("page")
    merged: dict[str, Any] = {}
    if isinstance(page, dict):
        for key in PAGE_FIELDS:
            value = page.get(key)
            if value is not None and value != "":
                merged[key] = value
    for key, value in props.items():
        if value is not None or key not in merged:
            merged[key] = value
    name = message.get("name")
    if name is not None and name != "":
        merged["name"] = name
    if kind == "page":
        category = message.get("category")
        if category is not None and category != "":
            merged["category"] = category
    return merged


_TYPE_NAMES = {name: name for name in CALL_TYPES}


def _fast_id(value: Any, name: str) -> str | None:
    """_id for the common case (a clean short printable string) without the checks' cost."""
    if type(value) is str and 0 < len(value) <= MAX_ID_LENGTH and value.strip() is value and value.isprintable():
        return value
    return _id(value, name)


def _time(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if type(value) is int and 100_000_000_000 <= value <= _MAX_MS:
        return value
    return parse_time(value, name)


def latest_allowed_ms() -> int:
    """The latest stored time accepted now (see EARLIEST_MS)."""
    return int(time.time() * 1000) + FUTURE_SLACK_MS


def normalize(message: Any, received_ms: int, *, arrived_now: bool = True, latest_ms: int | None = None,
              texts: dict[str, str] | None = None) -> Record:
    """Validate one Segment message and return its Record, or raise InvalidMessage.

    received_ms is when the batch arrived. With arrived_now=False (files) there is no
    arrival to correct device clocks against, so only a `receivedAt` in the message is used.
    latest_ms bounds the stored times (default: a day from now; pass it to save a clock read).
    `texts`, one dict for a batch: the batch's records share one string for equal JSON texts,
    event names and ids. A batch crosses from a worker process pickled, and pickle writes a
    string it has already written as a reference: ~700 -> ~270 bytes per event of a demo export,
    less to pickle there and to unpickle in the storing process (docs/benchmarks/clickhouse.md).
    """
    if type(message) is not dict and not isinstance(message, dict):
        raise InvalidMessage(f"a message must be a JSON object, got {type(message).__name__}")
    get = message.get
    raw_id = get("messageId")
    try:
        message_id = _fast_id(raw_id, "messageId") if raw_id is not None else None
        kind_raw = get("type")
        kind = _TYPE_NAMES.get(kind_raw) if type(kind_raw) is str else None
        if kind is None:
            if not isinstance(kind_raw, str) or not kind_raw.strip():
                raise InvalidMessage("missing type")
            kind = kind_raw.strip().lower()
            if kind not in _TYPE_NAMES:
                raise InvalidMessage(
                    f"unknown type {kind_raw[:40]!r} (expected one of {', '.join(CALL_TYPES)})")
        user_id = get("userId")
        if user_id is not None:
            user_id = _fast_id(user_id, "userId")
        anonymous_id = get("anonymousId")
        if anonymous_id is not None:
            anonymous_id = _fast_id(anonymous_id, "anonymousId")
        previous_id: str | None = None
        if kind == "alias":
            previous_id = _id(get("previousId"), "previousId")
            if previous_id is None or user_id is None:
                raise InvalidMessage("alias needs both previousId and userId")
        elif user_id is None and anonymous_id is None:
            raise InvalidMessage("missing both userId and anonymousId")

        context = get("context")
        if type(context) is not dict:
            context = _obj(context, "context")
        props = get("properties")
        if type(props) is not dict:
            props = _obj(props, "properties")
        traits: dict[str, Any] | None = None
        event: str | None = None
        if kind == "track":
            name = get("event")
            if name is None or name == "":
                raise InvalidMessage("track without event name")
            if not isinstance(name, str):
                raise InvalidMessage(f"event must be a string, got {type(name).__name__}")
            event = name if name.strip() is name else name.strip()
            if not event:
                raise InvalidMessage("track without event name")
            if len(event) > MAX_ID_LENGTH:
                raise InvalidMessage(f"event name is longer than {MAX_ID_LENGTH} characters")
            if not event.isprintable():
                _check_text(event, "event name")
        elif kind == "page" or kind == "screen":
            event = ANALYSIS_EVENT[kind]
            props = _page_properties(kind, message, props, context)
        elif kind == "identify":
            traits = dict(_obj(get("traits"), "traits"))
            props = traits
        elif kind == "group":
            group_id = _id(get("groupId"), "groupId")
            if group_id is None:
                raise InvalidMessage("group without groupId")
            props = {"groupId": group_id, "traits": _obj(get("traits"), "traits")}
        else:  # alias
            props = {"previousId": previous_id}
        ctx_traits = context.get("traits")
        if ctx_traits and isinstance(ctx_traits, dict):
            traits = {**ctx_traits, **traits} if traits else dict(ctx_traits)

        # Time (rule in the module docstring).
        own_received = _time(get("receivedAt"), "receivedAt")
        stamp = _time(get("timestamp"), "timestamp")
        original = _time(get("originalTimestamp"), "originalTimestamp")
        sent = _time(get("sentAt"), "sentAt")
        arrival = received_ms if arrived_now else own_received
        if sent is not None and arrival is not None:
            device = original if original is not None else stamp
            ts = arrival - (sent - device) if device is not None else arrival
        elif stamp is not None:
            ts = stamp
        elif original is not None:
            ts = original
        elif own_received is not None:
            ts = own_received
        else:
            ts = received_ms
        stored_received = received_ms if arrived_now or own_received is None else own_received
        latest = latest_ms if latest_ms is not None else latest_allowed_ms()
        if sent is not None and arrival is not None and not EARLIEST_MS <= ts <= latest:
            # The correction, not the device's own time, is what a user must be told about:
            # a sentAt far off the arrival moves a plausible timestamp by centuries.
            raise InvalidMessage(
                f"event time {_show_ms(ts)} is outside the accepted window (2000-01-01 to one "
                f"day from now) after the clock-skew correction: sentAt {_show_ms(sent)} is "
                f"{_show_span(sent - arrival)} the arrival time {_show_ms(arrival)}")
        ts = _in_window(ts, "event time", latest)
        stored_received = _in_window(stored_received, "receivedAt", max(latest, received_ms))

        props_json, size = _dump(props, "properties")
        ctx_json, ctx_size = _dump(context, "context")
        size += ctx_size
        if traits is not None and kind != "identify":
            size += _dump(traits, "traits")[1]
        if size > MAX_MESSAGE_BYTES // 2:
            # Close to the limit: measure the whole message exactly.
            size = _dump(message, "message")[1]
        if size > MAX_MESSAGE_BYTES:
            raise InvalidMessage(f"message is {size} bytes, over the {MAX_MESSAGE_BYTES // 1024} KB limit")

        if message_id is None:
            has_time = stamp is not None or original is not None or own_received is not None
            # Live messages without any time are distinct sends; file lines are stable content.
            salt = "" if (has_time or not arrived_now) else f"@{received_ms}"
            message_id = content_message_id(message, salt)

        ip = context.get("ip")
        user_agent = context.get("userAgent")
        referrer: str | None = None
        if kind == "page":
            ref = props.get("referrer")
            referrer = ref if isinstance(ref, str) else ""
        else:
            page = context.get("page")
            if page is not None and isinstance(page, dict):
                ref = page.get("referrer")
                referrer = ref if isinstance(ref, str) else ""
        if texts is not None:
            share = texts.setdefault
            props_json = share(props_json, props_json)
            ctx_json = share(ctx_json, ctx_json)
            if event is not None:
                event = share(event, event)
            if user_id is not None:
                user_id = share(user_id, user_id)
            if anonymous_id is not None:
                anonymous_id = share(anonymous_id, anonymous_id)
        return Record(
            message_id, kind, event, user_id, anonymous_id, ts, stored_received, props_json, ctx_json,
            traits, previous_id,
            ip=ip if ip and isinstance(ip, str) else None,
            user_agent=user_agent if user_agent and isinstance(user_agent, str) else None,
            referrer=referrer,
        )
    except InvalidMessage as exc:
        if exc.message_id is None and isinstance(raw_id, str):
            exc.message_id = raw_id[:MAX_ID_LENGTH]
        raise
