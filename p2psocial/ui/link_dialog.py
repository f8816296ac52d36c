"""The "Link a new device" dialog: a one-time code, as text and as a QR code.

Theory of operation
-------------------

``Backend.link_code`` opens a link offer on the running network (net/link.py) and
gives its code and when it expires; without a network the dialog says why in one
line. The code is shown as selectable text (it is long: addresses and a secret) with
a Copy button, and as a QR code, with "valid until HH:MM, once" and what to do on
the new device (the first-run screen's "I already use p2psocial on another
device", or ``p2psocial device join``).

The new device links, then syncs with this one; only then does this home list it.
So while the dialog is open it reads the device list every ``POLL_MS`` and, when a
device it had not listed appears, says so and emits ``linked`` with the new list.
When the code expires the dialog says so and offers a new one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import UserError
from .context import tr
from .qr_widget import QrCode
from .widgets import MessageLine

if TYPE_CHECKING:
    from ..store.views import DeviceRow
    from .context import AppContext
    from .loop import Call

POLL_MS = 2000  # how often the open dialog looks for the new device
QR_SIDE = 220  # px


class LinkDialog(QDialog):
    """Shows a link code; ``linked`` carries the device list once a new device shows up."""

    linked = Signal(list)  # list[DeviceRow]

    def __init__(self, ctx: AppContext, known: set[bytes],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("link_dialog")
        self.setWindowTitle(tr("Link a new device"))
        self.ctx = ctx
        self.known = set(known)  # the devices listed when the dialog opened
        self.expires_ms = 0
        self._poll: Call | None = None
        layout = QVBoxLayout(self)
        self.explain = QLabel(tr("On the new computer, open p2psocial, choose “I already "
                                 "use p2psocial on another device” and paste this code. "
                                 "Keep the app open here until it has linked."))
        self.explain.setObjectName("link_explain")
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        row = QHBoxLayout()
        self.code = QPlainTextEdit()
        self.code.setObjectName("link_code")
        self.code.setReadOnly(True)
        self.code.setAccessibleName(tr("Link code"))
        self.code.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.code.setFixedHeight(88)
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.setObjectName("copy_link_code")
        self.copy_button.setAccessibleName(tr("Copy the link code"))
        self.copy_button.clicked.connect(self.copy_code)
        row.addWidget(self.code, 1)
        row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.qr = QrCode(description=tr("The link code, to scan"))
        self.qr.setObjectName("link_qr")
        self.qr.setFixedSize(QR_SIDE, QR_SIDE)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.validity = QLabel()
        self.validity.setObjectName("link_validity")
        self.validity.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.validity.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.validity)
        self.outcome = MessageLine("link_outcome")
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.new_button = buttons.addButton(tr("New code"),
                                            QDialogButtonBox.ButtonRole.ActionRole)
        self.new_button.setObjectName("new_link_code")
        self.new_button.setAutoDefault(False)  # Enter closes, as before
        self.new_button.clicked.connect(self.new_code)
        self.new_button.hide()
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self._expired)
        self._poller = QTimer(self)
        self._poller.setInterval(POLL_MS)
        self._poller.timeout.connect(self._look)
        self.new_code()

    def new_code(self) -> None:
        """Ask the back end for a code (in place of any earlier one) and show it."""
        self.new_button.hide()
        try:
            text, self.expires_ms = self.ctx.backend.link_code()
        except UserError as exc:
            self._show_code("")
            self.validity.clear()
            self.outcome.show_error(exc)
            self.adjustSize()
            return
        self._show_code(text)
        self.adjustSize()
        until = QDateTime.fromMSecsSinceEpoch(self.expires_ms).toString("HH:mm")
        self.validity.setText(tr("Valid until {0}, once").format(until))
        self.outcome.clear()
        self._expiry.start(max(0, self.expires_ms - int(time.time() * 1000)))
        self._poller.start()

    def _show_code(self, text: str) -> None:
        self.code.setPlainText(text)
        self.qr.setText(text)
        for widget in (self.code, self.copy_button, self.qr, self.explain):
            widget.setVisible(bool(text))

    def copy_code(self) -> None:
        text = self.code.toPlainText()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.outcome.show_text(tr("Code copied"))

    def _expired(self) -> None:
        self._show_code("")
        self.validity.clear()
        self.outcome.show_error(tr("This code has expired: make a new one"))
        self.new_button.show()
        self.adjustSize()

    def _look(self) -> None:
        if self._poll is not None and not self._poll.finished:
            return
        self._poll = self.ctx.call(self.ctx.backend.devices, on_result=self._listed,
                                   on_error=lambda _: None)  # a miss: the next poll

    def _listed(self, rows: list[DeviceRow]) -> None:
        new = [row for row in rows if row.device not in self.known]
        if not new:
            return
        self.known.update(row.device for row in new)
        self._expiry.stop()  # the code is used: it links no other
        self._show_code("")
        self.validity.clear()
        names = ", ".join(row.name or tr("Unnamed device") for row in new)
        self.outcome.show_text(tr("Linked {0}: it is catching up with your account now")
                               .format(names))
        self.new_button.show()  # for one more device
        self.adjustSize()
        self.linked.emit(rows)

    def done(self, result: int) -> None:
        self._expiry.stop()
        self._poller.stop()
        self.ctx.backend.close_link_offer()  # the code shown links nothing any more
        if self._poll is not None:
            self._poll.cancel()
        super().done(result)
