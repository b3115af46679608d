"""Message templates: Jinja2 in its sandbox (a template cannot reach Python internals).

A missing value renders empty (`{{ traits.nickname }}` of a person without one); a template
says otherwise with `| required` (the person is skipped: "template value missing") or
`| default("there")`. A template that does not compile is a CampaignError before anything is
sent. `referenced_traits` lists the `traits.X` a template reads, so a misspelt trait is caught.

Campaign files come from anyone, so a template's cost is bounded too (the sandbox bounds only
`range`): one rendering may take RENDER_STEPS steps of Python work (nested loops, recursive
macros) and RENDER_SECONDS seconds, and write RENDER_CHARS characters, and `*`, `**` and the
padding methods refuse results beyond that size (numbers beyond that many bits) before building
them; past a bound the template is a CampaignError. A size bound (RENDER_CHARS, RENDER_JSON_CHARS,
a number too long to print) passed only with a person's values (a trait another program wrote
long) skips that person (ValueTooLarge), as a missing value does: the others still get theirs.
"""

from __future__ import annotations

import operator
import re
import string
import sys
import time
from collections.abc import Iterable, Mapping
from types import FrameType
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.outbound.messages.errors import CampaignError


class MissingValue(Exception):
    """A `| required` value is missing for this person."""


class ValueTooLarge(MissingValue):
    """This person's values make a field (or a webhook's fields together) render past a bound
    (RENDER_CHARS, RENDER_JSON_CHARS, a number too long to print): they are skipped as a missing
    value is, and the run goes on. The same bound passed without any person's values (the
    template's own text, loops or numbers) is a CampaignError: nobody could get the message."""


class _PastBound(Exception):
    """A rendering passed one of the size bounds (the message names the field and the bound)."""


#: What a template sees without any person's values: the probe telling whether a size bound
#: passed is the template's own doing or this person's.
_NOBODY: dict[str, Any] = {"traits": {}, "id": "", "person": {}, "last": {}}


def _required(value: Any, name: str | None = None) -> Any:
    if isinstance(value, Undefined) or value is None or value == "":
        label = name or getattr(value, "_undefined_name", None) or "a value"
        raise MissingValue(str(label))
    return value


#: Steps of Python work (lines and calls) one rendering of one template field may take: an
#: e-mail's templates take hundreds; two nested loops of the sandbox's 100,000 would take 10^10.
RENDER_STEPS = 2_000_000
#: Seconds one rendering of one template field may take: steps count Python work, not what one
#: step does in C (a join of 100,000 values is one step of 9 ms: a loop of them within the steps
#: took 22 minutes per person).
RENDER_SECONDS = 10.0
#: Characters one template field may render to, and the longest string or list one operation
#: in it may build.
RENDER_CHARS = 1_000_000
#: Characters a webhook's body (or its headers) may render to, all its fields together: each
#: field is bounded by RENDER_CHARS, and a body of many fields each writing a long trait was
#: built and sent whole, whatever its size (the request a destination's webhook may carry).
RENDER_JSON_CHARS = 5_000_000
#: A format width or precision of 7 digits or more ('{:>900000000}', '%900000000s') or given by
#: an argument ('%*s', '{:{w}}'), which str.format and % would build before any check.
_WIDE_FORMAT = re.compile(r"%(\([^)]*\))?[-+ #0]*(\d{7}|\*|\d*\.(\d{7}|\*))")
_WIDE_SPEC = re.compile(r"\d{7}|\{")


class _OverBudget(BaseException):
    """Raised inside a rendering that passed RENDER_STEPS (a BaseException: nothing in the
    template's own code or Jinja's runtime may catch it and carry on)."""


class _Steps:
    """A trace function counting the Python work of one rendering on this thread: every call,
    and the lines of the template's own code (its loops; Jinja compiles it as '<template>');
    and, every 128 of them, the time it has taken (`seconds`)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.left = limit
        self.until = time.monotonic() + seconds

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.left -= 1
        if self.left < 0 or (not self.left & 127 and time.monotonic() > self.until):
            raise _OverBudget
        return self if frame.f_code.co_filename == "<template>" else None


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} would be over {RENDER_CHARS:,} characters")


def _bounded(value: Any, what: str) -> Any:
    """`value`, refused when it is a string or list longer than RENDER_CHARS (so a chain of
    doublings stops at the first result over the bound)."""
    if isinstance(value, str | list | tuple) and len(value) > RENDER_CHARS:
        raise _too_big(what)
    return value


def _check_widths(what: str, args: Iterable[Any]) -> None:
    if any(isinstance(v, int) and v > RENDER_CHARS for v in args):
        raise _too_big(what)


def _check_format(what: str, text: Any) -> None:
    """Widths in a format string: printf-style ('%10s') and str.format's specs ('{:>10}')."""
    if not isinstance(text, str):
        return
    if "%" in text and _WIDE_FORMAT.search(text):
        raise _too_big(what)
    if "{" in text:
        try:
            specs = [spec for _text, _field, spec, _conv in string.Formatter().parse(text) if spec]
        except ValueError:
            return  # str.format refuses it as well
        if any(_WIDE_SPEC.search(spec) for spec in specs):
            raise _too_big(what)


