"""QR codes on screen and as images: ``qr_image`` and the ``QrCode`` widget.

The modules come from ``p2psocial.qr`` (segno, with the choices an invite needs).
Both forms keep what scanners need whatever the theme: dark modules on white, a quiet
zone of four white modules all round, and modules that are whole device pixels wide
with no smoothing — a blurred edge costs a phone camera more than a smaller code does.

The widget scales the code to the largest whole number of device pixels per module
that fits its square, centred; with a fractional device pixel ratio the position is
rounded to device pixels too, so no module straddles a pixel.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import qr
from .context import tr

QUIET = 4  # modules of white border the standard asks for
LEVEL = "M"  # about 15 % of the code can be damaged or glared out


def qr_modules_image(text: str) -> QImage:
    """One pixel per module, quiet zone included: black on white, 8 bits grey."""
    modules = qr.encode(text, LEVEL)
    side = len(modules) + 2 * QUIET
    white, black = b"\xff", b"\x00"
    border = white * side * QUIET
    body = b"".join(white * QUIET + b"".join(black if dark else white for dark in row)
                    + white * QUIET for row in modules)
    data = border + body + border
    return QImage(data, side, side, side, QImage.Format.Format_Grayscale8).copy()


def qr_image(text: str, module_px: int = 6) -> QImage:
    """``text`` as a QR code image, ``module_px`` pixels per module, quiet zone included."""
    if module_px < 1:
        raise ValueError(f"module_px must be at least 1, not {module_px}")
    small = qr_modules_image(text)
    return small.scaled(small.width() * module_px, small.height() * module_px,
                        Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.FastTransformation)


class QrCode(QWidget):
    """A QR code that fills its square; ``setText`` changes it (raises ``DataTooLong``)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 description: str | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._image = QImage()
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAccessibleName(tr("QR code"))
        self.setAccessibleDescription(description or tr("A code to scan with a phone or a webcam"))
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # Qt's naming, as QLabel.setText
        self._image = qr_modules_image(text) if text else QImage()
        self._text = text
        self.updateGeometry()
        self.update()

    def modules_across(self) -> int:
        """Modules from edge to edge, quiet zone included (0 without text)."""
        return self._image.width()

    def sizeHint(self) -> QSize:
        side = max(self.modules_across(), 29) * 4
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        side = max(self.modules_across(), 29) * 2
        return QSize(side, side)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def module_device_px(self) -> int:
        """Device pixels per module at the current size (0 when it does not fit)."""
        if self._image.isNull():
            return 0
        ratio = self.devicePixelRatioF()
        side = min(self.width(), self.height()) * ratio
        return int(side // self.modules_across())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image.isNull():
            return
        ratio = self.devicePixelRatioF()
        module = max(1, self.module_device_px())
        code = module * self.modules_across()  # device pixels
        left = (round(self.width() * ratio) - code) // 2
        top = (round(self.height() * ratio) - code) // 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        target = QRectF(left / ratio, top / ratio, code / ratio, code / ratio)
        painter.fillRect(target, QColor("white"))
        painter.drawImage(target, self._image)
        painter.end()
