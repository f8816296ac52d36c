"""The app's icons: monochrome line SVGs from ``assets/``, in the palette's text colour.

Theory of operation
-------------------

``icon(name)`` returns a ``QIcon`` backed by ``_TintedSvg``, an icon engine that draws
the SVG only when Qt asks for a pixmap, at the exact device size asked for (logical
size × device pixel ratio, so modules stay sharp on high-DPI screens), and paints
its strokes in the colour the *current* application palette gives the icon's mode:
text for normal and active, the disabled group's text when disabled, highlighted text
when selected. The colour is read at paint time, so when the palette changes (the
theme, or the OS switching to dark mode, see ``theme.py``) every widget gets a
``PaletteChange`` event, repaints, and its icons come out in the new colour; there is
nothing to re-register. Pixmaps are cached per engine by size, ratio and colour.
Code that keeps a pixmap of its own (``QLabel.setPixmap``) asks again on
``PaletteChange``.

``app_icon()`` is the full-colour app icon at the sizes window managers, taskbars
and trays pick from.

The assets are read with ``importlib.resources`` from the package ``p2psocial.assets``
(``assets/`` mapped by pyproject.toml), which works from a wheel and from an
editable install; a checkout that was never installed falls back to ``assets/`` beside
the package.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer

ICONS = ("home", "notifications", "messages", "search", "people", "profile", "settings",
         "reply", "react", "heart-filled", "image", "content-warning", "send", "invite",
         "back", "more", "close")
APP_ICON = "p2psocial.svg"
APP_ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
_CACHE_MAX = 32  # pixmaps per icon: a handful of sizes, ratios and colours in use


def assets() -> Traversable:
    """Where the asset files are: the installed package, or the source tree's assets/."""
    try:
        return resources.files("p2psocial.assets")
    except ModuleNotFoundError:  # a source checkout run without being installed
        return Path(__file__).resolve().parents[2] / "assets"


def asset_bytes(filename: str) -> bytes:
    return (assets() / filename).read_bytes()


def tint(mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    """The colour monochrome icons take in ``mode`` under the current palette."""
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
    return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)


@functools.cache
def icon(name: str) -> QIcon:
    """The line icon ``name`` (one of ``ICONS``), drawn in the palette's text colour."""
    if name not in ICONS:
        raise ValueError(f"no icon named {name!r}; known: {', '.join(ICONS)}")
    return QIcon(_TintedSvg(asset_bytes(f"{name}.svg")))


@functools.cache
def app_icon() -> QIcon:
    """The app's own icon, in colour, at every size in ``APP_ICON_SIZES``."""
    renderer = QSvgRenderer(QByteArray(asset_bytes(APP_ICON)))
    result = QIcon()
    for size in APP_ICON_SIZES:
        result.addPixmap(QPixmap.fromImage(_render(renderer, QSize(size, size))))
    return result


def _render(renderer: QSvgRenderer, pixels: QSize, colour: QColor | None = None) -> QImage:
    """The SVG centred in ``pixels`` at its aspect ratio; every opaque part in ``colour``."""
    image = QImage(pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    view = renderer.defaultSize().scaled(pixels, Qt.AspectRatioMode.KeepAspectRatio)
    renderer.render(painter, QRectF(QRect(
        QPoint((pixels.width() - view.width()) // 2, (pixels.height() - view.height()) // 2),
        view)))
    if colour is not None:
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(image.rect(), colour)
    painter.end()
    return image


class _TintedSvg(QIconEngine):
    """Draws one monochrome SVG on demand in the colour of the icon's mode (see above)."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderer = QSvgRenderer(QByteArray(svg))
        self._cache: dict[tuple[int, int, float, int], QPixmap] = {}

    def clone(self) -> QIconEngine:
        return _TintedSvg(self._svg)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, ratio))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:
        colour = tint(mode)
        key = (size.width(), size.height(), scale, colour.rgba())
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            pixels = QSize(max(1, round(size.width() * scale)),
                           max(1, round(size.height() * scale)))
            cached = QPixmap.fromImage(_render(self._renderer, pixels, colour))
            cached.setDevicePixelRatio(scale)
            self._cache[key] = cached
        return cached

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def isNull(self) -> bool:
        return not self._renderer.isValid()

    def key(self) -> str:
        return "p2psocial-tinted-svg"
