"""Pictures decoded for the window: one function, so every view shows a photo the same
way up and none decodes more pixels than it can hold.

Every picture the window paints (a post's thumbnails, the full-size viewer, avatars,
the composer's tiles, the previews of a chosen profile picture) goes through
``decode_image``, which reads with ``QImageReader``:

- ``setAutoTransform(True)``: a camera's EXIF orientation is applied, so a portrait
  photo is not shown lying on its side (``QImage.fromData`` ignores it);
- a bound: a picture that says it has more than ``images.MAX_PIXELS`` pixels (a small
  file can claim 100 000 x 100 000) is refused before decoding, as posting refuses it;
- decoding at about the size wanted: JPEG decoders then skip the rest of the work.

Blocking, and safe off the GUI thread (QImage, not QPixmap): callers run it in a worker
thread through ``loop.in_thread``.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from .. import images

MAX_PIXELS = images.MAX_PIXELS


def decode_image(source: bytes | str, width: int = 0, height: int = 0, *,
                 cover: bool = False, formats: Collection[bytes] | None = None,
                 ) -> QImage | None:
    """The picture in ``source`` (its bytes, or a file's path) the right way up; None
    when Qt cannot read it, it has more than ``MAX_PIXELS`` pixels, or (``formats``
    given, lower-case names such as b"jpeg") its content is of another format.

    Without a size it comes whole. With one, it fits within ``width`` x ``height``
    (never enlarged); with ``cover``, it is scaled to cover that size and cropped to
    it, centred (what a square avatar or a thumbnail tile shows)."""
    if isinstance(source, str):
        reader = QImageReader(source)
    else:
        array = QByteArray(source)  # kept alive while the buffer reads it
        buffer = QBuffer(array)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    if formats is not None and bytes(reader.format().data()).lower() not in formats:
        return None  # by content, not by name: a text file called notes.jpg is not one
    stored = reader.size()
    if stored.isValid() and stored.width() * stored.height() > MAX_PIXELS:
        return None
    if width > 0 and height > 0 and stored.isValid() and not stored.isEmpty():
        _decode_at(reader, stored, QSize(width, height), cover)
    image = reader.read()
    if image.isNull():
        return None
    if width <= 0 or height <= 0:
        return image
    if not cover:
        if image.width() > width or image.height() > height:
            image = image.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        return image
    image = image.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                         Qt.TransformationMode.SmoothTransformation)
    left = (image.width() - width) // 2
    top = (image.height() - height) // 2
    return image.copy(QRect(left, top, width, height))


def picture_format(path: str) -> bytes:
    """The format of the picture in the file at ``path`` by its content (b"jpeg",
    b"png"...), b"" when it is none Qt reads. Reads only the file's first bytes."""
    return bytes(QImageReader(path).format().data()).lower()


def _decode_at(reader: QImageReader, stored: QSize, wanted: QSize, cover: bool) -> None:
    """Ask the decoder for about ``wanted`` pixels rather than all ``stored`` ones. The
    reader scales before it turns the picture upright: a quarter turn swaps the sides."""
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        wanted = wanted.transposed()
    mode = (Qt.AspectRatioMode.KeepAspectRatioByExpanding if cover
            else Qt.AspectRatioMode.KeepAspectRatio)
    scaled = stored.scaled(wanted, mode)
    if scaled.width() < stored.width():
        reader.setScaledSize(scaled)
