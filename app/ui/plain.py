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
beside it (display_text). The values themselves (filters, copies, exports) stay as they are.

Where it is applied is the widget, not each call: a DataLabel, a DataStatusBar, window_title,
ask, plain_tip, plain_items (item views' cells) and plain_combo (a combo box's list and, when it
is not editable, its closed box) apply display_text to whatever they are given, so text from the
database set on one of them cannot be shown raw by a call that forgot it (67 calls did it by
hand, and a new label could forget). What stays raw: the text of a line edit or an editable
combo box, which is the value being typed (Qt draws it as it is; showing it otherwise would
change the value). Such a box (plain_edit, and plain_combo's when editable) says so instead:
while its text holds a control, a warning sign at its end carries the text written out in its
tool tip, so "admin\u202egnp.exe" chosen from a list, where it showed written out, does not
sit unmarked in the box as "adminexe.png". Painted charts call display_text where they draw.
tests/ui/test_shown_text.py walks every panel's widgets for a control at work.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QLocale, QObject, Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QStatusBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

#: Unicode's Bidi_Control characters: ALM, LRM, RLM, the embeddings and overrides (LRE, RLE,
#: PDF, LRO, RLO) and the isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")
#: First Strong Isolate ... Pop Directional Isolate: the text between takes its own direction
#: and leaves the text around it alone.
_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"
_RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))
_View = TypeVar("_View", bound=QAbstractItemView)
_Combo = TypeVar("_Combo", bound=QComboBox)
_Edit = TypeVar("_Edit", bound=QLineEdit)
_PLAIN_COMBO = "tracklensPlainCombo"
#: The object name of the warning sign a line edit shows while its text holds a control.
CONTROL_MARK = "bidiControlMark"


def display_text(text: str) -> str:
    """`text` as the app shows it: each bidirectional control written out as `\\u202e`, and the
    whole isolated when it holds right-to-left letters (what it shows in a label or cell then
    cannot be reordered by the data, nor reorder what stands next to it).

    Text shown already may be shown again, alone or inside a longer text ("Saved “⁨שלום⁩”."):
    the isolates display_text puts around a value (a First Strong Isolate and its Pop enclosing
    no other control) are kept, so a label applying it to a message that quotes a shown value
    changes nothing there. Any other control, an isolate the data opened included, is written out."""
    if text.isascii():
        return text
    kept = _own_isolates(text)
    if kept.get(0) == len(text) - 1:
        return text  # shown already (isolated, nothing to write out): showing it again changes nothing
    text = _BIDI_CONTROL.sub(lambda m: m.group() if m.start() in kept else f"\\u{ord(m.group()):04x}", text)
    if any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text):
        return f"{_ISOLATE}{text}{_POP_ISOLATE}"
    return text


def written_out(text: str) -> str:
    """`text` with each bidirectional control written out as `\\u202e` and nothing else changed
    (no isolates around it): for a JSON text, where it is the same value (a JSON escape), and
    for code shown to be read (the SQL of View > Show query)."""
    return text if text.isascii() else _BIDI_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _own_isolates(text: str) -> dict[int, int]:
    """The positions of `text`'s First Strong Isolates that enclose, up to their Pop, no other
    bidirectional control (nested ones of the kind aside), each with its Pop's (and the Pop's
    with its own): what display_text writes around a value, which changes no other text."""
    kept: dict[int, int] = {}
    open_: list[list[int]] = []  # [position, 1 while it encloses nothing else]
    for match in _BIDI_CONTROL.finditer(text):
        char, at = match.group(), match.start()
        if char == _ISOLATE:
            open_.append([at, 1])
        elif char == _POP_ISOLATE and open_:
            start, clean = open_.pop()
            if clean:
                kept[start], kept[at] = at, start
            elif open_:
                open_[-1][1] = 0
        elif open_:
            open_[-1][1] = 0
    return kept


class PlainTextDelegate(QStyledItemDelegate):
    """Item views' cells drawn with display_text: the model's text (what Ctrl+C copies and an
    export writes) stays the value itself."""

    def displayText(self, value: Any, locale: QLocale | QLocale.Language) -> str:
        return display_text(super().displayText(value, locale))


def plain_items(view: _View) -> _View:
    """`view` (a table, tree or list) drawing its cells' text with display_text."""
    view.setItemDelegate(PlainTextDelegate(view))
    return view


