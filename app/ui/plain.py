"""Text from the event database shown by Qt widgets that would read it as rich text.

A QLabel or a tool tip takes a string that looks like HTML for HTML (`Qt.mightBeRichText`), and
Qt's layout of nested tables costs about four times more per level: a 255-character userId or
event name made of `<table>` tags, which anyone holding a public write key can send, froze the
app for hours as soon as a profile, a list or a tool tip showed it (hostile-input defect hunt).
Labels showing such text are set to plain text; tool tips, which have no format of their own,
get the text escaped into rich text that shows it as it is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QLabel


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
