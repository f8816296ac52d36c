"""Pictures and files in conversations: how a message shows them, and how one adds them.

Theory of operation
-------------------

A message's attachments (``MessageView.attachments``, ``FileView``s) are sealed blobs
(p2psocial/private_files.py); the app's image loader (``Backend.image``) fetches and
opens them, so a picture comes through the window's ``ImageCache`` exactly like a
post's, keyed by the sealed blob's hash. Nothing here touches a key.

Showing. ``FilesLayout.of(files, room, font)`` places them under the message's text,
one under the other: a picture scaled to fit ``PICTURE_SIDE`` (its aspect kept), a file
as a tile (📄, its name, its size and "Save"). The conversation's delegate asks for the
layout's size, paints it inside the bubble (``paint``) and asks what a click hit
(``at``): a picture opens in the image viewer, a file tile asks where to save it
(``save_file``: "Save as…", then the bytes are fetched, opened and written off the GUI
thread).

Adding. ``AttachmentTray`` sits above the message box: a Picture… and a File… button
and a removable chip per file chosen. A file over ``private_files.FILE_MAX`` is refused
when chosen, in one line; the bytes are read only when the message is sent
(``read_attachments``, in a worker thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QWidget,
)

from .. import content, private_files
from ..errors import UserError
from ..store.views import FileView
from .context import tr
from .image_decode import picture_format
from .image_viewer import open_image
from .loop import in_thread

if TYPE_CHECKING:
    from ..entry import Entry
    from ..node import Node
    from .context import AppContext
    from .image_cache import ImageCache

PICTURE_SIDE = 240  # px: the longest side of a picture in a conversation
TILE_HEIGHT = 44
GAP = 6
IMAGE_FILTER = "*.jpg *.jpeg *.png *.webp *.gif"
IMAGE_FORMATS = (b"jpeg", b"jpg", b"png", b"webp", b"gif")  # picture_format names in it


def file_size(n: int) -> str:
    if n < 1024:
        return tr("{0} bytes").format(n)
    if n < 1024 * 1024:
        return tr("{0} KB").format(n // 1024)
    return tr("{0} MB").format(f"{n / (1024 * 1024):.1f}")


def file_label(f: FileView) -> str:
    """What a screen reader and a tooltip say of one attachment."""
    if f.is_image:
        return f.alt or tr("A picture without a description")
    return tr("File {0}, {1}").format(f.name or tr("without a name"), file_size(f.size))


def file_action(f: FileView) -> str:
    """What a message's menu says for one attachment."""
    if f.is_image:
        return tr("Open the picture")
    return tr("Save {0}…").format(f.name or tr("file"))


@dataclass(frozen=True, slots=True)
class FilesLayout:
    """Where a message's attachments go, relative to the top left of their area."""

    items: tuple[tuple[QRect, FileView], ...] = ()
    size: QSize = field(default_factory=lambda: QSize(0, 0))

    @classmethod
    def of(cls, files: Sequence[FileView], room: int, font: QFont) -> FilesLayout:
        if not files:
            return cls()
        items = []
        y = width = 0
        tile_width = min(room, max(200, QFontMetrics(font).horizontalAdvance("M" * 22)))
        for f in files:
            if f.is_image:
                side = min(room, PICTURE_SIDE)
                scale = min(side / f.width, side / f.height, 1.0) if f.width and f.height else 1
                w, h = max(48, int(f.width * scale)), max(48, int(f.height * scale))
            else:
                w, h = tile_width, TILE_HEIGHT
            items.append((QRect(0, y, w, h), f))
            width = max(width, w)
            y += h + GAP
        return cls(tuple(items), QSize(width, y - GAP))

    def at(self, origin: QPoint, pos: QPoint) -> FileView | None:
        """The attachment under ``pos`` when the area starts at ``origin``."""
        for rect, f in self.items:
            if rect.translated(origin).contains(pos):
                return f
        return None

    def paint(self, painter: QPainter, palette: QPalette, origin: QPoint,
              images: ImageCache | None, font: QFont) -> None:
        for rect, f in self.items:
            where = rect.translated(origin)
            if f.is_image:
                _paint_picture(painter, palette, where, f, images)
            else:
                _paint_tile(painter, palette, where, f, font)


