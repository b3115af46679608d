"""The core must stay Qt-free: the CLI, the collector and headless servers depend on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ["app.core", "app.ingest", "app.query", "app.demo", "app.collector"]


def test_import_linter_contract_holds() -> None:
    """import-linter checks every import path (also indirect ones) from the core to Qt."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The core never imports Qt KEPT" in result.stdout
    # ...and no two modules of a package import each other, not even inside a function.
    assert "No import cycles between sibling modules KEPT" in result.stdout


def test_core_imports_with_qt_made_unimportable() -> None:
    """Importing every core module with PySide6 and pyqtgraph blocked must succeed."""
    modules = []
    for package in CORE_PACKAGES:
        folder = ROOT / package.replace(".", "/")
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules.append(".".join(parts))
    assert "app.core.schema" in modules
    script = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'):\n"
        "            raise ImportError('Qt is forbidden in the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
