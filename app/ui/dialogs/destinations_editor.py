"""Editing the destinations file in the app (docs/destinations.md): its JSON, checked with the
same parser `tracklens forward` and `collect --destinations` use before it is saved, so the file
on disk is never one the forwarder would refuse. Problems show inside the dialog."""

from __future__ import annotations

import json
from pathlib import Path

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
from app.outbound.destinations.config import parse_destinations
from app.ui.plain import DataLabel

#: What a new file starts with: one of each kind, to edit (secrets may come from the environment).
EXAMPLE = [
    {"name": "ops-webhook", "type": "webhook", "url": "https://hooks.example/tracklens",
     "events": ["Order Completed"], "where": [{"property": "price", "op": "gt", "value": 100}], "batch": 100},
]


class DestinationsEditor(QDialog):
    """The file's text, a Check button and Save (which checks first)."""

    def __init__(self, path: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("destinationsEditor")
        self.setWindowTitle("Destinations file")
        self.resize(760, 520)
        self.path = path
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("destinationsText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.status = DataLabel("", self)  # destination names and errors quoting the file
        self.status.setObjectName("destinationsStatus")
        self.status.setWordWrap(True)
        check = QPushButton("Check", self)
        check.clicked.connect(self.check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton(check, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self._save_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(DataLabel(path or "A new destinations file (you choose where on Save).", self))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        text = json.dumps(EXAMPLE, indent=2)
        if path:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                self.status.setText(f"Cannot read {path}: {exc.strerror or exc}")
        self.text.setPlainText(text)

    def check(self) -> bool:
        """Parse the text as the forwarder will; say what is wrong, or how many destinations."""
        try:
            found = parse_destinations(json.loads(self.text.toPlainText()))
        except ValueError as exc:  # JSONDecodeError and DestinationError
            self.status.setText(f"✖ {exc}")
            return False
        except RecursionError:  # pasted text nested too deeply escaped the Check and Save buttons
            self.status.setText("✖ the text is nested too deeply")
            return False
        names = ", ".join(d.name for d in found)
        self.status.setText(f"✔ {len(found)} destination{'s' if len(found) != 1 else ''}: {names}")
        return True

    def save_to(self, path: str) -> bool:
        """Check, then replace the file in one step (a crash never leaves half a file)."""
        if not self.check():
            return False
        try:
            write_text_atomically(path, self.text.toPlainText().rstrip() + "\n")
        except OSError as exc:
            self.status.setText(f"✖ cannot save {path}: {exc.strerror or exc}")
            return False
        self.path = path
        return True

    def _save_clicked(self) -> None:
        path = self.path
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save destinations", "destinations.json", "JSON (*.json)")
            if not path:
                return
        if self.save_to(path):
            self.accept()

