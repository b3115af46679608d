"""Editing the destinations file in the app (docs/destinations.md): its JSON, checked with the
same parser `tracklens forward` and `collect --destinations` use before it is saved, so the file
on disk is never one the forwarder would refuse. Problems show inside the dialog.

The text has the loader's size cap (MAX_DESTINATIONS_BYTES): a file over it is not read, and a
paste or drop that would make the text larger is refused, each in one line (a 50 MB file chosen
by mistake froze the window while Qt laid it out, and Check parsed it on the GUI thread). Check
and Save parse on a worker thread: at the cap a file of valid-looking filters took ~0.2 s, and
a destination whose secret is left out asks the OS keychain, which may take longer."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.files import write_text_atomically
from app.outbound.destinations.config import (
    MAX_DESTINATIONS_BYTES,
    WANTED,
    DestinationError,
    load_destinations,
    parse_destinations,
)
from app.ui.plain import DataLabel
from app.ui.workers import SimpleToken, WorkerPool

#: What a new file starts with: one of each kind, to edit (secrets may come from the environment).
EXAMPLE = [
    {"name": "ops-webhook", "type": "webhook", "url": "https://hooks.example/tracklens",
     "events": ["Order Completed"], "where": [{"property": "price", "op": "gt", "value": 100}], "batch": 100},
]


#: The loader's refusal of a file over the cap (load_destinations), said of the editor's text.
OVER_CAP = f"the text is over {MAX_DESTINATIONS_BYTES:,} bytes, too large for a destinations file"


def too_large(text: str) -> str | None:
    """OVER_CAP when `text` is over MAX_DESTINATIONS_BYTES in UTF-8, else None. Fast at any
    length: more characters than the cap are more bytes too."""
    if len(text) > MAX_DESTINATIONS_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_DESTINATIONS_BYTES:
        return OVER_CAP
    return None


def read_for_editing(path: str) -> str:
    """The file's text, or DestinationError in the loader's one line (a file over the cap is
    refused by the loader's own check, before anything is parsed). OSError passes."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_DESTINATIONS_BYTES + 1)
    if len(raw) > MAX_DESTINATIONS_BYTES:
        load_destinations(path)  # raises: "PATH is over 1,000,000 bytes, too large for a destinations file"
        raise DestinationError(f"{os.fspath(path)} grew while it was read")  # pragma: no cover
    return raw.decode("utf-8-sig", "replace")


def check_text(text: str) -> tuple[bool, str]:
    """Parse the text as the forwarder will (on a worker): whether it is good, and the line saying
    what is wrong or how many destinations it holds."""
    problem = too_large(text)
    if problem is not None:
        return False, f"✖ {problem}"
    if not text.strip():  # (was "Expecting value: line 1 column 1 (char 0)")
        return False, f"✖ empty: {WANTED}"
    try:
        found = parse_destinations(json.loads(text))
    except ValueError as exc:  # JSONDecodeError and DestinationError
        return False, f"✖ {exc}"
    except RecursionError:  # pasted text nested too deeply escaped the Check and Save buttons
        return False, "✖ the text is nested too deeply"
    names = ", ".join(d.name for d in found)
    return True, f"✔ {len(found)} destination{'s' if len(found) != 1 else ''}: {names}"


class CappedTextEdit(QPlainTextEdit):
    """A text box that refuses a paste or drop making its text larger than the loader's cap
    (Qt laid out 50 MB of pasted text for seconds, with the window frozen): `refused` says why."""

    refused = Signal(str)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            pasted = source.text()
            kept = self.document().characterCount() - len(self.textCursor().selectedText())
            problem = None
            if len(pasted) + kept > MAX_DESTINATIONS_BYTES:  # more characters than bytes allowed
                problem = OVER_CAP
            elif len(pasted) + kept > MAX_DESTINATIONS_BYTES // 4:  # near the cap: count its bytes
                problem = too_large(self.toPlainText() + pasted)
            if problem is not None:
                self.refused.emit(f"✖ not pasted: {problem}")
                return
        super().insertFromMimeData(source)


class DestinationsEditor(QDialog):
    """The file's text, a Check button and Save (which checks first)."""

    #: after each check: whether the text is one the forwarder takes
    checked = Signal(bool)
    #: the file was written (its path)
    saved = Signal(str)

    def __init__(self, path: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("destinationsEditor")
        self.setWindowTitle("Destinations file")
        self.resize(760, 520)
        self.path = path
        #: the result of the last check (False until one has said the text is good)
        self.ok = False
        self._pool = WorkerPool(1, self)
        self._generation = 0
        self._pending = 0
        self.finished.connect(lambda _result: self._pool.close(0))
        self.text = CappedTextEdit(self)
        self.text.setObjectName("destinationsText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.status = DataLabel("", self)  # destination names and errors quoting the file
        self.status.setObjectName("destinationsStatus")
        self.status.setWordWrap(True)
        self.text.refused.connect(self.status.setText)
        check = QPushButton("Check", self)
        check.clicked.connect(lambda: self.check())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton(check, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self._save_clicked)
        buttons.rejected.connect(self.reject)
        self.saved.connect(lambda _path: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(DataLabel(path or "A new destinations file (you choose where on Save).", self))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        text = json.dumps(EXAMPLE, indent=2)
        if path:
            try:
                text = read_for_editing(path)
            except OSError as exc:
                self.status.setText(f"Cannot read {path}: {exc.strerror or exc}")
            except DestinationError as exc:  # over the cap: not read, and nothing to edit
                self.status.setText(f"✖ {exc}")
                text = ""
        self.text.setPlainText(text)

    @property
    def checking(self) -> bool:
        """A check (or a save's check) is running on the worker."""
        return self._pending > 0

    def check(self, then: Callable[[str], None] | None = None) -> None:
        """Parse the text as the forwarder will, off the GUI thread; the status line says what is
        wrong, or how many destinations. `then(text)` runs when the text checked is good."""
        text = self.text.toPlainText()
        self._generation += 1
        generation = self._generation
        self.status.setText("Checking…")
        self._pending += 1

        def done(result: Any) -> None:
            self._pending -= 1
            if generation != self._generation:
                return  # checked again since: that answer counts
            self.ok, line = result
            self.status.setText(line)
            self.checked.emit(self.ok)
            if self.ok and then is not None:
                then(text)

        def failed(exc: BaseException) -> None:
            done((False, f"✖ {exc}"))

        if self._pool.closed:
            self._pending -= 1
            return
        self._pool.submit(lambda _token: check_text(text), SimpleToken(), done, failed)

    def save_to(self, path: str) -> None:
        """Check, then replace the file in one step (a crash never leaves half a file); `saved`
        fires when it is written. The text written is the text checked."""
        self.check(lambda text: self._write(path, text))

    def _write(self, path: str, text: str) -> None:
        try:
            write_text_atomically(path, text.rstrip() + "\n")
        except OSError as exc:
            self.ok = False
            self.status.setText(f"✖ cannot save {path}: {exc.strerror or exc}")
            return
        self.path = path
        self.saved.emit(path)

    def _save_clicked(self) -> None:
        path = self.path
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save destinations", "destinations.json", "JSON (*.json)")
            if not path:
                return
        self.save_to(path)
