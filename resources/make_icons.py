"""Render the app icon from resources/tracklens.svg into every format the builds need.

Run after editing the SVG and commit the outputs (they are build inputs, so a build never needs
Qt's SVG renderer or Pillow on the build machine beyond this step):

    .venv/bin/pip install Pillow   # once; part of the `packaging` extra
    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/make_icons.py

Qt's SVG renderer draws each size natively (sharper at 16-32 px than downscaling one bitmap);
Pillow packs the sizes into .ico (Windows) and .icns (macOS).
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "tracklens.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
RUNTIME_DIR = HERE.parent / "app" / "resources"


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    """One square RGBA rendering of the SVG at `size` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot render {SOURCE}", file=sys.stderr)
        return 1
    png_dir = HERE / "png"
    png_dir.mkdir(exist_ok=True)
    images = {size: render(renderer, size) for size in PNG_SIZES}
    for size, image in images.items():
        image.save(png_dir / f"tracklens-{size}.png", optimize=True)

    largest_ico = images[max(ICO_SIZES)]
    largest_ico.save(
        HERE / "tracklens.ico",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)],
    )
    images[1024].save(HERE / "tracklens.icns", append_images=[images[s] for s in (16, 32, 64, 128, 256, 512)])

    # Runtime copies the app loads through importlib.resources (app.resources).
    shutil.copyfile(SOURCE, RUNTIME_DIR / "icon.svg")
    images[256].save(RUNTIME_DIR / "icon.png", optimize=True)
    del app
    print(f"wrote {len(PNG_SIZES)} PNGs, tracklens.ico, tracklens.icns and app/resources/icon.{{png,svg}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
