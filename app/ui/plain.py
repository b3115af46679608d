"""Text from the event database shown by Qt widgets that would read it as rich text.

A QLabel or a tool tip takes a string that looks like HTML for HTML (`Qt.mightBeRichText`), and
Qt's layout of nested tables costs about four times more per level: a 255-character userId or
event name made of `<table>` tags, which anyone holding a public write key can send, froze the
app for hours as soon as a profile, a list or a tool tip showed it (hostile-input defect hunt).
Labels showing such text are set to plain text; tool tips, which have no format of their own,
get the text escaped into rich text that shows it as it is. Menu and action texts take `&` for
a mnemonic: they get it doubled, and a long name is cut to fit a menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(label: QLabel) -> QLabel:
    """`label`, showing whatever it is given as the characters they are. It may also be
    narrower than its text: a 255-character id has no place to wrap, and as the label's
    minimum width it pushed the window to 3,194 px, wider than the screen."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setMinimumWidth(1)
    return label


def plain_tip(text: str) -> str:
    """A tool tip showing `text` as it is (unchanged when Qt would not take it for HTML)."""
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
