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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_WHOLE = re.compile(r"^\{\{(.*?)\}\}$")
_PATH = re.compile(r"^[A-Za-z0-9_$@-]+(?:\.[A-Za-z0-9_$@-]+)*$")
#: Bounds a template (and so each rendered message) to a sane size.
MAX_TEMPLATE_NODES = 1000
MAX_DEPTH = 32

Renderer = Callable[[dict[str, Any]], Any]


class TemplateError(ValueError):
    """The template is malformed; the message names the place within it."""


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
        raise TemplateError(f"{where}: '{{{{{inner}}}}}' is not a field path (keys separated by dots, "
                            "e.g. {{ properties.price }})")
    return tuple(path.split("."))


def _compile_string(text: str, where: str) -> Renderer:
    whole = _WHOLE.match(text)
    if whole is not None and "{{" not in whole.group(1):
        path = _path(whole.group(1), where)
        return lambda message: _lookup(message, path)[1]
    parts: list[str | tuple[str, ...]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position:match.start()])
        parts.append(_path(match.group(1), where))
        position = match.end()
    parts.append(text[position:])
    for part in parts:
        if isinstance(part, str) and ("{{" in part or "}}" in part):
            raise TemplateError(f"{where}: unbalanced '{{{{' or '}}}}' in {text!r}")
    if len(parts) == 1:
        return lambda _message: text

    def render(message: dict[str, Any]) -> str:
        return "".join(part if isinstance(part, str) else _as_text(*_lookup(message, part)) for part in parts)
    return render


def compile_template(template: Any, where: str = "template") -> Renderer:
    """A function rendering `template` for one message; TemplateError for a malformed template."""
    nodes = 0

    def compile_node(node: Any, at: str, depth: int) -> Renderer:
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
            return lambda message: {key: render(message) for key, render in items}
        if isinstance(node, list):
            elements = [compile_node(value, f"{at}[{i}]", depth + 1) for i, value in enumerate(node)]
            return lambda message: [render(message) for render in elements]
        if node is None or isinstance(node, bool | int | float):
            return lambda _message: node
        raise TemplateError(f"{at} must be JSON (an object, list, string, number, true/false or null)")

    return compile_node(template, where, 0)
