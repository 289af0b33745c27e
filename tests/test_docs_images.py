"""Docs link to existing, non-blank screenshots in both languages, and the pages link to each other."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "docs" / "images"
PAGES = ["README.md", "README.zh-CN.md", "docs/user-guide.md", "docs/user-guide.zh-CN.md"]
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")
MAX_TOTAL_BYTES = 3 * 2**20


def linked_images(page: str) -> list[Path]:
    text = (REPO / page).read_text(encoding="utf-8")
    return [(REPO / page).parent / link for link in IMAGE_LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES)
def test_linked_images_exist(page):
    links = linked_images(page)
    assert links, f"{page} shows no screenshot"
    missing = [str(path.relative_to(REPO)) for path in links if not path.is_file()]
    assert not missing, f"{page} links to missing images: {missing}; run docs/screenshots.py"


def test_images_total_size():
    total = sum(path.stat().st_size for path in IMAGES.glob("*.png"))
    assert total < MAX_TOTAL_BYTES, f"docs/images holds {total} bytes; lower --width in docs/screenshots.py"


def test_guides_show_same_screens():
    english = {path.name.replace("-en.png", "") for path in linked_images("docs/user-guide.md")}
    chinese = {path.name.replace("-zh_CN.png", "") for path in linked_images("docs/user-guide.zh-CN.md")}
    assert english == chinese


def test_images_not_blank():
    from PySide6.QtGui import QImage

    for path in sorted(IMAGES.glob("*.png")):
        image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
        assert not image.isNull(), f"{path.name} is not a readable PNG"
        pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).astype(np.float32)
        assert pixels.std() > 10, f"{path.name} is almost uniform (std {pixels.std():.1f}); the capture is blank"


def test_pages_link_to_translation():
    pairs = [("README.md", "README.zh-CN.md"), ("docs/user-guide.md", "docs/user-guide.zh-CN.md")]
    for english, chinese in pairs:
        english_head = (REPO / english).read_text(encoding="utf-8").splitlines()[:4]
        chinese_head = (REPO / chinese).read_text(encoding="utf-8").splitlines()[:4]
        assert any(f"]({Path(chinese).name})" in line for line in english_head), f"{english} lacks the link"
        assert any(f"]({Path(english).name})" in line for line in chinese_head), f"{chinese} lacks the link"


def test_viewer_screenshots_show_images():
    from PySide6.QtGui import QImage

    # The axial view fills about the middle third of the window at 1280 x 800; a failed OpenGL read-back
    # leaves it black while the Qt widgets around it still render.
    for path in sorted(IMAGES.glob("*.png")):
        if not path.name.startswith(("main-window-", "study-browser-")):
            continue
        image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
        width, height = image.width(), image.height()
        pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(height, -1)[:, :width]
        axial = pixels[int(0.3 * height) : int(0.7 * height), int(0.3 * width) : int(0.5 * width)]
        assert axial.std() > 10, f"{path.name}: the axial view is blank (std {axial.std():.1f})"
