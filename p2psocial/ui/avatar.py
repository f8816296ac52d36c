"""How a person looks in the window: a round avatar (their image, or a coloured initial)
and their name (or a short account id when they have not named themselves yet).

One place for it, so a painted row (post_delegate.py), a notification and a profile's
header show a person the same way. Avatar images come from the app's one image cache
(``images_of(ctx)``): decoded and scaled in a worker thread, kept in an LRU, shared by
every view of the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import ids
from .context import tr
from .image_cache import ImageCache
from .post_model import follow_events

if TYPE_CHECKING:
    from .context import AppContext

_CACHE_NAME = "p2psocial-images"


def images_of(ctx: AppContext) -> ImageCache:
    """The window's one image cache (created on first use, owned by ``ctx``): images
    come from the store, else from peers (``Backend.image``). It follows the node's
    events, so a picture that arrives later (fetched in the background) replaces its
    "Image not available" tile."""
    cache = ctx.findChild(ImageCache, _CACHE_NAME)
    if cache is None:
        cache = ImageCache(ctx.host, ctx.backend.image, parent=ctx)
        cache.setObjectName(_CACHE_NAME)
        if ctx.host.running:
            ctx.host.call(follow_events, ctx.node, cache.on_events)
    return cache


def short_account(account: bytes) -> str:
    """The start of the account id (``p2ps1abcdefghi…``): enough to tell people apart."""
    return ids.account_text(account)[:14] + "…"


def display_name(name: str | None, account: bytes) -> str:
    """The person's chosen name, or their short account id when they have none."""
    return name.strip() if name and name.strip() else short_account(account)


def account_colour(account: bytes) -> QColor:
    """A stable colour per account for its initial's circle, readable in both themes."""
    hue = int.from_bytes(account[:2], "big") % 360
    return QColor.fromHsl(hue, 140, 105)


def paint_avatar(painter: QPainter, rect: QRect, account: bytes, name: str | None,
                 pixmap: QPixmap | None = None, font: QFont | None = None) -> None:
    """A round avatar in ``rect``: ``pixmap`` clipped to a circle, or the initial of the
    name on the account's colour, in ``font`` (default: bold, sized to the circle).
    Every view paints a person's avatar with this (rows, notifications, headers)."""
    path = QPainterPath()
    path.addEllipse(rect)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if pixmap is not None:
        painter.setClipPath(path)
        painter.drawPixmap(rect, pixmap)
    else:
        painter.fillPath(path, account_colour(account))
        painter.setPen(QColor(255, 255, 255))
        if font is None:
            font = QFont(painter.font())
            font.setBold(True)
            font.setPixelSize(max(8, rect.height() * 4 // 10))
        painter.setFont(font)
        initial = name.strip()[:1].upper() if name and name.strip() else "?"
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), initial)
    painter.restore()


class Avatar(QWidget):
    """A round avatar of ``side`` pixels; ``set_person`` says whose."""

    def __init__(self, ctx: AppContext, side: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = images_of(ctx)
        self._images.ready.connect(self._image_ready)
        self._side = side
        self._account = b""
        self._name: str | None = None
        self._blob: bytes | None = None
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_person(self, account: bytes, name: str | None, avatar: bytes | None) -> None:
        self._account, self._name, self._blob = account, name, avatar
        self.setAccessibleName(tr("Avatar of {0}").format(display_name(name, account)))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._side, self._side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pixmap = None
        if self._blob is not None:
            ratio = self.devicePixelRatioF()
            pixel = round(self._side * ratio)
            pixmap = self._images.pixmap(self._blob, QSize(pixel, pixel))
        paint_avatar(painter, self.rect(), self._account, self._name, pixmap)
        painter.end()

    def _image_ready(self, blob: bytes) -> None:
        if blob == self._blob:
            self.update()
