"""The app icon in every format the builds use, and the runtime copies behind app.resources."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from app import resources

from .conftest import ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_dimensions(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_runtime_icon_loads_through_importlib_resources() -> None:
    assert png_dimensions(resources.read_bytes("icon.png")) == (256, 256)
    svg = resources.resource_path("icon.svg")
    assert isinstance(svg, Path) and svg.is_file()
    assert b"<svg" in svg.read_bytes()


def test_missing_or_escaping_resource_names_are_refused() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-icon\.png"):
        resources.read_bytes("no-such-icon.png")
    with pytest.raises(ValueError):
        resources.resource("../__init__.py")
    with pytest.raises(ValueError):
        resources.resource("")


def test_generated_pngs_match_their_names() -> None:
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        data = (ROOT / "resources" / "png" / f"tracklens-{size}.png").read_bytes()
        assert png_dimensions(data) == (size, size)


def test_windows_icon_holds_every_shell_size() -> None:
    data = (ROOT / "resources" / "tracklens.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1), "not an .ico file"
    sizes = set()
    for i in range(count):
        width, height = data[6 + 16 * i], data[7 + 16 * i]
        sizes.add((width or 256, height or 256))  # 0 means 256 in an ICO directory
    assert {(s, s) for s in (16, 24, 32, 48, 256)} <= sizes


def test_macos_icon_holds_retina_sizes() -> None:
    data = (ROOT / "resources" / "tracklens.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    types, offset = set(), 8
    while offset < len(data):
        kind, length = data[offset:offset + 4], struct.unpack(">I", data[offset + 4:offset + 8])[0]
        types.add(kind.decode("ascii"))
        offset += length
    # ic10 = 512@2x (1024 px), ic09 = 512, ic08 = 256, ic07 = 128
    assert {"ic07", "ic08", "ic09", "ic10"} <= types


def test_runtime_copies_match_the_source_artwork() -> None:
    assert resources.read_bytes("icon.svg") == (ROOT / "resources" / "tracklens.svg").read_bytes()