class DataLabel(QLabel):
    """A label for text that may come from data (names, ids, values, errors quoting them): it
    shows what it is given as plain text with its bidirectional controls written out
    (display_text), and may be narrower than its text (plain_label). `rich`: a label whose
    caller writes HTML, escaping the values in it (html.escape); display_text applies all the same."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, rich: bool = False) -> None:
        super().__init__(parent)
        plain_label(self)
        if rich:
            self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(display_text(text))


class DataStatusBar(QStatusBar):
    """A status bar whose messages (which quote report names, paths, ids) show their
    bidirectional controls written out (display_text)."""

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        super().showMessage(display_text(text), timeout)


class _ClosedBoxText(QObject):
    """Draws a closed, non-editable combo box with its current text as display_text shows it
    (Qt's own painting, with that one text changed); the box's text stays the value."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QComboBox) or watched.isEditable():
            return False
        painter = QStylePainter(watched)
        painter.setPen(watched.palette().color(QPalette.ColorRole.Text))
        option = QStyleOptionComboBox()
        watched.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        if watched.currentIndex() < 0 and watched.placeholderText():
            option.palette.setBrush(QPalette.ColorRole.ButtonText,
                                    option.palette.placeholderText())
            option.currentText = watched.placeholderText()
        option.currentText = display_text(option.currentText)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        painter.end()
        return True


_CLOSED_BOX_TEXT: list[_ClosedBoxText] = []


def holds_control(text: str) -> bool:
    """Whether `text` holds a bidirectional control (which reorders what Qt draws of it)."""
    return not text.isascii() and _BIDI_CONTROL.search(text) is not None


def control_mark(edit: QLineEdit) -> QAction | None:
    """The warning sign at the end of `edit` (shown while its text holds a control), if made."""
    return edit.findChild(QAction, CONTROL_MARK)


def _mark_controls(edit: QLineEdit, text: str) -> None:
    mark = control_mark(edit)
    held = holds_control(text)
    if mark is None:
        if not held:
            return
        icon = edit.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        mark = QAction(icon, "", edit)
        mark.setObjectName(CONTROL_MARK)
        edit.addAction(mark, QLineEdit.ActionPosition.TrailingPosition)
    mark.setVisible(held)
    mark.setToolTip(plain_tip(f"Holds a bidirectional control character, shown here written out: {text}")
                    if held else "")


def plain_edit(edit: _Edit) -> _Edit:
    """`edit` keeping the value typed as it is, with a warning sign at its end while that value
    holds a bidirectional control (its tool tip shows the value written out)."""
    edit.textChanged.connect(lambda text: _mark_controls(edit, text))
    _mark_controls(edit, edit.text())
    return edit


def _mark_combo(combo: QComboBox, text: str) -> None:
    edit = combo.lineEdit()
    if edit is not None:
        _mark_controls(edit, text)


def plain_combo(combo: _Combo) -> _Combo:
    """`combo` showing its entries' text as display_text does, in its list (PlainTextDelegate)
    and, when it is not editable, in the closed box (an editable box's text is the value being
    typed, shown as it is, with plain_edit's warning sign while it holds a control)."""
    combo.setItemDelegate(PlainTextDelegate(combo))
    combo.editTextChanged.connect(lambda text: _mark_combo(combo, text))
    if not _CLOSED_BOX_TEXT:
        _CLOSED_BOX_TEXT.append(_ClosedBoxText())
    combo.installEventFilter(_CLOSED_BOX_TEXT[0])
    combo.setProperty(_PLAIN_COMBO, True)
    return combo


def shown_text(combo: QComboBox) -> str:
    """The text a closed combo box draws."""
    text = combo.currentText()
    return display_text(text) if combo.property(_PLAIN_COMBO) and not combo.isEditable() else text


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
    '[*][*]' shows '[*]'. Its bidirectional controls are written out (display_text)."""
    return display_text(text).replace("[*]", "[*][*]")


def ask(parent: QWidget | None, title: str, text: str, yes: str | None = None) -> bool:
    """A Yes/Cancel question whose text is shown as written, Cancel being the default.

    `QMessageBox.question` takes its text for HTML when it looks like it (`Qt.AutoText`): a
    report, cohort or campaign name (typed by an analyst, or in a report file someone sent)
    such as `<b>all</b>` or nested `<table>`s was rendered, or stalled the dialog, instead of
    being the name the user is asked about. Its bidirectional controls are written out.
    """
    box = QMessageBox(QMessageBox.Icon.Question, window_title(title), display_text(text),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if yes is not None:
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
