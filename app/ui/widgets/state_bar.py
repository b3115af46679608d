"""The strip at the top of a panel that says it is busy, failed, or reconnecting.

Errors live inside the panel they concern, with a Retry button, never in a modal popup:
an analyst with five panels open must see which one failed and keep working in the others.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from app.ui.plain import DataLabel


class StateBar(QWidget):
    """Hidden when idle; otherwise a message with Cancel (busy) or Retry (error) beside it.

    It sits at the top of its parent's layout, except while busy over a result already shown
    (`set_busy(floating=True)`): then it floats over the parent's bottom-right corner, so the
    content does not move down and back up (a relayout of the whole panel) on every change.
    """

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
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the style sheet paints it
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        self._progress = QProgressBar(self)
        self._progress.setRange(0, 0)
        self._progress.setMaximumWidth(120)
        self._progress.setMaximumHeight(14)
        self._progress.setTextVisible(False)
        self._label = DataLabel("", self)  # messages quote ids and names from the database
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
        self._floating = False
        self._slot: int | None = None  # its index in the parent's layout while it floats
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

    @property
    def floating(self) -> bool:
        return self._floating and self._state != self.IDLE

    def _show(self, state: str, text: str, *, progress: bool, cancel: bool, retry: bool, style: str,
              floating: bool = False) -> None:
        self._state = state
        # A message quoting an id, a name or a value (a person not found, a refused filter) shows
        # it with its bidirectional controls written out: they cannot reorder the sentence.
        self._label.setText(text)
        self._retry.setText("Retry")
        self._progress.setVisible(progress)
        self._cancel.setVisible(cancel)
        self._retry.setVisible(retry)
        if state != self.IDLE:
            self._set_floating(floating)
        frame = " border: 1px solid #9fb3d1; border-radius: 3px;" if self._floating else ""
        # Light tints in either scheme, so the text on them is dark in either scheme too.
        self.setStyleSheet(f"#stateBar {{ background: {style};{frame} }} #stateBar QLabel {{ color: #202124; }}"
                           if style else "")
        self.setVisible(state != self.IDLE)
        if self.floating:
            self._place()
            self.raise_()

    def _set_floating(self, on: bool) -> None:
        """Out of the parent's layout (floating) or back in its place; idle keeps either."""
        parent = self.parentWidget()
        layout = parent.layout() if parent is not None else None
        if parent is None or not isinstance(layout, QBoxLayout) or on == self._floating:
            return
        if on:
            self._slot = layout.indexOf(self)
            layout.removeWidget(self)
            parent.installEventFilter(self)
        else:
            parent.removeEventFilter(self)
            layout.insertWidget(self._slot or 0, self)
        self._floating = on

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(1, min(parent.width() - 16, 380))
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        height = max(height, self.sizeHint().height())
        self.setGeometry(parent.width() - width - 8, parent.height() - height - 8, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.floating:
            self._place()
        return False

    def set_idle(self) -> None:
        self._show(self.IDLE, "", progress=False, cancel=False, retry=False, style="")

    def set_busy(self, text: str = "Running query…", cancellable: bool = True, *, floating: bool = False) -> None:
        """`floating`: over the content (a result is shown) instead of above it."""
        self._show(self.BUSY, text, progress=True, cancel=cancellable, retry=False, style="#eef3fb",
                   floating=floating)

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
