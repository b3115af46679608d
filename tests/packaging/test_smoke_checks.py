"""packaging/smoke_test.py tells a real render from a broken one (it gates every release build)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def smoke() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tracklens_smoke_test", ROOT / "packaging" / "smoke_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_accepts_a_real_image(smoke: ModuleType) -> None:
    line = smoke.check_png(ROOT / "resources" / "png" / "tracklens-256.png")
    assert "256x256" in line


def test_rejects_blank_tiny_and_fake_images(smoke: ModuleType, tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    blank = tmp_path / "blank.png"
    # Uncompressed, so it is big enough in bytes and only the colour check can catch it.
    pil.new("RGB", (800, 600), "white").save(blank, compress_level=0)
    with pytest.raises(smoke.SmokeFailure, match="blank render"):
        smoke.check_png(blank)
    tiny = tmp_path / "tiny.png"
    pil.effect_noise((48, 30), 100).convert("RGB").save(tiny, compress_level=0)
    with pytest.raises(smoke.SmokeFailure, match="48x30 px"):
        smoke.check_png(tiny)
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a png at all" * 500)
    with pytest.raises(smoke.SmokeFailure, match="not a PNG"):
        smoke.check_png(fake)
    with pytest.raises(smoke.SmokeFailure, match="missing"):
        smoke.check_png(tmp_path / "absent.png")


def test_a_traceback_fails_even_with_exit_code_zero(smoke: ModuleType, tmp_path: Path) -> None:
    script = "print('Traceback (most recent call last):'); raise SystemExit(0)"
    with pytest.raises(smoke.SmokeFailure, match="Traceback"):
        smoke.run([sys.executable, "-c", script], smoke.clean_env(tmp_path), tmp_path, 60)
    with pytest.raises(smoke.SmokeFailure, match="exit code 3"):
        smoke.run([sys.executable, "-c", "raise SystemExit(3)"], smoke.clean_env(tmp_path), tmp_path, 60)
    with pytest.raises(smoke.SmokeFailure, match="Qt platform plugin"):
        smoke.run([sys.executable, "-c", "print('qt.qpa.plugin: could not load the Qt platform plugin \"xcb\"')"],
                  smoke.clean_env(tmp_path), tmp_path, 60)
