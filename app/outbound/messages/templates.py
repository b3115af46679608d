"""Message templates: Jinja2 in its sandbox (a template cannot reach Python internals).

A missing value renders empty (`{{ traits.nickname }}` of a person without one); a template
says otherwise with `| required` (the person is skipped: "template value missing") or
`| default("there")`. A template that does not compile is a CampaignError before anything is
sent. `referenced_traits` lists the `traits.X` a template reads, so a misspelt trait is caught.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.outbound.messages.errors import CampaignError


class MissingValue(Exception):
    """A `| required` value is missing for this person."""


def _required(value: Any, name: str | None = None) -> Any:
    if isinstance(value, Undefined) or value is None or value == "":
        label = name or getattr(value, "_undefined_name", None) or "a value"
        raise MissingValue(str(label))
    return value


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=autoescape, keep_trailing_newline=True)
    env.filters["required"] = _required
    return env


_TEXT = _environment(False)
_HTML = _environment(True)


class Template:
    """One compiled template field (`where` names it in errors: channel.subject)."""

    def __init__(self, source: str, where: str, *, html: bool = False) -> None:
        env = _HTML if html else _TEXT
        self.source = source
        self.where = where
        try:
            self._ast = env.parse(source)
            self._template = env.from_string(source)
        except TemplateSyntaxError as exc:
            raise CampaignError(f"{where}: template error on line {exc.lineno}: {exc.message}") from None
        self.traits = _traits_in(self._ast)
        self.names = _names_in(self._ast)

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return self._template.render(context)
        except MissingValue:
            raise
        except SecurityError as exc:
            raise CampaignError(f"{self.where}: not allowed in a template: {exc}") from None
        except TemplateError as exc:
            raise CampaignError(f"{self.where}: {exc}") from None
        except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise MissingValue(f"{self.where}: {type(exc).__name__}: {exc}") from None


def _traits_in(ast: nodes.Template) -> set[str]:
    found: set[str] = set()
    node: Any
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if isinstance(base, nodes.Name) and base.name == "traits":
            if isinstance(node, nodes.Getattr):
                found.add(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                found.add(node.arg.value)
    return found


def _names_in(ast: nodes.Template) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(ast))


class JsonTemplate:
    """A JSON value whose strings (keys untouched) are templates: a webhook's body or headers."""

    def __init__(self, value: Any, where: str) -> None:
        self.value = value
        self.templates: dict[str, Template] = {}
        self._compile(value, where)

    def _compile(self, value: Any, where: str) -> None:
        if isinstance(value, str):
            self.templates[where] = Template(value, where)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                self._compile(v, f"{where}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self._compile(v, f"{where}[{i}]")

    @property
    def traits(self) -> set[str]:
        return set().union(*(t.traits for t in self.templates.values())) if self.templates else set()

    @property
    def names(self) -> set[str]:
        return set().union(*(t.names for t in self.templates.values())) if self.templates else set()

    def render(self, context: Mapping[str, Any], where: str) -> Any:
        return self._render(self.value, where, context)

    def _render(self, value: Any, where: str, context: Mapping[str, Any]) -> Any:
        if isinstance(value, str):
            return self.templates[where].render(context)
        if isinstance(value, Mapping):
            return {k: self._render(v, f"{where}.{k}", context) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render(v, f"{where}[{i}]", context) for i, v in enumerate(value)]
        return value
