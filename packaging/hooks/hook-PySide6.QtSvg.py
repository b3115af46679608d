"""PySide6.QtSvg as PyInstaller collects it, minus the plugins and translations Tracklens does not use."""

from tracklens_qt import qt_dependencies

hiddenimports, binaries, datas = qt_dependencies(__file__)
