"""Text from the event database shown by Qt widgets that would read it as rich text.

A QLabel or a tool tip takes a string that looks like HTML for HTML (`Qt.mightBeRichText`), and
Qt's layout of nested tables costs about four times more per level: a 255-character userId or
event name made of `<table>` tags, which anyone holding a public write key can send, froze the
app for hours as soon as a profile, a list or a tool tip showed it (hostile-input defect hunt).
Labels showing such text are set to plain text; tool tips, which have no format of their own,
get the text escaped into rich text that shows it as it is. Menu and action texts take `&` for
a mnemonic: they get it doubled, and a long name is cut to fit a menu.

Unicode's bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and the others) reorder what
follows them: a userId "admin\u202egnp.exe" showed as "adminexe.png", and an override left open
in a value reversed the rest of its line. What the app shows writes them out (`\u202e`), and a
value holding right-to-left letters is isolated, so its direction cannot spill into the text
beside it (display_text; PlainTextDelegate for item views). The values themselves (filters,
copies, exports) stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMessageBox, QStyledItemDelegate, QWidget

#: Unicode's Bidi_Control characters: ALM, LRM, RLM, the embeddings and overrides (LRE, RLE,
#: PDF, LRO, RLO) and the isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")
#: First Strong Isolate ... Pop Directional Isolate: the text between takes its own direction
#: and leaves the text around it alone.
_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"
_RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))
_View = TypeVar("_View", bound=QAbstractItemView)


def display_text(text: str) -> str:
    """`text` as the app shows it: each bidirectional control written out as `\\u202e`, and the
    whole isolated when it holds right-to-left letters (what it shows in a label or cell then
    cannot be reordered by the data, nor reorder what stands next to it)."""
    if text.isascii():
        return text
    if (len(text) >= 2 and text[0] == _ISOLATE and text[-1] == _POP_ISOLATE
            and not _BIDI_CONTROL.search(text, 1, len(text) - 1)):
        return text  # shown already (isolated, nothing to write out): showing it again changes nothing
    text = _BIDI_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text):
        return f"{_ISOLATE}{text}{_POP_ISOLATE}"
    return text


class PlainTextDelegate(QStyledItemDelegate):
    """Item views' cells drawn with display_text: the model's text (what Ctrl+C copies and an
    export writes) stays the value itself."""

    def displayText(self, value: Any, locale: QLocale | QLocale.Language) -> str:
        return display_text(super().displayText(value, locale))


def plain_items(view: _View) -> _View:
    """`view` (a table, tree or list) drawing its cells' text with display_text."""
    view.setItemDelegate(PlainTextDelegate(view))
    return view


def plain_label(label: QLabel) -> QLabel:
    """`label`, showing whatever it is given as the characters they are. It may also be
    narrower than its text: a 255-character id has no place to wrap, and as the label's
    minimum width it pushed the window to 3,194 px, wider than the screen."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setMinimumWidth(1)
    return label


def plain_tip(text: str) -> str:
    """A tool tip showing `text` as it is (unchanged when Qt would not take it for HTML), its
    bidirectional controls written out (display_text)."""
    text = display_text(text)
    return QtGui.convertFromPlainText(text) if QtGui.mightBeRichText(text) else text


#: The longest name a menu shows (in characters) before it is cut with "…".
MENU_TEXT_LIMIT = 80
#: The longest name a list shows: a report file someone sent may hold a name of megabytes, and a
#: list lays out (and cuts) its whole text at every repaint (2 MB: 0.6 s of CPU each time).
LIST_TEXT_LIMIT = 300


def elided(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with "…" when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def menu_text(text: str, limit: int = MENU_TEXT_LIMIT) -> str:
    """A QAction's or QMenu's text showing `text` as it is: an `&` made the next character a
    mnemonic and vanished ('Q&A' showed as 'QA'), a tab split the text into a name and a
    shortcut, and a property value of thousands of characters made a menu wider than the
    screen. The full value stays where it came from."""
    return elided(text.replace("\t", " "), limit).replace("&", "&&")


def window_title(text: str) -> str:
    """A window title showing `text` as it is: Qt takes '[*]' in a title for the place of its
    'modified' mark and shows nothing there ('Filters on Buy [*] now' showed 'Filters on Buy  now');
    '[*][*]' shows '[*]'."""
    return text.replace("[*]", "[*][*]")


def ask(parent: QWidget | None, title: str, text: str, yes: str | None = None) -> bool:
    """A Yes/Cancel question whose text is shown as written, Cancel being the default.

    `QMessageBox.question` takes its text for HTML when it looks like it (`Qt.AutoText`): a
    report, cohort or campaign name (typed by an analyst, or in a report file someone sent)
    such as `<b>all</b>` or nested `<table>`s was rendered, or stalled the dialog, instead of
    being the name the user is asked about.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if yes is not None:
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
