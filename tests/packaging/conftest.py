"""Shared helpers for the packaging tests: run packaging/tracklens.spec with recording stand-ins."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "tracklens.spec"


class Recorder:
    """Stands in for one PyInstaller build class; keeps what the spec passed to it."""

    instances: ClassVar[list[Recorder]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        type(self).instances.append(self)


class FakeAnalysis(Recorder):
    instances: ClassVar[list[Recorder]] = []

    def __init__(self, scripts: list[str], **kwargs: Any) -> None:
        super().__init__(scripts, **kwargs)
        self.scripts = [("launcher", scripts[0], "PYSOURCE")]
        self.pure: list[tuple[str, str, str]] = []
        # What a real analysis would add: a Qt plugin the hooks drop and one they keep, a
        # translation, and a plain binary, so the spec's own filtering is exercised.
        self.binaries = [
            ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x/libqxcb.so", "BINARY"),
            ("PySide6/Qt/plugins/platforms/libqeglfs.so", "/x/libqeglfs.so", "BINARY"),
        ]
        self.datas = [(dest, src, "DATA") for src, dest in kwargs.get("datas", [])]
        self.datas.append(("PySide6/Qt/translations/qtbase_de.qm", "/x/qtbase_de.qm", "DATA"))


class FakePYZ(Recorder):
    instances: ClassVar[list[Recorder]] = []


class FakeEXE(Recorder):
    instances: ClassVar[list[Recorder]] = []


class FakeCOLLECT(Recorder):
    instances: ClassVar[list[Recorder]] = []


class FakeBUNDLE(Recorder):
    instances: ClassVar[list[Recorder]] = []


@pytest.fixture(scope="session")
def spec_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The spec's namespace after running it (Linux/this platform) with stand-in build classes."""
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (pip install '.[packaging]')")
    classes = {"Analysis": FakeAnalysis, "PYZ": FakePYZ, "EXE": FakeEXE, "COLLECT": FakeCOLLECT,
               "BUNDLE": FakeBUNDLE}
    for cls in classes.values():
        cls.instances = []
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "SPECPATH": str(SPEC.parent),
        "SPEC": str(SPEC),
        "DISTPATH": str(tmp_path_factory.mktemp("dist")),
        "workpath": str(tmp_path_factory.mktemp("work")),
        **classes,
    }
    saved_path = list(sys.path)
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    finally:
        sys.path[:] = saved_path
    namespace["recorded"] = {name: cls.instances for name, cls in classes.items()}
    return namespace
