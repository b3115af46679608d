"""Which Qt plugins and data files the Tracklens bundle carries (used by the hooks beside it).

PyInstaller's own PySide6 hooks collect every plugin type a Qt library can use, and each plugin's
own dependencies then follow it in: the GTK3 platform theme alone drags in GTK, Cairo and Pango.
Filtering inside the hooks (instead of pruning the finished TOC) keeps those dependencies out.
Files are named by their path under PySide6/Qt/ in the bundle, e.g. "plugins/platforms/libqxcb.so".
"""

from __future__ import annotations

from pathlib import PurePath

#: plugin folders dropped entirely
UNWANTED_PLUGIN_TYPES = frozenset({
    "egldeviceintegrations",  # EGLFS: full-screen embedded devices without a window system
    "generic",                # evdev/TUIO touch input for embedded devices (pulls in QtNetwork)
    "designer", "qmltooling", "sqldrivers", "networkinformation", "tls", "printsupport",
    "multimedia", "position", "sensors", "texttospeech", "webview", "renderers",
    "sceneparsers", "geometryloaders", "canbus", "vectorimageformats",
})
#: platform plugins kept: the desktop window systems, plus offscreen for --screenshot and CI
WANTED_PLATFORMS = frozenset({"qxcb", "qwayland", "qwayland-generic", "qwayland-egl", "qoffscreen",
                              "qwindows", "qcocoa"})
#: image formats kept: what icons and saved images use (PNG is built into QtGui)
WANTED_IMAGE_FORMATS = frozenset({"qsvg", "qico", "qicns", "qjpeg", "qgif"})
#: platform themes kept: the XDG portal gives native file dialogs under Flatpak/GNOME/KDE without
#: bundling GTK; the GTK3 theme would pull in the whole GTK stack.
WANTED_PLATFORM_THEMES = frozenset({"qxdgdesktopportal"})


def _stem(filename: str) -> str:
    """'libqxcb.so' / 'qwindows.dll' / 'libqcocoa.dylib' -> 'qxcb' / 'qwindows' / 'qcocoa'."""
    name = PurePath(filename).name.split(".")[0]
    return name.removeprefix("lib")


def wanted(qt_relpath: str) -> bool:
    """Whether a file under PySide6/Qt/ belongs in the bundle."""
    parts = PurePath(qt_relpath.replace("\\", "/")).parts
    if not parts:
        return True
    if parts[0] in {"translations", "qml"}:
        return False  # the UI is English only and uses no QML
    if parts[0] != "plugins" or len(parts) < 3:
        return True
    kind, stem = parts[1], _stem(parts[-1])
    if kind in UNWANTED_PLUGIN_TYPES:
        return False
    if kind == "platforms":
        return stem in WANTED_PLATFORMS
    if kind == "imageformats":
        return stem in WANTED_IMAGE_FORMATS
    if kind == "platformthemes":
        return stem in WANTED_PLATFORM_THEMES
    return True


def qt_relpath(dest: str) -> str | None:
    """The part of a bundle path below Qt's own folder, or None for files that are not Qt's.

    Qt lives in PySide6/Qt/ on Linux and macOS but directly in PySide6/ on Windows.
    """
    parts = PurePath(dest.replace("\\", "/")).parts
    if len(parts) < 2 or parts[0] != "PySide6":
        return None
    rest = parts[2:] if parts[1] == "Qt" else parts[1:]
    if not rest or rest[0] not in {"plugins", "translations", "qml", "lib"}:
        return None
    return "/".join(rest)


def select(entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop unwanted (source, dest_dir) hook entries."""
    kept = []
    for src, dest_dir in entries:
        rel = qt_relpath(f"{dest_dir}/{PurePath(src).name}")
        if rel is None or wanted(rel):
            kept.append((src, dest_dir))
    return kept


def qt_dependencies(hook_file: str) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """PyInstaller's collection for the hooked PySide6 module, minus what Tracklens does not use."""
    from PyInstaller.utils.hooks.qt import add_qt6_dependencies

    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)
    return hiddenimports, select(binaries), select(datas)
