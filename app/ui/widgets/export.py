"""One export path for every panel: a chart or table as PNG/SVG, numbers as CSV.

A panel names what it can export (`ExportButton(images=[("Chart", chart_widget)], csv=...)`)
and this module does the rest — the menu, the save dialog, and the writing — so an image
looks the same and a CSV is written the same way whichever panel it comes from.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QBuffer, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QToolButton, QWidget

from app.core.files import write_bytes_atomically, write_text_atomically
from app.core.spreadsheet import spreadsheet_safe

PathLike = str | os.PathLike[str]
#: PNGs are rendered at twice the on-screen size, so they stay sharp in slides and documents.
PNG_SCALE = 2.0


#: Characters XML 1.0 forbids, raw or as character references. Property values and trait names
#: may hold them (only event names and ids are refused at ingestion), and Qt's SVG writer copies
#: a chart's labels as they are: one such character made the whole SVG unreadable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
                      r"|&#(?:x0*(?:[0-8bce]|1[0-9a-f]|fff[ef])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));",
                      re.IGNORECASE)


def save_image(widget: QWidget, path: PathLike) -> None:
    """The widget as it looks now, as PNG or SVG by the file's suffix (SVG keeps it vector),
    written in one step like every export: a failed write keeps the file it was to replace."""
    target = Path(path)
    write_bytes_atomically(target, svg_bytes(widget) if target.suffix.lower() == ".svg" else png_bytes(widget))


def svg_bytes(widget: QWidget) -> bytes:
    """The widget drawn as an SVG document that XML readers accept, whatever its labels hold."""
    from PySide6.QtSvg import QSvgGenerator

    size = widget.size()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(f"Tracklens {widget.objectName() or 'export'}")
    painter = QPainter(generator)
    try:
        QWidget.render(widget, painter, QPoint(0, 0))  # not QGraphicsView.render: the whole widget
    finally:
        painter.end()
    text = bytes(buffer.data().data()).decode("utf-8", errors="replace")
    return _NOT_XML.sub("", text).encode("utf-8")


def png_bytes(widget: QWidget) -> bytes:
    """The widget as a PNG at PNG_SCALE times its size on screen."""
    size = widget.size()
    image = QImage(QSize(int(size.width() * PNG_SCALE), int(size.height() * PNG_SCALE)),
                   QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(PNG_SCALE)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise OSError("the image could not be encoded as PNG")
    return bytes(buffer.data().data())


def write_csv(path: PathLike, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """A panel's table as CSV, spreadsheet-safe, replacing `path` in one step: written in place,
    a full disk or a crash left the file the user chose to replace cut short. (A panel's table
    is small; the User explorer streams its export of everyone to a .part file instead.)"""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow(["" if value is None else spreadsheet_safe(value) for value in row])
    write_text_atomically(path, text.getvalue())


def model_table(model: QAbstractItemModel) -> tuple[list[str], list[list[Any]]]:
    """A table model's header and rows: each cell's raw value (UserRole) where the model keeps
    one, else the text shown — numbers stay numbers, not "1,234"."""
    columns, rows = model.columnCount(), model.rowCount()
    header = [str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
              for c in range(columns)]
    out = []
    for r in range(rows):
        row = []
        for c in range(columns):
            index = model.index(r, c)
            raw = model.data(index, Qt.ItemDataRole.UserRole)
            row.append(raw if isinstance(raw, str | int | float) and not isinstance(raw, bool)
                       else model.data(index, Qt.ItemDataRole.DisplayRole))
        out.append(row)
    return header, out


def write_model_csv(model: QAbstractItemModel, path: PathLike) -> None:
    header, rows = model_table(model)
    write_csv(path, header, rows)


FILTERS = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}


class ExportButton(QToolButton):
    """"Export ▾": each image as PNG and SVG, and the numbers as CSV.

    `images` are (name, function returning the widget to draw); `csv` writes the file.
    `export(kind, path, image)` does what a menu choice does, without the dialog (tests).
    """

    def __init__(self, parent: QWidget, stem: str,
                 images: Sequence[tuple[str, Callable[[], QWidget]]] = (),
                 csv: Callable[[Path], None] | None = None, csv_label: str = "Numbers") -> None:
        super().__init__(parent)
        self.setObjectName("exportButton")
        self.setText("Export")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.stem = stem
        self.images = list(images)
        self.csv = csv
        menu = QMenu(self)
        for i, (name, _widget) in enumerate(self.images):
            menu.addAction(f"{name} as PNG…", partial(self._dialog, "png", i))
            menu.addAction(f"{name} as SVG…", partial(self._dialog, "svg", i))
        if csv is not None:
            menu.addAction(f"{csv_label} as CSV…", partial(self._dialog, "csv", 0))
        self.setMenu(menu)

    def kinds(self) -> list[str]:
        """The menu's entries' texts (what a user can pick)."""
        menu = self.menu()
        return [action.text() for action in menu.actions()] if menu is not None else []

    def export(self, kind: str, path: PathLike, image: int = 0) -> None:
        if kind == "csv":
            if self.csv is None:
                raise ValueError("nothing to export as CSV here")
            self.csv(Path(path))
            return
        _name, widget = self.images[image]
        save_image(widget(), path)

    def _dialog(self, kind: str, image: int) -> None:
        name = self.images[image][0].lower().replace(" ", "-") if kind != "csv" and len(self.images) > 1 else ""
        default = f"{self.stem}{'-' + name if name else ''}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, "Export", default, FILTERS[kind])
        if not path:
            return
        try:
            self.export(kind, path, image)
        except OSError as exc:
            # A place it cannot write to (read-only, full, a folder under a file) raised out of
            # the menu's slot: nothing was said and nothing written.
            self.tell(f"Could not export to {path}: {exc.strerror or exc}")

    def tell(self, message: str) -> None:
        """One line in the window's status bar (a dialog where there is none)."""
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 30000)
        else:
            QMessageBox.warning(self, "Export", message)
