"""One image of a post at full size, with its description: what a click on a thumbnail
opens.

The bytes come from ``ctx.backend.image`` (the store, else peers that have it); they
are decoded in a worker thread, so a large picture never stalls the window. The image
fits the window by default; *Actual size* shows it pixel for pixel in a scroll area.
Left and Right go to the post's other images, Esc closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .context import AppContext, tr
from .image_decode import decode_image
from .loop import Call, in_thread, one_line

if TYPE_CHECKING:
    from ..store.views import PostView


async def load_image(ctx: AppContext, blob: bytes) -> QImage | None:
    data = await ctx.backend.image(blob)
    return None if data is None else await in_thread(decode_image, data)


class ImageViewer(QDialog):
    """The ``number``-th image of ``post``; see the module docstring."""

    def __init__(self, ctx: AppContext, post: PostView, number: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image_viewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.post = post
        self.number = max(0, min(number, len(post.attachments) - 1))
        self._pixmap: QPixmap | None = None
        self._call: Call | None = None

        self.picture = QLabel(tr("Loading…"))
        self.picture.setObjectName("picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(120, 90)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.picture)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setWidgetResizable(True)
        self.alt_label = QLabel()
        self.alt_label.setObjectName("alt")
        self.alt_label.setWordWrap(True)
        self.alt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fit = QCheckBox(tr("Fit to window"))
        self.fit.setChecked(True)
        self.fit.toggled.connect(self._fit_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)

        column = QVBoxLayout(self)
        column.addWidget(self.scroll_area, 1)
        column.addWidget(self.alt_label)
        column.addWidget(self.fit)
        column.addWidget(buttons)
        for key, step in ((QKeySequence.StandardKey.MoveToPreviousChar, -1),
                          (QKeySequence.StandardKey.MoveToNextChar, 1)):
            QShortcut(key, self).activated.connect(lambda s=step: self.show_number(self.number + s))
        self.resize(900, 700)
        self.show_number(self.number)

    def show_number(self, number: int) -> None:
        """Show the post's ``number``-th image (wrapping around)."""
        count = len(self.post.attachments)
        if count == 0:
            return
        self.number = number % count
        attachment = self.post.attachments[self.number]
        if self._call is not None:
            self._call.cancel()
        self._pixmap = None
        self.picture.clear()
        self.picture.setText(tr("Loading…"))
        alt = attachment.alt.strip()
        self.alt_label.setText(alt or tr("No description"))
        self.picture.setAccessibleName(alt or tr("An image without a description"))
        self.setWindowTitle(tr("Image ({0} of {1})").format(self.number + 1, count)
                            if count > 1 else tr("Image"))
        self._call = self.ctx.call(load_image, self.ctx, attachment.blob,
                                   on_result=self._loaded, on_error=self._failed)

    @property
    def loaded(self) -> bool:
        return self._pixmap is not None

    def _loaded(self, image: QImage | None) -> None:
        self._call = None
        if image is None:
            self.picture.setText(tr("This image is not available: no one who has it is "
                                    "connected, or it cannot be read."))
            return
        self._pixmap = QPixmap.fromImage(image)
        self._show_pixmap()

    def _failed(self, exc: Exception) -> None:
        self._call = None
        self.picture.setText(tr("This image could not be loaded: {0}").format(one_line(exc)))

    def _fit_changed(self, fit: bool) -> None:
        self.scroll_area.setWidgetResizable(fit)
        self._show_pixmap()

    def _show_pixmap(self) -> None:
        if self._pixmap is None:
            return
        if self.fit.isChecked():
            room = self.scroll_area.viewport().size()
            if (self._pixmap.width() > room.width() or self._pixmap.height() > room.height()):
                self.picture.setPixmap(self._pixmap.scaled(
                    room, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))
                return
        self.picture.setPixmap(self._pixmap)
        if not self.fit.isChecked():
            self.picture.adjustSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show_pixmap()

    def done(self, result: int) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None
        super().done(result)


def open_image(ctx: AppContext, post: PostView, number: int, parent: QWidget) -> ImageViewer:
    """Show the viewer for ``post``'s image ``number`` (not modal: reading goes on)."""
    viewer = ImageViewer(ctx, post, number, parent)
    viewer.show()
    return viewer