def _check_join(what: str, separator: Any, items: Any) -> None:
    if isinstance(separator, str) and hasattr(items, "__len__") and len(separator) * len(items) > RENDER_CHARS:
        raise _too_big(what)


def _check_replace(what: str, text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and \
            text.count(old) * len(new) > RENDER_CHARS:
        raise _too_big(what)


def _check_indent(text: Any, width: Any) -> None:
    """indent() writes its width (spaces, or a string) before every line."""
    size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    if isinstance(text, str) and size * (text.count("\n") + 1) > RENDER_CHARS:
        raise _too_big("indent")


def _check_json_indent(indent: Any) -> None:
    """tojson writes its indent once per level on every line: a few spaces, never thousands."""
    size = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else 0
    if size > 16:
        raise SecurityError(f"tojson's indent is at most 16, not {size}")


def _check_str_method(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a str method call whose result would be over RENDER_CHARS, before it is built."""
    name = getattr(method, "__name__", "")
    text = method.__self__
    if name in ("ljust", "rjust", "center", "zfill", "expandtabs"):
        _check_widths(name, (*args, *kwargs.values()))
    elif name == "join" and args:
        _check_join(name, text, args[0])
    elif name == "replace" and len(args) >= 2:
        _check_replace(name, text, args[0], args[1])
    elif name == "translate":
        raise SecurityError("translate is not available in templates")


#: Checks run before the filters whose arguments say how large their result is: called with the
#: filter's value and arguments, they raise SecurityError past RENDER_CHARS.
_FILTER_CHECKS: dict[str, Any] = {
    "center": lambda value, *a, **k: _check_widths("center", (*a, *k.values())),
    "indent": lambda value, width=4, *a, **k: _check_indent(value, width),
    "format": lambda value, *a, **k: _check_format("format", value),
    "join": lambda value, d="", *a, **k: _check_join("join", d, value),
    "replace": lambda value, old="", new="", *a, **k: _check_replace("replace", value, old, new),
    "wordwrap": lambda value, width=79, brk=True, wrapstring=None, *a, **k: _check_join(
        "wordwrap", wrapstring, value),
    "tojson": lambda value, indent=None, *a, **k: _check_json_indent(indent),
}


def _bounded_filter(name: str, function: Any) -> Any:
    """A filter whose result is refused past RENDER_CHARS (and checked before, where it can be)."""
    check = _FILTER_CHECKS.get(name)
    # Jinja passes the context or eval context first to filters marked so; the value follows.
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args[skip:], **kwargs)
        return _bounded(function(*args, **kwargs), name)

    bounded.__dict__.update(getattr(function, "__dict__", {}))  # the pass_context/pass_eval_context marks
    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's compiler with every `~` concatenation's result checked."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox with results past RENDER_CHARS refused: operators, concatenation, str methods
    and filters (before they are built where their arguments tell the size)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
                    right * abs(left).bit_length() > RENDER_CHARS:
                # (named by its size: a number past 4,300 digits cannot even be printed)
                raise SecurityError(f"a {abs(left).bit_length():,}-bit number to the power {right:,} "
                                    "is too large a number")
            return operator.pow(left, right)
        if operator_name == "*":
            if isinstance(left, int) and isinstance(right, int) and \
                    abs(left).bit_length() + abs(right).bit_length() > RENDER_CHARS:
                # (a number squared again and again doubles its size each time: for ever)
                raise SecurityError(f"a product of over {RENDER_CHARS:,} bits is too large a number")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and \
                        len(seq) * times > RENDER_CHARS:
                    raise _too_big("repeating a value")
            return operator.mul(left, right)
        if operator_name == "%":
            _check_format("%", left)
            return _bounded(operator.mod(left, right), "%")
        return _bounded(operator.add(left, right), "+")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str):
            _check_str_method(__obj, args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs), getattr(__obj, "__name__", "a call"))

    def wrap_str_format(self, value: Any) -> Any:
        # str.format is replaced by Jinja's own formatter when read, before it is called.
        if isinstance(getattr(value, "__self__", None), str) and getattr(value, "__name__", "") in (
                "format", "format_map"):
            _check_format(value.__name__, value.__self__)
        return super().wrap_str_format(value)

    @staticmethod
    def bounded_text(value: str) -> str:
        return _bounded(value, "joining text with ~")  # type: ignore[no-any-return]


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = _BoundedSandbox(undefined=ChainableUndefined, autoescape=autoescape, keep_trailing_newline=True)
    env.filters["required"] = _required
    for name, function in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, function)
    return env


#: How Python's ValueError for writing out an integer past sys.get_int_max_str_digits() begins.
_DIGITS_LIMIT = "Exceeds the limit ("


def _joined(chunks: Iterable[str], where: str) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > RENDER_CHARS:
            raise _PastBound(f"{where}: the template renders more than {RENDER_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


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
        self._own_size_checked = False

    def render(self, context: Mapping[str, Any]) -> str:
        """The field for this person. MissingValue (ValueTooLarge past a size bound their values
        make it pass): skip them; CampaignError: the template is wrong for everyone."""
        try:
            return self._render(context)
        except _PastBound as exc:
            self.check_own_size()
            raise ValueTooLarge(str(exc)) from None

    def check_own_size(self) -> None:
        """CampaignError when the template passes a size bound without any person's values
        (checked once per template: the probe's answer does not change)."""
        if self._own_size_checked:
            return
        try:
            self._render(_NOBODY)
        except _PastBound as exc:
            raise CampaignError(str(exc)) from None
        except (MissingValue, CampaignError):
            pass  # it needs a person's values to render at all: not a bound of its own
        self._own_size_checked = True

    def _render(self, context: Mapping[str, Any]) -> str:
        previous = sys.gettrace()
        sys.settrace(_Steps(RENDER_STEPS, RENDER_SECONDS))
        try:
            return _joined(self._template.generate(context), self.where)
        except (MissingValue, _PastBound):
            raise
        except _OverBudget:
            raise CampaignError(f"{self.where}: the template does too much work (over {RENDER_STEPS:,} steps or "
                                f"{RENDER_SECONDS:g} s: a loop or recursion too large)") from None
        except MemoryError:
            raise CampaignError(f"{self.where}: the template needs more memory than there is") from None
        except SecurityError as exc:
            raise CampaignError(f"{self.where}: not allowed in a template: {exc}") from None
        except TemplateError as exc:
            raise CampaignError(f"{self.where}: {exc}") from None
        except ValueError as exc:
            if str(exc).startswith(_DIGITS_LIMIT):  # Python's guard on printing huge integers
                raise _PastBound(f"{self.where}: not allowed in a template: a number of more than "
                                    f"{sys.get_int_max_str_digits():,} digits") from None
            raise MissingValue(f"{self.where}: {type(exc).__name__}: {exc}") from None
        except (TypeError, ArithmeticError, LookupError) as exc:
            raise MissingValue(f"{self.where}: {type(exc).__name__}: {exc}") from None
        finally:
            sys.settrace(previous)


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
        self._own_size_checked = False
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
        """The rendered value; ValueTooLarge once this person's values make its fields together
        pass RENDER_JSON_CHARS (counted field by field: no more than one field's render past it
        is built), CampaignError when they pass it without any person's values."""
        try:
            return self._render(self.value, where, context, _Written(where))
        except _PastBound as exc:
            if not self._own_size_checked:
                try:
                    self._render(self.value, where, _NOBODY, _Written(where))
                except _PastBound as own:
                    raise CampaignError(str(own)) from None
                except MissingValue:
                    pass  # it needs a person's values to render at all: not a bound of its own
                self._own_size_checked = True
            raise ValueTooLarge(str(exc)) from None

    def _render(self, value: Any, where: str, context: Mapping[str, Any], written: _Written) -> Any:
        if isinstance(value, str):
            return written.add(self.templates[where].render(context))
        if isinstance(value, Mapping):
            return {written.add(k): self._render(v, f"{where}.{k}", context, written) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render(v, f"{where}[{i}]", context, written) for i, v in enumerate(value)]
        return value


class _Written:
    """The characters one JsonTemplate rendering has written so far (its strings and keys)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.chars = 0

    def add(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > RENDER_JSON_CHARS:
            raise _PastBound(f"{self.where}: the template renders more than {RENDER_JSON_CHARS:,} characters "
                                "in all (its fields together)")
        return text
