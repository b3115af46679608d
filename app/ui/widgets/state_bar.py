"""The strip at the top of a panel that says it is busy, failed, or reconnecting.

Errors live inside the panel they concern, with a Retry button, never in a modal popup:
an analyst with five panels open must see which one failed and keep working in the others.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget


class StateBar(QWidget):
    """Hidden when idle; otherwise a message with Cancel (busy) or Retry (error) beside it."""

    retry_clicked = Signal()
    cancel_clicked = Signal()

    IDLE = "idle"
    BUSY = "busy"
    ERROR = "error"
    RECONNECTING = "reconnecting"
    INFO = "info"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateBar")
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        self._progress = QProgressBar(self)
        self._progress.setRange(0, 0)
        self._progress.setMaximumWidth(120)
        self._progress.setMaximumHeight(14)
        self._progress.setTextVisible(False)
        self._label = QLabel(self)
        self._label.setObjectName("stateMessage")
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._label.setWordWrap(True)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._cancel = QPushButton("Cancel", self)
        self._cancel.setObjectName("cancelButton")
        self._retry = QPushButton("Retry", self)
        self._retry.setObjectName("retryButton")
        self._cancel.clicked.connect(self.cancel_clicked)
        self._retry.clicked.connect(self.retry_clicked)
        layout.addWidget(self._progress)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._cancel)
        layout.addWidget(self._retry)
        self._state = self.IDLE
        self.set_idle()

    @property
    def state(self) -> str:
        return self._state

    @property
    def message(self) -> str:
        return self._label.text()

    @property
    def retry_button(self) -> QPushButton:
        return self._retry

    @property
    def cancel_button(self) -> QPushButton:
        return self._cancel

    def _show(self, state: str, text: str, *, progress: bool, cancel: bool, retry: bool, style: str) -> None:
        self._state = state
        self._label.setText(text)
        self._retry.setText("Retry")
        self._progress.setVisible(progress)
        self._cancel.setVisible(cancel)
        self._retry.setVisible(retry)
        self.setStyleSheet(f"#stateBar {{ background: {style}; }}" if style else "")
        self.setVisible(state != self.IDLE)

    def set_idle(self) -> None:
        self._show(self.IDLE, "", progress=False, cancel=False, retry=False, style="")

    def set_busy(self, text: str = "Running query…", cancellable: bool = True) -> None:
        self._show(self.BUSY, text, progress=True, cancel=cancellable, retry=False, style="#eef3fb")

    def set_progress(self, text: str, fraction: float | None) -> None:
        """A long job with a known share done (creating the demo database)."""
        self._show(self.BUSY, text, progress=True, cancel=False, retry=False, style="#eef3fb")
        if fraction is None:
            self._progress.setRange(0, 0)
        else:
            self._progress.setRange(0, 1000)
            self._progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def set_error(self, text: str, retry: bool = True, retry_label: str = "Retry") -> None:
        self._progress.setRange(0, 0)
        self._show(self.ERROR, f"⚠ {text}", progress=False, cancel=False, retry=retry, style="#fdecea")
        self._retry.setText(retry_label)

    def set_reconnecting(self, seconds: float) -> None:
        text = f"Connection lost — reconnecting… (next try in {seconds:g} s)"
        self._show(self.RECONNECTING, text, progress=True, cancel=False, retry=True, style="#fff4e0")

    def set_info(self, text: str) -> None:
        self._show(self.INFO, text, progress=False, cancel=False, retry=False, style="#f3f3f3")
