"""Emoji as emoji (ui/fonts.py): on a system without a colour emoji font the app
registers the bundled Noto Color Emoji, and an emoji is drawn in colour instead of as
an empty box; where the system has one, nothing is registered. Real Qt and fontconfig,
in a subprocess whose fontconfig sees only the fonts we give it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from p2psocial.ui.fonts import COLOUR_EMOJI, colour_emoji_family

ROOT = Path(__file__).resolve().parent.parent
NOTO = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")  # fonts-noto-color-emoji
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

needs_fonts = pytest.mark.skipif(
    not (NOTO.is_file() and DEJAVU.is_dir()) and not os.environ.get("CI"),
    reason="needs fonts-noto-color-emoji and fonts-dejavu-core (.ci/run installs them)")

DRAW = textwrap.dedent("""
    import sys
    from pathlib import Path
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QApplication
    from p2psocial.ui.fonts import ensure_emoji_font

    app = QApplication([])
    bundled = Path(sys.argv[1])
    family = ensure_emoji_font(bundled) if sys.argv[2] == "ensure" else None
    image = QImage(80, 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    font = app.font()
    font.setPointSize(24)
    painter.setFont(font)
    painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), "\\U0001F44D")
    painter.end()
    coloured = sum(1 for y in range(image.height()) for x in range(image.width())
                   if QColor(image.pixel(x, y)).hsvSaturation() > 100)
    print(family, coloured)
""")


def draw_thumbs_up(tmp_path: Path, how: str, with_system_emoji: bool) -> tuple[str, int]:
    """Draw 👍 in a Qt whose fontconfig knows DejaVu (and Noto, ``with_system_emoji``)."""
    dirs = [DEJAVU] + ([NOTO.parent] if with_system_emoji else [])
    config = tmp_path / "fonts.conf"
    config.write_text("<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'>"
                      "<fontconfig>" + "".join(f"<dir>{d}</dir>" for d in dirs)
                      + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    env = dict(os.environ, FONTCONFIG_FILE=str(config), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", DRAW, str(NOTO), how], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    family, coloured = done.stdout.strip().rsplit(" ", 1)
    return family, int(coloured)


@needs_fonts
def test_without_a_system_emoji_font_the_bundled_one_is_registered(tmp_path: Path) -> None:
    _, before = draw_thumbs_up(tmp_path, "plain", with_system_emoji=False)
    assert before == 0  # a box, or nothing: what users without the font saw
    family, after = draw_thumbs_up(tmp_path, "ensure", with_system_emoji=False)
    assert family == "Noto Color Emoji" and after > 100


@needs_fonts
def test_a_system_emoji_font_is_used_and_nothing_registered(tmp_path: Path) -> None:
    family, coloured = draw_thumbs_up(tmp_path, "ensure", with_system_emoji=True)
    assert family == "Noto Color Emoji" and coloured > 100


def test_colour_emoji_families_are_recognised() -> None:
    assert colour_emoji_family(["DejaVu Sans", "noto color emoji"]) == "noto color emoji"
    assert colour_emoji_family(["DejaVu Sans", "Noto Emoji"]) is None  # black and white
    assert "Segoe UI Emoji" in COLOUR_EMOJI and "Apple Color Emoji" in COLOUR_EMOJI
