"""Import Segment messages from files: JSON Lines or batch documents, gzip or plain.

Files are streamed in constant memory (a multi-GB export works): JSON Lines line by line,
and a `{"batch": [...]}` or `[...]` document element by element with an incremental
decoder, so memory is bounded by the largest single message, not the file. Messages
go through EventWriter in large chunks (one transaction each).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from app.ingest.enrich import Enricher
from app.ingest.jsonread import loads, parse_int
from app.ingest.messages import OversizedNumber, unusable_batch_field
from app.ingest.pipeline import store_in_order
from app.ingest.workers import Batch, Preparers
from app.ingest.writer import EventWriter, IngestResult, prepare_messages

#: Messages per EventWriter call (one transaction) where the backend says nothing else
#: (Backend.bulk_batch_rows: 20,000 on ClickHouse).
CHUNK = 5000
#: Problems listed in the summary (all are counted).
KEEP_PROBLEMS = 20
_READ = 1 << 20
UTF8_BOM = b"\xef\xbb\xbf"
#: Longest line (JSON Lines) or array element (documents) read; the rest of it is skipped, so a
#: hostile file costs bounded memory. One message is at most 32 KB, so this is generous.
MAX_LINE_BYTES = 1 << 20
#: Most of a batch document's array held until its object ends (8x Segment's 500 KB batch).
HOLD_BYTES = 4 << 20
#: Content lines read before deciding whether a file is JSON Lines or one document (see _layout):
#: so many corrupt lines at its start still leave two whole messages a line to tell it by.
HEAD_LINES = 10


class ImportFileError(Exception):
    """A file could not be read (missing, unreadable, corrupt compression); one-line message."""


@dataclass(frozen=True)
class Problem:
    """A line or element that was not stored, and why; or (`ignored`) a part of a line that was
    not used while the rest of it was (a batch's context that is not an object)."""

    file: str
    line: int
    reason: str
    ignored: bool = False


@dataclass
class ImportSummary:
    """Totals of one import run."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    #: stored messages with a trait left out of their person's profile (IngestResult.traits_left_out)
    traits_left_out: int = 0
    #: parts of lines not used (Problem.ignored), counted; the first KEEP_PROBLEMS kept in `notes`
    ignored: int = 0
    notes: list[Problem] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return self.stored + self.duplicates + self.rejected

    def reject(self, problem: Problem) -> None:
        self.rejected += 1
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(problem)

    def note(self, problem: Problem) -> None:
        self.ignored += 1
        if len(self.notes) < KEEP_PROBLEMS:
            self.notes.append(problem)


class _Source:
    """A binary stream over a plain or gzip file, reporting how far into the file we are."""

    def __init__(self, path: Path) -> None:
        try:
            self.raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise ImportFileError(f"cannot open {path}: {exc.strerror or exc}") from exc
        # Peeked, not read and sought back: a pipe (`zcat x.gz | tracklens import /dev/stdin`,
        # `<(...)`) cannot seek.
        magic = self.raw.peek(2)[:2]
        self.stream: io.BufferedIOBase | _Unreadable = _as_utf8(
            gzip.GzipFile(fileobj=self.raw, mode="rb") if magic == b"\x1f\x8b" else self.raw
        )
        self.size = os.fstat(self.raw.fileno()).st_size

    def position(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return self.size

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()  # and the streams it reads (gzip, UTF-16)
        self.raw.close()


#: Byte order marks of UTF-16 text: Windows PowerShell 5 writes UTF-16 LE with one (`>`, Out-File).
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _as_utf8(stream: io.BufferedIOBase) -> io.BufferedIOBase | _Unreadable:
    """`stream`, or for UTF-16 text (a byte order mark tells) the same text as UTF-8, read a piece
    at a time: such a file was one rejected line, "not UTF-8 text near byte 0", nothing stored."""
    try:
        start = stream.peek(2)[:2]  # type: ignore[attr-defined]
    except (OSError, EOFError, zlib.error) as exc:
        return _Unreadable(exc)  # a gzip file cut off in its header: its first read says so
    if start not in _UTF16_BOMS:
        return stream
    return io.BufferedReader(_FromUtf16(stream), buffer_size=_READ)


class _FromUtf16(io.RawIOBase):
    """UTF-16 text as UTF-8 bytes. An unpaired surrogate is kept (surrogatepass), so it fails
    only the line holding it, as invalid UTF-8; an odd last byte becomes U+FFFD."""

    def __init__(self, stream: io.BufferedIOBase) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-16")(errors="surrogatepass")
        self.pending = b""
        self.at = 0
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.at >= len(self.pending) and not self.ended:
            data = self.stream.read1(_READ)
            if data:
                text = self.decoder.decode(data)
            else:
                self.ended = True
                try:
                    text = self.decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    text = "\ufffd"
            self.pending, self.at = text.encode("utf-8", "surrogatepass"), 0
        size = min(len(buffer), len(self.pending) - self.at)
        buffer[:size] = self.pending[self.at:self.at + size]
        self.at += size
        return size

    def close(self) -> None:
        self.stream.close()
        super().close()


class _Ignored(NamedTuple):
    """Stands among a file's messages for a part of a line that was not used (see Problem.ignored)."""

    reason: str


Item = tuple[int, Any]  # (line number, message dict, an Exception explaining why not, or _Ignored)


class _LongLine:
    """Stands for a line longer than MAX_LINE_BYTES, skipped without being kept in memory."""

    def __init__(self, size: int) -> None:
        self.size = size


def _bounded_lines(stream: Any, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | _LongLine]:
    """The stream's lines, each at most `limit` bytes; longer ones are read past, not kept."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = stream.readline(_READ)
            if not raw:
                break
            size += len(raw)
        yield _LongLine(size)


def _iter_json_lines(stream: Iterable[bytes | _LongLine], first_line_no: int = 1) -> Iterator[Item]:
    for line_no, raw in enumerate(stream, start=first_line_no):
        if isinstance(raw, _LongLine):
            yield line_no, ValueError(f"line of {raw.size:,} bytes, over the {MAX_LINE_BYTES:,}-byte limit")
            continue
        text = raw.strip()
        if not text:
            continue
        try:
            value = loads(text)
        except ValueError as exc:
            yield line_no, ValueError(f"invalid JSON ({_short(exc)})")
            continue
        if isinstance(value, dict) and isinstance(value.get("batch"), list):
            if (ignored := unusable_batch_field("context", value.get("context"), len(value["batch"]))) is not None:
                yield line_no, _Ignored(ignored)
            yield from ((line_no, m) for m in _with_batch_fields(value))
        elif isinstance(value, dict) and value.get("batch") is not None and "type" not in value:
            # Was "missing type": the reason named a field the line was never meant to have.
            yield line_no, ValueError(f'"batch" must be a list of messages, got {type(value["batch"]).__name__}')
        else:
            yield line_no, value


def _with_batch_fields(document: dict[str, Any]) -> Iterator[Any]:
    """The batch's messages, each given the batch-level sentAt/context it lacks."""
    for message in document["batch"]:
        yield _given_batch_fields(message, document)


def _given_batch_fields(message: Any, fields: dict[str, Any]) -> Any:
    """`message` with the batch's sentAt where it has none and the batch's context under its own.

    A message whose own context is not an object is left for validation to reject ("context
    must be an object"): merging into it raised TypeError, which ended the whole import with a
    traceback and left the rest of the file unread. A batch context that is not an object is
    not merged (its reader says so: unusable_batch_field).
    """
    if not isinstance(message, dict):
        return message
    sent_at, context = fields.get("sentAt"), fields.get("context")
    if sent_at is not None and message.get("sentAt") is None:
        message = {**message, "sentAt": sent_at}
    own = message.get("context")
    if isinstance(context, dict) and (own is None or isinstance(own, dict)):
        message = {**message, "context": {**context, **(own or {})}}
    return message


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _newlines(text: str, start: int, end: int) -> int:
    """Newlines in text[start:end]: every line number of a document is counted here."""
    return text.count("\n", start, end)


#: What ends a number or literal; what matters inside a string; what nests outside strings.
_SCALAR_END = re.compile(r"[,\]}\s]")
_STRING_BODY = re.compile(r'(?:[^"\\]++|\\.)*+', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _Document:
    """Incremental reader of one JSON document holding a top-level array of messages.

    Accepts `[m, m, ...]` and `{"batch": [m, ...], "sentAt": ..., ...}`; decodes one element
    at a time from a sliding buffer (json.JSONDecoder.raw_decode), so memory stays bounded.
    """

    def __init__(self, stream: _Prepend, first_line: int = 1) -> None:
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.line = first_line
        self.eof = False
        self.decoder = json.JSONDecoder(parse_int=parse_int)
        self.tail = b""
        #: Characters of the last value _value() returned (0 for one it skipped).
        self.last_size = 0
        #: How far into buf newlines are counted (line_at), and how many there are before it.
        self.seen = 0
        self.seen_lines = 0

    def line_at(self, pos: int) -> int:
        """The line of buf[pos]. Newlines are counted on from the position asked before, not from
        the buffer's start each time: per element that was quadratic in the elements of a buffer
        (a 2.5 MB pretty-printed batch of 6,000 messages scanned 2.8 GB; 900 KB of `{},` took
        51 s on a loaded machine)."""
        if pos < self.seen:
            self.seen = self.seen_lines = 0
        self.seen_lines += _newlines(self.buf, self.seen, pos)
        self.seen = pos
        return self.line + self.seen_lines

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(_READ)
        if not chunk:
            self.eof = True
            if self.tail:
                raise ValueError("the file ends inside a UTF-8 character")
            return False
        data = self.tail + chunk
        try:
            text = data.decode("utf-8")
            self.tail = b""
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3:
                text = data[: exc.start].decode("utf-8")
                self.tail = data[exc.start:]
            else:
                raise ValueError(f"not UTF-8 text near byte {exc.start}") from None
        # Drop what was consumed, counting its lines for error messages.
        self.line = self.line_at(self.pos)
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        self.seen = self.seen_lines = 0
        return True

    def _skip_ws(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def peek(self) -> str:
        """The next character that is not whitespace, left unread ("" at the end of the file):
        whether another document follows the one just read."""
        return self._skip_ws()

    def _expect(self, chars: str) -> str:
        char = self._skip_ws()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            raise ValueError(f"expected {' or '.join(repr(c) for c in chars)}, found {found}")
        self.pos += 1
        return char

    def _value(self) -> tuple[int, Any]:
        """The next value, or (line, ValueError) for one too long or too deep to read (skipped)."""
        self.last_size = 0
        self._skip_ws()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_LINE_BYTES:
                    return self._skip_value(f"an element over the {MAX_LINE_BYTES:,}-byte limit")
                # Incomplete at the end of the buffer: read more and retry; else a real error.
                if self._more():
                    continue
                raise ValueError(f"invalid JSON ({_short(exc)})") from None
            except RecursionError:
                return self._skip_value("an element nested too deeply to read")
            # A number at the end of the buffer may continue in the next chunk.
            if end == len(self.buf) and isinstance(value, int | float | OversizedNumber):
                if end - self.pos > MAX_LINE_BYTES:
                    return self._skip_value(f"an element over the {MAX_LINE_BYTES:,}-byte limit")
                if self._more():
                    continue
            line = self.line_at(self.pos)
            self.last_size = end - self.pos
            self.pos = end
            return line, value

    def _skip_value(self, reason: str) -> tuple[int, Any]:
        """Read past the value at pos (strings and brackets matched), keeping none of it.

        Runs of string content and of brackets that cannot close the value are passed by
        regular expressions and str.count, so even a file of nothing but brackets is skipped
        at C speed.
        """
        line = self.line_at(self.pos)
        if self.buf[self.pos] not in '[{"':
            while (found := _SCALAR_END.search(self.buf, self.pos)) is None:
                self.pos = len(self.buf)
                if not self._more():
                    return line, ValueError(reason)
            self.pos = found.start()
            return line, ValueError(reason)
        depth = 0 if self.buf[self.pos] == '"' else 1
        in_string = depth == 0
        self.pos += 1
        while True:
            if in_string:
                self.pos = _STRING_BODY.match(self.buf, self.pos).end()  # type: ignore[union-attr]
                if self.pos < len(self.buf) and self.buf[self.pos] == '"':
                    self.pos += 1
                    in_string = False
                    if depth == 0:
                        return line, ValueError(reason)
                elif not self._more():  # the string goes on (or a backslash waits for its char)
                    return line, ValueError(reason)
                continue
            quote = self.buf.find('"', self.pos)
            stop = len(self.buf) if quote < 0 else quote
            closes = self.buf.count("]", self.pos, stop) + self.buf.count("}", self.pos, stop)
            if closes < depth:  # this stretch cannot close the value: count it in one go
                depth += self.buf.count("[", self.pos, stop) + self.buf.count("{", self.pos, stop) - closes
                self.pos = stop
            else:
                for found in _BRACKET.finditer(self.buf, self.pos, stop):
                    depth += 1 if found.group() in "[{" else -1
                    if depth == 0:
                        self.pos = found.end()
                        return line, ValueError(reason)
                self.pos = stop
            if quote >= 0:
                self.pos += 1
                in_string = True
            elif not self._more():
                return line, ValueError(reason)

    def _array(self) -> Iterator[Item]:
        self._expect("[")
        if self._skip_ws() == "]":
            self.pos += 1
            return
        while True:
            yield self._value()
            if self._expect(",]") == "]":
                return

    def items(self, batch_fields: dict[str, Any]) -> Iterator[Item]:
        first = self._skip_ws()
        if first == "[":
            yield from self._array()
            return
        start = self.line_at(self.pos)
        self._expect("{")
        # Until a "batch" key shows up the object may be one message, pretty-printed (a payload
        # copied from a debugger): its fields are kept, up to one element's limit. Such a file
        # was "0 messages, 0 rejected": its message lost without a word.
        single: dict[str, Any] | None = {}
        kept = 0
        is_batch = False
        held: list[Item] | None = []
        count = 0
        try:
            if self._skip_ws() == "}":
                self.pos += 1
            else:
                while True:
                    if (char := self._skip_ws()) != '"':
                        # Read as a value, a key of 1 GB of "{" was skipped to the end of the file,
                        # then reported as "expected ':', found the end of the file".
                        found = repr(char) if char else "the end of the file"
                        raise ValueError(f"expected a key (a string in double quotes), found {found}")
                    _line, key = self._value()
                    self._expect(":")
                    if key == "batch":
                        is_batch, single = True, None
                        # Segment writes {"batch": [...], "context": ..., "sentAt": ...}: fields after the
                        # array apply too, so a batch of up to HOLD_BYTES is held until the object ends
                        # (a pretty-printed batch lost its context, and so its geolocation, where the
                        # same batch on one line kept it). A longer one streams with the fields before it.
                        held_bytes = 0
                        for line, message in self._array():
                            count += 1
                            if held is not None:
                                held.append((line, message))
                                held_bytes += self.last_size
                                if held_bytes <= HOLD_BYTES:
                                    continue
                                for item in held:
                                    yield item[0], _given_batch_fields(item[1], batch_fields)
                                held = None
                                continue
                            yield line, _given_batch_fields(message, batch_fields)
                    else:
                        _line, value = self._value()
                        if key in ("sentAt", "context"):
                            batch_fields[key] = value
                        if single is not None:
                            kept += len(str(key)) + (MAX_LINE_BYTES if isinstance(value, Exception)
                                                     else len(json.dumps(value, default=str)))
                            if kept <= MAX_LINE_BYTES:
                                single[str(key)] = value
                            else:
                                single = None
                    if self._expect(",}") == "}":
                        break
        except (ValueError, OSError, EOFError, zlib.error):
            # Cut or broken further on: what was read is still stored, as when streaming.
            for line, message in held or ():
                yield line, _given_batch_fields(message, batch_fields)
            if is_batch and (ignored := unusable_batch_field("context", batch_fields.get("context"), count)):
                yield start, _Ignored(ignored)
            raise
        for line, message in held or ():
            yield line, _given_batch_fields(message, batch_fields)
        if is_batch and (ignored := unusable_batch_field("context", batch_fields.get("context"), count)):
            yield start, _Ignored(ignored)
        if not is_batch:
            yield start, single if single is not None else ValueError(
                f'a JSON object without "batch" over the {MAX_LINE_BYTES:,}-byte limit of one message')


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(loads(line), dict)
    except ValueError:
        return False


def _opens_an_array(line: bytes) -> bool:
    """Whether `line` is the start of a JSON document that ends opening an array (`{"batch": [`):
    a pretty-printed batch document with a message a line, not a corrupt first line of JSON Lines.
    Its second line, a whole message, made the file JSON Lines: `{"batch": [` and `]}` were
    rejected, and with a comma leading each further line all messages after the first were lost."""
    line = line.rstrip()
    if not line.endswith(b"["):
        return False
    closers: list[bytes] = []
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            closers.append(b"]" if byte == 0x5B else b"}")
        elif byte in b"]}":
            if not closers:
                return False
            closers.pop()
    if in_string or not closers or closers[-1] != b"]":
        return False
    try:
        loads(line + b"".join(reversed(closers)))
    except ValueError:
        return False
    return True


class _Unreadable:
    """The rest of a stream whose read failed while its head was read: fails the same way."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        raise self.error

    def read1(self, _size: int = -1) -> bytes:
        raise self.error

    def readline(self, _size: int = -1) -> bytes:
        raise self.error

    def close(self) -> None:
        pass


class _Head(NamedTuple):
    """Where a file's content starts, and how it is laid out (see _layout)."""

    #: JSON Lines (True), one JSON document (False), or None for a file without content.
    lines: bool | None
    #: The stream from the first content byte on.
    stream: _Prepend
    #: Number of the line the content starts on.
    first_line: int
    #: Bytes of the (decompressed) file before it: a byte order mark, whitespace.
    offset: int


def _read_head(stream: io.BufferedIOBase | _Unreadable) -> tuple[bytes, int, int, io.BufferedIOBase | _Unreadable]:
    """The file's start (up to HEAD_LINES complete content lines, at most MAX_LINE_BYTES), the bytes and
    line ends read past before it, and the stream of the rest.

    A UTF-8 byte order mark (Notepad, PowerShell 5's utf8) and the whitespace before the first
    content are read past and not kept, however long: a file whose first megabyte was blank lines
    or spaces was taken for an empty one, "0 messages" and every message after them lost.
    Read in small pieces (read1: what one read gives, kept even if the next fails) so that a
    file corrupt or cut off further on is still detected, and its first lines stored, the way
    later reads are: a gzip file cut off in its first 64 KB stored nothing.
    Once a read gives the end, the rest is an empty stream, not read again: a terminal's read
    after a Ctrl+D waits for more typing, so `tracklens import /dev/stdin` ended only at a
    second Ctrl+D.
    """
    head = b""
    skipped = newlines = 0
    at_start = True
    try:
        while len(head) < MAX_LINE_BYTES:
            piece = stream.read1(min(1 << 16, MAX_LINE_BYTES - len(head)))
            if not piece:
                return head, skipped, newlines, io.BytesIO()
            if at_start:  # a byte order mark can only be the file's first bytes
                head += piece
                if len(head) < len(UTF8_BOM) and UTF8_BOM.startswith(head):
                    continue
                at_start = False
                piece, head = head, b""
                if piece.startswith(UTF8_BOM):
                    piece, skipped = piece[len(UTF8_BOM):], len(UTF8_BOM)
            if not head:
                content = piece.lstrip(b" \t\r\n")
                cut = len(piece) - len(content)
                newlines += piece.count(b"\n", 0, cut)
                skipped += cut
                piece = content
            head += piece
            if sum(1 for line in head.split(b"\n")[:-1] if line.strip()) >= HEAD_LINES:
                break
    except (OSError, EOFError, zlib.error) as exc:
        return head, skipped, newlines, _Unreadable(exc)
    return head, skipped, newlines, stream


def _layout(source: _Source) -> _Head:
    """How the file is laid out, and where its content starts.

    JSON Lines when the first or second content line is a JSON object on its own
    (so a corrupt first line does not hide a good file), unless the first line opens an array
    the second continues (`{"batch": [` and one message a line, the third line going on with
    "," or "]"); also when a later line of the first HEAD_LINES is a message no document could
    hold there (_no_document_can_hold: several corrupt lines first); otherwise one JSON document.
    """
    # Decide from the first MAX_LINE_BYTES: a first line longer than that is a minified document.
    head, skipped, newlines, rest = _read_head(source.stream)
    full = len(head) >= MAX_LINE_BYTES
    prefixed = _Prepend(head, rest)
    lines = head.split(b"\n")
    complete = lines[:-1] if full else lines
    content = [s for s in (line.strip() for line in complete[:2000]) if s][:HEAD_LINES]
    if not content and not head.strip():
        if isinstance(rest, _Unreadable):
            raise rest.error
        return _Head(None, prefixed, newlines + 1, skipped)
    line_mode = bool(content) and content[0].startswith(b"{") and (
        _parses_as_object(content[0]) or (
            len(content) > 1 and _parses_as_object(content[1]) and not _continues_an_array(content)))
    return _Head(line_mode or _no_document_can_hold(content), prefixed, newlines + 1, skipped)


def _no_document_can_hold(content: list[bytes]) -> bool:
    """Whether the first content lines hold a whole message on a line of its own (not the first)
    followed by a line that no JSON document could go on with there, after lines that are not
    whole documents themselves: then the file is JSON Lines whose first lines are corrupt.

    In a document, a value is followed by "," or a closing "]" or "}"; a line after it that is
    another message (`{...}`) is not. Read as a document, such a file was lost from there on:
    a JSON Lines file whose first two lines were cut (`{"batch": [` and half a message), or
    which began in the middle of a line (`split -b`), stored nothing of its thousands of good
    lines ("...; the rest of this file cannot be read"). Only the first such line is looked at,
    and the lines before it read as documents (`cat pretty.json more.jsonl`) keep the file one.
    """
    for at in range(1, len(content) - 1):
        if content[at + 1][:1] not in (b",", b"]", b"}") and _parses_as_object(content[at]):
            return not _reads_as_documents(b"\n".join(content[:at]))
    return False


def _reads_as_documents(text: bytes) -> bool:
    """Whether `text` is whole JSON documents one after another: read as such a file is read
    (_document_items), without a rejected element or anything after them."""
    return not any(isinstance(item, Exception) for _line, item in _document_items(_Prepend(text, io.BytesIO())))


def _continues_an_array(content: list[bytes]) -> bool:
    """Whether the first content lines are a document with one message a line: the first opens an
    array (`{"batch": [`), the second is a whole message, and the third, if read, goes on as an
    array does after an element, with "," or "]". A third line that is a message of its own
    cannot follow an element of an array: the first line was a corrupt line of JSON Lines (a cut
    `{"batch": [`), and read as a document every message after the second was lost, said only as
    "expected ',' or ']', found '{'" (3,000 good lines: 1 stored)."""
    if not _opens_an_array(content[0]):
        return False
    return len(content) < 3 or content[2][:1] in (b",", b"]")


#: The first bytes of files that are no JSON text, and what to say instead of "not UTF-8 text near byte 12".
_NOT_JSON = (
    (b"PK\x03\x04", "a zip archive, not JSON: unzip it first (tracklens import reads plain or gzip files)"),
    (b"\x1f\x8b", "gzip data inside a gzip file: it was compressed twice; decompress it once first"),
    (b"BZh", "bzip2-compressed, not JSON: decompress it first (tracklens import reads plain or gzip files)"),
    (b"\xfd7zXZ\x00", "xz-compressed, not JSON: decompress it first (tracklens import reads plain or gzip files)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed, not JSON: decompress it first (tracklens import reads plain or gzip files)"),
)


def _not_json_text(head: bytes) -> str | None:
    """What a file that cannot be JSON text is, when its first bytes tell (a compressed format,
    UTF-16 without a byte order mark); None otherwise."""
    for magic, kind in _NOT_JSON:
        if head.startswith(magic):
            return kind
    if head[:2] in (b"{\x00", b"[\x00", b"\x00{", b"\x00["):  # UTF-16 LE or BE of "{" or "["
        return "UTF-16 text without a byte order mark: save it as UTF-8 (or UTF-16 with a byte order mark)"
    return None


def _document_items(prefixed: _Prepend, first_line: int = 1) -> Iterator[Item]:
    """The messages of the file's JSON documents, read to its end: documents written one after the
    other (`cat monday.json tuesday.json`) are all read, and text after the last is a rejected
    line. Only the first document was read: the others' messages were lost without a word."""
    kind = _not_json_text(prefixed.first)
    if kind is not None:
        yield first_line, ValueError(f"{kind}; the rest of this file cannot be read")
        return
    document = _Document(prefixed, first_line)
    try:
        while True:
            yield from document.items({})
            after = document.peek()
            if not after:
                return
            if after not in "[{":
                raise ValueError(f"{after!r} after the end of the JSON document")
    except ValueError as exc:
        yield document.line_at(document.pos), ValueError(
            f"{exc}; the rest of this file cannot be read")


def iter_messages(source: _Source) -> Iterator[Item]:
    """(line, message) for every message in a file of any supported layout (see _layout)."""
    head = _layout(source)
    if head.lines is None:
        return
    if head.lines:
        yield from _iter_json_lines(_bounded_lines(head.stream), head.first_line)
    else:
        yield from _document_items(head.stream, head.first_line)


class _Prepend:
    """A stream with already-read bytes put back in front."""

    def __init__(self, first: bytes, stream: Any) -> None:
        self.first = first
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            first, self.first = self.first, b""
            yield first
        yield from self.stream

    def readline(self, size: int = -1) -> bytes:
        if not self.first:
            return bytes(self.stream.readline(size))
        end = self.first.find(b"\n") + 1 or len(self.first)
        if 0 <= size < end:
            end = size
        line, self.first = self.first[:end], self.first[end:]
        if line.endswith(b"\n") or self.first or (0 <= size <= len(line)):
            return line
        return line + bytes(self.stream.readline(-1 if size < 0 else size - len(line)))

    def read(self, size: int = -1) -> bytes:
        """What one read gives (at most `size` bytes, fewer before the end too, as read1): a
        read that fails loses nothing read before it (a gzip file cut off mid-document)."""
        if self.first:
            first, self.first = self.first, b""
            return first
        return bytes(self.stream.read1(size))


def import_files(writer: EventWriter, paths: list[str | os.PathLike[str]], *, chunk: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 on_file: Callable[[Path, int], None] | None = None,
                 summary: ImportSummary | None = None, workers: int = 0) -> ImportSummary:
    """Import the files in order; returns totals with the first problems and their line numbers.

    Pass `summary` to keep the partial totals when an error interrupts the import.

    progress(bytes_read_in_current_file, messages_so_far) is called after every chunk;
    on_file(path, size) when a file starts. Raises ImportFileError when a file cannot be
    read (chunks already written stay written: re-running the import skips them).
    workers > 0 parses, validates and enriches JSON Lines in that many processes (see
    app.ingest.workers); what is stored is the same as with workers=0. `chunk`: messages per
    batch, by default the database's (Backend.bulk_batch_rows).
    """
    summary = summary if summary is not None else ImportSummary()
    if chunk is None:
        chunk = writer.backend.bulk_batch_rows
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists() or path.is_dir():  # a pipe or a device is read like a file
            raise ImportFileError(f"no such file: {path}")
    with Preparers(writer, workers) as preparers:
        for raw_path in paths:
            path = Path(raw_path)
            source = _Source(path)
            summary.files += 1
            if on_file is not None:
                on_file(path, source.size)
            try:
                _import_one(writer, preparers, source, str(path), summary, chunk, progress)
            except (OSError, EOFError, zlib.error) as exc:
                raise ImportFileError(f"cannot read {path}: {_short(exc)}") from exc
            finally:
                source.close()
    if summary.stored:
        writer.refresh_statistics()
    return summary


#: Most bytes of JSON Lines handed to one preparing task of CHUNK lines (lines are at most
#: MAX_LINE_BYTES each); in proportion for larger batches.
_CHUNK_BYTES = 8 << 20


def _line_chunks(stream: _Prepend, lines_per_chunk: int,
                 first: int = 1) -> Iterator[tuple[list[bytes | _LongLine], int]]:
    """(raw lines, number of the first) in chunks; blank lines included so numbers stay right."""
    lines: list[bytes | _LongLine] = []
    size = 0
    most_bytes = _CHUNK_BYTES * max(1, lines_per_chunk // CHUNK)
    try:
        for raw in _bounded_lines(stream):
            lines.append(raw)
            if isinstance(raw, bytes):
                size += len(raw)
            if len(lines) >= lines_per_chunk or size >= most_bytes:
                yield lines, first
                first += len(lines)
                lines, size = [], 0
    except (OSError, EOFError, zlib.error):
        # Whatever was read before a read error is still stored.
        if lines:
            yield lines, first
        raise
    if lines:
        yield lines, first


def _batch_messages(items: Iterator[Item], chunk: int, name: str, numbers: list[int], unreadable: list[Problem],
                    ended: list[BaseException | None]) -> Iterator[Any]:
    """The next batch's messages as they are read (at most `chunk`), their line numbers into
    `numbers`, unreadable lines (and ignored parts: Problem.ignored) into `unreadable`; once the
    items end, how into `ended`: None, or the read error, raised after this batch is stored
    (whatever was read before it is kept)."""
    try:
        for line, message in items:
            if isinstance(message, Exception):
                unreadable.append(Problem(name, line, str(message)))
                continue
            if isinstance(message, _Ignored):
                unreadable.append(Problem(name, line, message.reason, ignored=True))
                continue
            numbers.append(line)
            yield message
            if len(numbers) >= chunk:
                return
    except (OSError, EOFError, zlib.error) as exc:  # a document read from a file
        ended.append(exc)
        return
    ended.append(None)


def _prepare_items(enricher: Enricher | None, items: Iterable[Item], chunk: int, name: str) -> Iterator[Batch]:
    """The items prepared in batches of `chunk` messages; each batch's tag is every problem of its
    lines, in line order.

    Each message is validated as soon as it is read, not once its batch is complete: a batch
    holds its records, not also every parsed message, whose thousands of dicts were allocated,
    held and freed together (~2 us per message of a worker's ~15, docs/benchmarks/clickhouse.md).
    """
    rest = iter(items)
    ended: list[BaseException | None] = []
    while not ended:
        numbers: list[int] = []
        unreadable: list[Problem] = []
        records, result = prepare_messages(_batch_messages(rest, chunk, name, numbers, unreadable, ended),
                                           enricher, arrived_now=False)
        if numbers or unreadable:
            problems = unreadable + [Problem(name, numbers[rej.index], rej.reason) for rej in result.rejected]
            yield records, result, sorted(problems, key=lambda p: p.line)
    if ended[0] is not None:
        raise ended[0]


def _prepare_lines(enricher: Enricher | None, lines: list[bytes | _LongLine], first_line: int, chunk: int,
                   name: str) -> list[Batch]:
    """A chunk of JSON Lines parsed and prepared (in a worker process, or in this one)."""
    return list(_prepare_items(enricher, _iter_json_lines(lines, first_line), chunk, name))


#: Bytes the storing process reads at a time while it finds where a worker's lines start and end.
_SCAN = 1 << 20


def _file_for_workers(source: _Source) -> str | None:
    """The real path of a plain (not gzip) regular file that worker processes can open and read
    themselves, or None (gzip: a worker cannot start inside the stream; a pipe, a device,
    `-`: only this process can read it). /dev/stdin redirected from a file (`< export.jsonl`)
    gives the file's own path: a worker's /dev/stdin is its own standard input, which need not be
    the file."""
    if source.stream is not source.raw:
        return None
    try:
        opened = os.fstat(source.raw.fileno())
        real = os.path.realpath(source.raw.name)
        named = os.stat(real)
    except (OSError, TypeError, ValueError):
        return None
    if not stat.S_ISREG(opened.st_mode) or (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
        return None
    return real


def _line_spans(raw: io.BufferedIOBase, start: int, lines_per_chunk: int,
                first_line: int = 1) -> Iterator[tuple[int, int, int]]:
    """(number of the first line, first byte, end byte) of each chunk of lines from `start` on:
    `lines_per_chunk` lines (blank and over-long ones included, so numbers stay right), fewer
    where the chunk's bytes reach _line_chunks' limit. Only newlines are looked at, a block at a
    time (bytes.count and bytes.find: ~0.3 us per line, where reading the lines, keeping them and
    pickling them to a worker cost the storing process ~1-2 us)."""
    most_bytes = _CHUNK_BYTES * max(1, lines_per_chunk // CHUNK)
    raw.seek(start)
    first, lines, chunk_start, offset = first_line, 0, start, start  # offset: the file's position of block[0]
    while block := raw.read(_SCAN):
        at = 0
        while at < len(block):
            need = lines_per_chunk - lines
            room = chunk_start + most_bytes - (offset + at)  # bytes before the size limit is reached
            newlines = block.count(b"\n", at)
            if newlines < need and len(block) - at < room:
                lines += newlines
                break
            while at < len(block):  # line by line, up to the chunk's end
                newline = block.find(b"\n", at)
                if newline < 0:
                    at = len(block)
                    break
                at = newline + 1
                lines += 1
                if lines >= lines_per_chunk or offset + at - chunk_start >= most_bytes:
                    yield first, chunk_start, offset + at
                    first, lines, chunk_start = first + lines, 0, offset + at
                    break
        offset += len(block)
    if offset > chunk_start:
        yield first, chunk_start, offset


def _prepare_span(enricher: Enricher | None, path: str, identity: tuple[int, int], start: int, end: int,
                  first_line: int, chunk: int, name: str) -> list[Batch]:
    """The file's lines between bytes `start` and `end`, read and prepared here (in a worker
    process): the storing process only found where they are. Refused (OSError) when `path` is no
    longer the file the storing process opened, or ends before `end`."""
    with open(path, "rb") as f:
        found = os.fstat(f.fileno())
        if (found.st_dev, found.st_ino) != identity:
            raise OSError(f"{name} was replaced while it was read")
        f.seek(start)
        if end - start <= _CHUNK_BYTES * max(1, chunk // CHUNK) + MAX_LINE_BYTES + 1:
            data = f.read(end - start)
            if len(data) != end - start:
                raise OSError(f"{name} was cut short while it was read")
            return list(_prepare_items(enricher, _iter_json_lines(_bounded_lines(io.BytesIO(data)), first_line),
                                       chunk, name))
        # A line far over MAX_LINE_BYTES: read past a piece at a time, never held whole.
        span = _Span(f, end - start)
        batches = list(_prepare_items(enricher, _iter_json_lines(_bounded_lines(span), first_line), chunk, name))
        if span.left:
            raise OSError(f"{name} was cut short while it was read")
        return batches


class _Span:
    """The next `size` bytes of a binary file, read by lines (what _bounded_lines asks)."""

    def __init__(self, f: Any, size: int) -> None:
        self.f = f
        self.left = size

    def readline(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        line = bytes(self.f.readline(size))
        self.left -= len(line)
        return line


def _ready(batches: list[Batch]) -> Callable[[], list[Batch]]:
    return lambda: batches


def _import_one(writer: EventWriter, preparers: Preparers, source: _Source, name: str, summary: ImportSummary,
                chunk: int, progress: Callable[[int, int], None] | None) -> None:
    """Read and prepare on a helper thread (or worker processes) while this thread stores."""
    head = _layout(source)
    line_mode, stream = head.lines, head.stream
    if line_mode is None:
        return

    def handles() -> Iterator[Callable[[], list[Batch]]]:
        if line_mode and preparers.workers and (path := _file_for_workers(source)) is not None:
            # JSON Lines in a plain file: each worker reads its chunk of lines from the file itself;
            # this process only finds where the chunks start and end (no line is read and pickled
            # here: ~1-2 us per line of the storing process's CPU, docs/benchmarks/clickhouse.md).
            opened = os.fstat(source.raw.fileno())
            for first, begin, end in _line_spans(source.raw, head.offset, chunk, head.first_line):
                yield _at(preparers.submit(_prepare_span, path, (opened.st_dev, opened.st_ino), begin, end, first,
                                           chunk, name), end)
        elif line_mode:
            # JSON Lines: raw lines go to the workers, which parse them too.
            for lines, first in _line_chunks(stream, chunk, head.first_line):
                yield _at(preparers.submit(_prepare_lines, lines, first, chunk, name), source.position())
        else:
            # One document: read element by element here (its parser keeps state), prepared here.
            for batch in _prepare_items(preparers.enricher, _document_items(stream, head.first_line), chunk, name):
                yield _at(_ready([batch]), source.position())

    def stored(result: IngestResult, tag: tuple[list[Problem], int]) -> None:
        problems, position = tag
        summary.stored += result.stored
        summary.duplicates += result.duplicates
        summary.traits_left_out += result.traits_left_out
        for problem in problems:
            if problem.ignored:
                summary.note(problem)
            else:
                summary.reject(problem)
        if progress is not None:
            progress(position, summary.messages)

    store_in_order(writer, handles(), stored, depth=preparers.workers + 1 if preparers.workers else 2)


def _at(handle: Callable[[], list[Batch]], position: int) -> Callable[[], list[Batch]]:
    """The handle's batches tagged (problems, bytes of the file read when they were)."""
    return lambda: [(records, result, (problems, position)) for records, result, problems in handle()]