def _paint_picture(painter: QPainter, palette: QPalette, rect: QRect, f: FileView,
                   images: ImageCache | None) -> None:
    pixmap = images.pixmap(f.blob, rect.size()) if images is not None else None
    if pixmap is not None:
        painter.drawPixmap(rect, pixmap)
        return
    broken = images is None or images.broken(f.blob)
    painter.fillRect(rect, palette.midlight())
    painter.setPen(palette.placeholderText().color())
    label = "🖼 " + (tr("Picture not available") if broken else tr("Loading…"))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                     label)


def _paint_tile(painter: QPainter, palette: QPalette, rect: QRect, f: FileView,
                font: QFont) -> None:
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.base())
    painter.drawRoundedRect(rect, 6, 6)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    painter.setFont(font)
    metrics = QFontMetrics(font)
    inner = rect.adjusted(8, 4, -8, -4)
    save = tr("Save")
    save_width = metrics.horizontalAdvance(save) + 8
    name = metrics.elidedText("📄 " + (f.name or tr("file")), Qt.TextElideMode.ElideMiddle,
                              inner.width() - save_width)
    top = QRect(inner.left(), inner.top(), inner.width() - save_width, inner.height() // 2)
    painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     name)
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    bottom = QRect(inner.left(), inner.top() + inner.height() // 2, inner.width(),
                   inner.height() // 2)
    painter.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     file_size(f.size))
    painter.setPen(palette.color(QPalette.ColorRole.Link))
    painter.drawText(inner, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                     save)
    painter.restore()


# --- opening and saving --------------------------------------------------------------


def open_picture(ctx: AppContext, f: FileView, parent: QWidget) -> QWidget:
    """The picture in the image viewer (which loads it through ``Backend.image``)."""
    return open_image(ctx, SimpleNamespace(attachments=[f]), 0, parent)  # type: ignore[arg-type]


def open_file(ctx: AppContext, f: FileView, parent: QWidget) -> None:
    """A click on an attachment: a picture opens in the viewer, a file is saved."""
    if f.is_image:
        open_picture(ctx, f, parent)
    else:
        save_file(ctx, f, parent)


def save_file(ctx: AppContext, f: FileView, parent: QWidget, path: str | None = None) -> None:
    """Ask where to save ``f`` ("Save as…", unless ``path`` is given), then fetch,
    open and write it off the GUI thread; the outcome goes to the status bar."""
    if path is None:
        suggested = f.name or ("picture" + _suffix(f.mime))
        path, _ = QFileDialog.getSaveFileName(parent, tr("Save as…"), suggested)
        if not path:
            return
    ctx.call(write_attachment, ctx, f, path,
             on_result=lambda where: ctx.message.emit(tr("Saved {0}").format(where)))


async def write_attachment(ctx: AppContext, f: FileView, path: str) -> str:
    data = await ctx.backend.attachment(f.blob)
    if data is None:
        raise UserError(tr("That file is not available: nobody who has it is connected, "
                           "or it cannot be opened."))
    await in_thread(Path(path).write_bytes, data)
    return path


def _suffix(mime: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
            "image/gif": ".gif"}.get(mime, "")


# --- adding ------------------------------------------------------------------------


