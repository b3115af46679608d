"""Text from the event database printed on a terminal.

Property values, traits and servers' replies may hold control characters (only ids and event
names refuse them), and anyone with a write key can send them: printed as they are, an escape
sequence clears the screen, retitles the window, hides the rest of the line or, on some
terminals, writes the clipboard. The human formats write them out instead (`\\x1b`); JSON
escapes them itself and CSV keeps the data exact.

Also what a command says before it reads a terminal, where it would otherwise wait in silence.
"""

from __future__ import annotations

import re
import sys

import click

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_OR_TAB = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str, *, keep_tabs: bool = False) -> str:
    """`text` with each control character written as `\\xNN` (tabs kept when asked: they
    separate the fields of a line)."""
    pattern = _CONTROL if keep_tabs else _CONTROL_OR_TAB
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def say_if_reading_a_terminal(what: str) -> None:
    """`--spec -` or `import -` typed without a pipe waits for the keyboard, which looked like a
    command that hung: say so (on stderr) when standard input is a terminal."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        click.echo(f"reading {what} from the keyboard: type or paste it, then press Ctrl+D at the start of a "
                   "line (Ctrl+Z, Enter on Windows); Ctrl+C to give up", err=True)
