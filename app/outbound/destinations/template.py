"""A webhook's body template: any JSON value whose strings may name fields of the forwarded message.

`{"text": "{{ event }} by {{ userId }}", "amount": "{{ properties.price }}", "raw": "{{ properties }}"}`
renders, for each message, a copy of the template in which
- a string that is exactly one placeholder becomes that field's value with its JSON type (a
  number stays a number, an object an object), or null when the message has no such field;
- a string with placeholders among other text gets each field written as text (strings as they
  are, other values as compact JSON, a missing field as nothing).
A path is keys separated by dots (digits index a list: `context.campaign.0`), read from the
Segment message Tracklens forwards (docs/destinations.md). Keys of the template's objects are
kept as written. Nothing is evaluated: a template only copies values, so a destinations file
cannot run code; a malformed one is refused when the file is read, naming the place.

A render may be given a limit (the bytes its message may still add to the request): it counts
what it writes as it goes (at least one byte per character) and stops with RenderTooLarge as soon
as that passes the limit, before the text or body is built: a template repeating a huge property
(a row another program wrote) never builds the repetition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol

import orjson

#: A placeholder's text holds no brace and no line break (a field path holds neither): with
#: `(.*?)` each "{{" scanned the rest of the string for a "}}", so a string of 10,000 "{" took
#: 0.6 s to refuse and one of a million never ended.
_PLACEHOLDER = re.compile(r"\{\{([^{}\n]*)\}\}")
_WHOLE = re.compile(r"^\{\{(.*?)\}\}$")
_PATH = re.compile(r"^[A-Za-z0-9_$@-]+(?:\.[A-Za-z0-9_$@-]+)*$")
#: Bounds a template (and so each rendered message) to a sane size.
MAX_TEMPLATE_NODES = 1000
MAX_DEPTH = 32


class Renderer(Protocol):
    """A compiled template: the rendered value for one message; RenderTooLarge past `limit`."""

    def __call__(self, message: dict[str, Any], limit: int | None = None) -> Any: ...


class TemplateError(ValueError):
    """The template is malformed; the message names the place within it."""


class RenderTooLarge(Exception):
    """A render would pass its limit: `size` is the bytes (at least) it had reached."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes or more")
        self.size = size


class _Budget:
    """What a render has written so far, at least (its JSON as characters), against `limit`."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.limit is not None and self.used > self.limit:
            raise RenderTooLarge(self.used)

    def spend_value(self, value: Any) -> None:
        """A value copied whole into the render (a reference, not a copy): its JSON's size,
        counted without writing it (iteratively: a stored document may nest deeply), and only
        until it passes the limit."""
        if self.limit is None:
            return
        kind = type(value)
        if kind is not dict and kind is not list:
            self.spend(len(value) + 2 if isinstance(value, str) else 1)
            return
        try:  # its JSON's length, written in C: faster than counting it here
            self.spend(len(orjson.dumps(value)))
            return
        except TypeError:  # what orjson cannot write (an integer beyond 64 bits): counted
            pass
        room = self.limit - self.used
        size = 0
        stack = [value]
        while stack and size <= room:
            item = stack.pop()
            kind = type(item)
            if kind is str:
                size += len(item) + 2
            elif kind is dict:
                # "key": value, -- a JSON document's keys are strings
                size += 2 + 4 * len(item) + sum(len(key) for key in item if type(key) is str)
                stack.extend(item.values())
            elif kind is list:
                size += 2 + len(item)
                stack.extend(item)
            else:  # a number, true, false, null (or a subclass of str, dict, list: at least 1)
                size += 1
        self.spend(size)


_Node = Callable[[dict[str, Any], _Budget], Any]


def _lookup(message: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    value = message
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False, None
    return True, value


def _as_text(found: bool, value: Any) -> str:
    if not found or value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _path(inner: str, where: str) -> tuple[str, ...]:
    path = inner.strip()
    if not _PATH.match(path):
        inner = inner if len(inner) <= 80 else inner[:80] + "..."
        raise TemplateError(f"{where}: '{{{{{inner}}}}}' is not a field path (keys separated by dots, "
                            "e.g. {{ properties.price }})")
    return tuple(path.split("."))


def _compile_string(text: str, where: str) -> _Node:
    whole = _WHOLE.match(text)
    if whole is not None and "{{" not in whole.group(1):
        path = _path(whole.group(1), where)

        def value(message: dict[str, Any], budget: _Budget) -> Any:
            found = _lookup(message, path)[1]
            budget.spend_value(found)
            return found
        return value
    parts: list[str | tuple[str, ...]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position:match.start()])
        parts.append(_path(match.group(1), where))
        position = match.end()
    parts.append(text[position:])
    for i, part in enumerate(parts):
        # A "{" just before a placeholder: "{{{ event }}" (its path would have been "{ event")
        if isinstance(part, str) and ("{{" in part or "}}" in part or (part.endswith("{") and i + 1 < len(parts))):
            shown = text if len(text) <= 80 else text[:80] + "..."
            raise TemplateError(f"{where}: unbalanced '{{{{' or '}}}}' in {shown!r}")
    if len(parts) == 1:
        text_size = len(text) + 2

        def constant(_message: dict[str, Any], budget: _Budget) -> str:
            budget.spend(text_size)
            return text
        return constant

    def render(message: dict[str, Any], budget: _Budget) -> str:
        # Each field's text is counted before the next is written, and the whole before it is
        # joined: a field repeated a hundred times is refused at the limit, not built.
        pieces = []
        budget.spend(2)
        for part in parts:
            piece = part if isinstance(part, str) else _as_text(*_lookup(message, part))
            budget.spend(len(piece))
            pieces.append(piece)
        return "".join(pieces)
    return render


def compile_template(template: Any, where: str = "template") -> Renderer:
    """A function rendering `template` for one message (RenderTooLarge once what it writes would
    pass `limit` bytes); TemplateError for a malformed template."""
    nodes = 0

    def compile_node(node: Any, at: str, depth: int) -> _Node:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_TEMPLATE_NODES or depth > MAX_DEPTH:
            raise TemplateError(f"{where} is too large (at most {MAX_TEMPLATE_NODES} values, "
                                f"{MAX_DEPTH} levels deep)")
        if isinstance(node, str):
            return _compile_string(node, at)
        if isinstance(node, dict):
            if not all(isinstance(key, str) for key in node):
                raise TemplateError(f"{at}: keys must be strings")
            items = [(key, compile_node(value, f"{at}.{key}", depth + 1)) for key, value in node.items()]
            keys_size = 2 + sum(len(key) + 4 for key, _render in items)  # {"key": ,}

            def render_object(message: dict[str, Any], budget: _Budget) -> dict[str, Any]:
                budget.spend(keys_size)
                return {key: render(message, budget) for key, render in items}
            return render_object
        if isinstance(node, list):
            elements = [compile_node(value, f"{at}[{i}]", depth + 1) for i, value in enumerate(node)]

            def render_list(message: dict[str, Any], budget: _Budget) -> list[Any]:
                budget.spend(2 + len(elements))
                return [render(message, budget) for render in elements]
            return render_list
        if node is None or isinstance(node, bool | int | float):
            def constant(_message: dict[str, Any], budget: _Budget) -> Any:
                budget.spend(1)
                return node
            return constant
        raise TemplateError(f"{at} must be JSON (an object, list, string, number, true/false or null)")

    root = compile_node(template, where, 0)

    def render(message: dict[str, Any], limit: int | None = None) -> Any:
        return root(message, _Budget(limit))
    return render
