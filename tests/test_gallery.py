"""docs/gallery.md is what docs/gallery.py writes from the zoo, and its images exist.

After a change to the zoo or to an exporter, regenerate it: ``python docs/gallery.py``
(``--no-images`` for the Markdown only; the PNGs are not compared byte for byte).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_gallery", ROOT / "docs" / "gallery.py")
gallery = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gallery)


def test_the_gallery_is_up_to_date():
    written = gallery.GALLERY.read_text(encoding="utf-8")
    assert written == gallery.markdown(), \
        "docs/gallery.md is out of date: run python docs/gallery.py (read the diff)"


def test_every_zoo_file_is_in_the_gallery_with_its_images():
    text = gallery.GALLERY.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(img/gallery/([^)]+)\)", text))
    present = {p.name for p in gallery.IMAGES.glob("*.png")}
    assert linked == present, "images missing or left over: run python docs/gallery.py"
    for path in gallery.files():
        assert f"`derivations/{path.name}`" in text
        assert gallery.image_names(path), f"no image for {path.name}"


def test_ink_box_crops_to_the_ink_with_a_margin():
    width, height = 40, 30
    pixels = bytearray([255]) * (width * height)
    for y, x in ((12, 20), (15, 25)):
        pixels[y * width + x] = 0
    pgm = b"P5\n# a comment\n40 30\n255\n" + bytes(pixels)
    w, h, data = gallery._pgm(pgm)
    assert (w, h, data) == (width, height, bytes(pixels))
    m = gallery.MARGIN
    assert gallery._ink_box(w, h, data) == (20 - m, 12 - m, 25 + 1 - 20 + 2 * m, 15 + 1 - 12 + 2 * m)
    assert gallery._ink_box(w, h, bytes([255]) * (width * height)) is None


def test_the_images_compile(tmp_path):
    """The pipeline (pdflatex, pdftoppm, cropping) on one small network.  Skips without
    pdflatex or pdftoppm, except under CI=true, where it fails."""
    missing = [tool for tool in ("pdflatex", "pdftoppm", "pdfinfo") if not shutil.which(tool)]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must compile the gallery: {missing} not found")
        pytest.skip(f"{missing} not installed")
    [image] = gallery.compile_images(gallery.FOLDER / "keras_dense.toml", tmp_path)
    data = image.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    page_width = 8.5 * gallery.RESOLUTION  # letter; A4 is narrower still
    assert 100 < width < page_width - 2 * gallery.MARGIN and 50 < height