async def read_attachments(pictures: Sequence[str], files: Sequence[str],
                           ) -> tuple[list[bytes], list[tuple[str, bytes]]]:
    """The bytes of the chosen pictures and files, read in a worker thread."""
    def read(path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise UserError(tr("{0} could not be read: {1}").format(
                Path(path).name, exc.strerror or type(exc).__name__)) from None

    images = [await in_thread(read, p) for p in pictures]
    named = [(Path(p).name, await in_thread(read, p)) for p in files]
    return images, named


async def send_message(node: Node, conversation: bytes, recipients: Sequence[bytes] | None,
                       text: str, pictures: Sequence[str], files: Sequence[str]) -> Entry:
    """Read the chosen files, then send ``text`` with them: to ``recipients`` (a direct
    conversation), or in the group ``conversation`` when ``recipients`` is None."""
    images, named = await read_attachments(pictures, files)
    if recipients is None:
        return await node.groups.post(conversation, text, images_data=images, files=named)
    return await node.messages.send(list(recipients), text, images_data=images, files=named)


class AttachmentTray(QWidget):
    """Picture… and File… buttons, and a removable chip per chosen file."""

    changed = Signal()
    error = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pictures: list[str] = []
        self.files: list[str] = []
        self.picture_button = QToolButton()
        self.picture_button.setObjectName("attach_picture")
        self.picture_button.setText(tr("Picture…"))
        self.picture_button.setAccessibleName(tr("Attach pictures"))
        self.picture_button.setToolTip(tr("Attach pictures: only the readers of this "
                                          "conversation can see them"))
        self.picture_button.clicked.connect(self.choose_pictures)
        self.file_button = QToolButton()
        self.file_button.setObjectName("attach_file")
        self.file_button.setText(tr("File…"))
        self.file_button.setAccessibleName(tr("Attach files"))
        self.file_button.setToolTip(tr("Attach files of any type, up to {0} each").format(
            file_size(private_files.FILE_MAX)))
        self.file_button.clicked.connect(self.choose_files)
        self.chips = QHBoxLayout()
        self.chips.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.picture_button)
        row.addWidget(self.file_button)
        row.addLayout(self.chips, 1)
        row.addStretch()

    @property
    def empty(self) -> bool:
        return not self.pictures and not self.files

    def choose_pictures(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Attach pictures"), "",
                                                tr("Images ({0})").format(IMAGE_FILTER))
        self.add(paths, picture=True)

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Attach files"))
        self.add(paths, picture=False)

    def add(self, paths: Sequence[str], *, picture: bool) -> None:
        """Attach ``paths`` (a file too large, or one too many, is refused in one line)."""
        for path in paths:
            if len(self.pictures) + len(self.files) >= content.ATTACHMENTS_MAX:
                self.error.emit(tr("A message has at most {0} pictures and files.")
                                .format(content.ATTACHMENTS_MAX))
                break
            try:
                private_files.check_size(Path(path).stat().st_size, Path(path).name)
            except (UserError, OSError) as exc:
                self.error.emit(str(exc) if isinstance(exc, UserError) else
                                tr("{0} could not be read").format(Path(path).name))
                continue
            if picture and picture_format(path) not in IMAGE_FORMATS:
                self.error.emit(tr("{0} is not a JPEG, PNG, WebP or GIF picture: attach it "
                                   "as a file").format(Path(path).name))
                continue
            (self.pictures if picture else self.files).append(path)
            self._chip(path, picture)
        self.changed.emit()

    def _chip(self, path: str, picture: bool) -> None:
        chip = QPushButton(("🖼 " if picture else "📄 ") + Path(path).name + "  ✕")
        chip.setObjectName("attachment_chip")
        chip.setFlat(True)
        chip.setToolTip(tr("Remove {0}").format(Path(path).name))
        chip.setAccessibleName(tr("Remove {0}").format(Path(path).name))
        chip.clicked.connect(lambda: self._remove(chip, path, picture))
        self.chips.addWidget(chip)

    def _remove(self, chip: QWidget, path: str, picture: bool) -> None:
        held = self.pictures if picture else self.files
        if path in held:
            held.remove(path)
        chip.deleteLater()
        self.changed.emit()

    def clear(self) -> None:
        self.pictures, self.files = [], []
        while self.chips.count():
            item = self.chips.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.changed.emit()

    def set_busy(self, busy: bool) -> None:
        for button in (self.picture_button, self.file_button):
            button.setEnabled(not busy)


def describe(files: Sequence[Any]) -> str:
    """The attachments of a message in words, for its accessible text."""
    return "; ".join(file_label(f) for f in files)
