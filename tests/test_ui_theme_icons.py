"""Icons, the app icon and the theme (ui/icons.py, ui/theme.py), offscreen; and the
packaging that puts assets/ and the translations into the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication, QToolButton

from p2psocial.ui import icons, theme

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back to the system theme afterwards."""
    yield qapp
    theme.apply_theme(qapp, "system")


def ink(image: QImage) -> set[str]:
    """The colours of the fully opaque pixels (the strokes, without their antialiasing)."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return {image.pixelColor(x, y).name() for x in range(image.width())
            for y in range(image.height()) if image.pixelColor(x, y).alpha() == 255}


def window_text(app: QApplication) -> str:
    return app.palette().color(QPalette.ColorRole.WindowText).name()


def test_every_icon_is_drawn_in_the_text_colour(app: QApplication) -> None:
    assert sorted(icons.ICONS) == sorted(p.stem for p in (ROOT / "assets").glob("*.svg")
                                         if p.stem != "p2psocial")
    for name in icons.ICONS:
        drawn = icons.icon(name)
        assert not drawn.isNull()
        assert ink(drawn.pixmap(QSize(24, 24)).toImage()) == {window_text(app)}, name


def test_icons_are_drawn_at_the_device_pixel_ratio(app: QApplication) -> None:
    for ratio in (1.0, 1.5, 2.0):
        pixmap = icons.icon("home").pixmap(QSize(24, 24), ratio)
        assert pixmap.devicePixelRatio() == ratio
        assert pixmap.size() == QSize(round(24 * ratio), round(24 * ratio))


def test_disabled_icons_take_the_disabled_text_colour(app: QApplication) -> None:
    theme.apply_theme(app, "dark")
    disabled = icons.icon("send").pixmap(QSize(24, 24), QIcon.Mode.Disabled).toImage()
    assert ink(disabled) == {app.palette().color(QPalette.ColorGroup.Disabled,
                                                 QPalette.ColorRole.WindowText).name()}


def test_dark_theme_changes_the_palette_and_the_icons_tint(app: QApplication,
                                                            qtbot: Any) -> None:
    button = QToolButton()
    button.setIcon(icons.icon("search"))
    qtbot.addWidget(button)
    theme.apply_theme(app, "light")
    assert not theme.is_dark(app.palette())
    light_ink = ink(icons.icon("search").pixmap(QSize(24, 24)).toImage())
    theme.apply_theme(app, "dark")
    assert theme.is_dark(app.palette()) and app.style().name().lower() == "fusion"
    assert window_text(app) == "#e6e8eb"
    dark_ink = ink(icons.icon("search").pixmap(QSize(24, 24)).toImage())
    assert dark_ink == {"#e6e8eb"} and light_ink == {"#1b1d20"}
    qtbot.waitUntil(lambda: theme.is_dark(button.palette()))  # widgets follow the app
    shot = button.grab().toImage()
    assert QColor("#e6e8eb").name() in ink(shot)


def test_system_follows_the_os_while_running(app: QApplication) -> None:
    """The OS's scheme change is played by emitting Qt's own signal."""
    hints = app.styleHints()
    theme.apply_theme(app, "system")
    platform_palette_dark = theme.is_dark(app.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.is_dark(app.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not theme.is_dark(app.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Unknown)
    assert theme.is_dark(app.palette()) == platform_palette_dark
    theme.apply_theme(app, "light")  # a forced choice ignores the OS
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not theme.is_dark(app.palette())


def test_unknown_choices_are_refused(app: QApplication) -> None:
    with pytest.raises(ValueError, match="theme"):
        theme.apply_theme(app, "sepia")
    with pytest.raises(ValueError, match="no icon named"):
        icons.icon("rocket")


def test_app_icon_comes_in_every_size(app: QApplication) -> None:
    sizes = icons.app_icon().availableSizes()
    assert sizes == [QSize(s, s) for s in icons.APP_ICON_SIZES]
    pixels = icons.app_icon().pixmap(QSize(64, 64)).toImage()
    assert pixels.pixelColor(32, 4).name() == "#2a6f97"  # the icon's blue, not a tint


def test_pyproject_lists_every_package() -> None:
    """Packages are listed, not found (assets/ is mapped in): none may be forgotten."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "p2psocial").rglob("__init__.py")}
    on_disk |= {"p2psocial.assets", "p2psocial.ui.translations"}  # data: no __init__.py
    assert set(config["packages"]) == on_disk
    assert config["package-dir"] == {"p2psocial.assets": "assets"}


def test_the_wheel_ships_assets_and_translations(tmp_path: Path) -> None:
    """Built as a packager would, from a copy of the tree, so that no build/ left in
    the checkout can supply a file that is missing. Offline: the build backend is the
    one the dev extra installed (no build isolation, no index)."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "*.egg-info", "__pycache__", "bench", "tests", "docs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps",
                    "--no-build-isolation", "--no-index", "--quiet", "-w", str(tmp_path)],
                   check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("p2psocial-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"p2psocial/assets/{name}.svg" for name in icons.ICONS}
    wanted |= {"p2psocial/assets/p2psocial.svg", "p2psocial/assets/README.md",
               "p2psocial/ui/translations/p2psocial_de.qm", "p2psocial/ui/icons.py",
               "p2psocial/qr.py", "p2psocial/py.typed"}
    assert wanted <= names
    assert not any(name.endswith(".ts") for name in names)  # sources stay in the tree
