"""Settings → Devices: this account's devices, linking a new one, revoking a lost one.

Theory of operation
-------------------

The section shows what the back end lists (``Backend.devices``: one ``DeviceRow`` per
device this home knows, oldest first) and sends two intents; the node decides
(node/devices.py, docs/architecture.md "Devices").

- **Which one is this device**: the row whose id is this node's device id (the key
  its identity holds; the same comparison ``p2psocial devices`` makes).
- **Link a new device** opens ``LinkDialog`` (link_dialog.py): a one-time code while
  the network runs. The list is read again when a new device shows up while the
  dialog is open (it polls) and when the dialog closes.
- **Revoke…** on every other device that is not revoked yet: a confirmation that says
  what revoking does. Revoking needs the account's root key: a device that keeps it
  (``Backend.holds_account_key``) revokes at once; any other asks for the 24-word
  recovery phrase. A wrong phrase is one line in the dialog, which stays open with
  what was typed. The phrase is cleared from the field when the dialog closes.

A device is a row of widgets rather than a painted list: an account has a handful.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from .context import tr
from .link_dialog import LinkDialog
from .post_words import full_time, relative_time_long
from .widgets import MessageLine

if TYPE_CHECKING:
    from ..store.views import DeviceRow
    from .context import AppContext
    from .loop import Call


# --- words -------------------------------------------------------------------------


def device_name(row: DeviceRow, this: bool) -> str:
    """The name a row shows: the one its link gave it, else "This device" or
    "Unnamed device" (the first device of an account has no link entry)."""
    if row.name:
        return row.name
    return tr("This device") if this else tr("Unnamed device")


def device_details(row: DeviceRow, this: bool, now_ms: int) -> str:
    """The line under a device's name: which is this one, linked when, last seen, and
    whether it keeps the account key (it was made with the recovery phrase: it can
    revoke without asking for it)."""
    parts = []
    if this and row.name:
        parts.append(tr("This device"))
    if row.linked:
        parts.append(tr("linked {0}").format(relative_time_long(row.linked, now_ms)))
    if row.last_seen and not this:
        parts.append(tr("last seen {0}").format(relative_time_long(row.last_seen, now_ms)))
    if row.issuer is None:
        parts.append(tr("keeps the account key"))
    return " · ".join(parts)


# --- the section -------------------------------------------------------------------


class DevicesSection(QGroupBox):
    """The list of the account's devices, with Link and Revoke."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Devices"), parent)
        self.setObjectName("devices_section")
        self.ctx = ctx
        self.rows: list[DeviceRow] = []
        self.revoke_buttons: dict[bytes, QPushButton] = {}
        self.link_dialog: LinkDialog | None = None
        self.revoke_dialog: RevokeDialog | None = None
        self._calls: list[Call] = []
        layout = QVBoxLayout(self)
        intro = QLabel(tr("Use your account on several computers: each one is a device "
                          "with its own key. Revoke one that is lost or stolen."))
        intro.setWordWrap(True)
        intro.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(intro)
        self.list_box = QVBoxLayout()
        self.list_box.setSpacing(0)
        layout.addLayout(self.list_box)
        self.link_button = QPushButton(tr("Link a new device…"))
        self.link_button.setObjectName("link_device")
        self.link_button.clicked.connect(self.open_link_dialog)
        layout.addWidget(self.link_button, 0, Qt.AlignmentFlag.AlignRight)
        self.outcome = MessageLine("devices_outcome")
        layout.addWidget(self.outcome)
        self.refresh()

    @property
    def this_device(self) -> bytes:
        return self.ctx.node.require_identity().device_id

    def stop(self) -> None:
        for dialog in (self.link_dialog, self.revoke_dialog):  # first: closing reads again
            if dialog is not None and dialog.isVisible():
                dialog.reject()
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def _call(self, fn: Any, *args: Any, on_result: Any, on_error: Any = None) -> None:
        self._calls = [c for c in self._calls if not c.finished]
        self._calls.append(self.ctx.call(fn, *args, on_result=on_result, on_error=on_error))

    # --- the list ---------------------------------------------------------------------

    def refresh(self) -> None:
        self._call(self.ctx.backend.devices, on_result=self.show_devices,
                   on_error=self.outcome.show_error)

    def show_devices(self, rows: list[DeviceRow]) -> None:
        self.rows = rows
        while self.list_box.count():
            item = self.list_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.revoke_buttons.clear()
        me, now = self.this_device, int(time.time() * 1000)
        for row in sorted(rows, key=lambda r: r.device != me):  # this one first
            self.list_box.addWidget(self._row(row, row.device == me, now))

    def _row(self, row: DeviceRow, this: bool, now_ms: int) -> QWidget:
        frame = QFrame()
        frame.setObjectName("device_row")
        frame.setFrameShape(QFrame.Shape.NoFrame)
        line = QHBoxLayout(frame)
        line.setContentsMargins(0, 4, 0, 4)
        words = QVBoxLayout()
        name = QLabel(device_name(row, this))
        name.setObjectName("device_name")
        font = name.font()
        font.setBold(True)
        name.setFont(font)
        name.setToolTip(ids.device_text(row.device))
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details = QLabel(device_details(row, this, now_ms))
        details.setObjectName("device_details")
        details.setWordWrap(True)
        details.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        if row.linked:
            details.setToolTip(tr("Linked {0}").format(full_time(row.linked)))
        words.addWidget(name)
        words.addWidget(details)
        line.addLayout(words, 1)
        if row.revoked:
            badge = QLabel(tr("Revoked"))
            badge.setObjectName("revoked_badge")
            badge.setFont(font)
            badge.setToolTip(tr("Its entries after its entry {0} are refused")
                             .format(row.last_valid or 0))
            line.addWidget(badge)
        elif not this:
            button = QPushButton(tr("Revoke…"))
            button.setObjectName("revoke_device")
            button.setAccessibleName(tr("Revoke {0}").format(device_name(row, this)))
            button.clicked.connect(functools.partial(self.ask_revoke, row))
            self.revoke_buttons[row.device] = button
            line.addWidget(button)
        frame.setAccessibleName(" — ".join(
            [device_name(row, this), device_details(row, this, now_ms)]
            + ([tr("Revoked")] if row.revoked else [])))
        return frame

    # --- intents ----------------------------------------------------------------------

    def open_link_dialog(self) -> None:
        self.outcome.clear()
        dialog = LinkDialog(self.ctx, {row.device for row in self.rows}, self)
        dialog.linked.connect(self.show_devices)
        dialog.finished.connect(lambda _: self.refresh())
        self.link_dialog = dialog
        dialog.open()

    def ask_revoke(self, row: DeviceRow) -> None:
        self.outcome.clear()
        dialog = RevokeDialog(self.ctx, row, device_name(row, False), self)
        dialog.revoked.connect(self._revoked)
        self.revoke_dialog = dialog
        dialog.open()

    def _revoked(self, name: str) -> None:
        self.outcome.show_text(tr("Revoked {0}: its later entries are refused by every peer "
                                  "that learns this, and what is sent to you from now on "
                                  "uses a new key it lacks.").format(name))
        self.refresh()


class RevokeDialog(QDialog):
    """"Revoke this device?": what it does, the recovery phrase when this device does
    not keep the account key, and one line for an error. A revocation under way is
    never cancelled half-way (it publishes several entries): closing the dialog only
    stops waiting for it."""

    revoked = Signal(str)  # the device's name, once revoked

    def __init__(self, ctx: AppContext, row: DeviceRow, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revoke_dialog")
        self.setWindowTitle(tr("Revoke a device"))
        self.ctx = ctx
        self.row = row
        self.name = name
        layout = QVBoxLayout(self)
        question = QLabel(tr("Revoke “{0}”?").format(name))
        font = question.font()
        font.setBold(True)
        question.setFont(font)
        layout.addWidget(question)
        explain = QLabel("\n".join([
            tr("Do this for a device that is lost, stolen or no longer yours. It cannot "
               "be undone. Once revoked:"),
            "• " + tr("what it writes from now on, posts included, is refused by everyone "
                      "who learns of this;"),
            "• " + tr("it cannot read what is sent to you afterwards;"),
            "• " + tr("your groups get new keys.")]))
        explain.setObjectName("revoke_explain")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.needs_phrase = not ctx.backend.holds_account_key()
        self.phrase = QPlainTextEdit()
        self.phrase.setObjectName("revoke_phrase")
        self.phrase.setAccessibleName(tr("Recovery phrase"))
        self.phrase.setPlaceholderText(tr("The 24 words, in order"))
        self.phrase.setTabChangesFocus(True)
        self.phrase.setFixedHeight(72)
        if self.needs_phrase:
            hint = QLabel(tr("This device does not keep your account key: type your "
                             "recovery phrase to revoke."))
            hint.setWordWrap(True)
            layout.addWidget(hint)
            layout.addWidget(self.phrase)
        else:
            self.phrase.hide()
        self.error = MessageLine("revoke_error")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = buttons.addButton(tr("Revoke"),
                                         QDialogButtonBox.ButtonRole.DestructiveRole)
        self.confirm.setObjectName("confirm_revoke")
        self.confirm.clicked.connect(self.revoke)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def revoke(self) -> None:
        words = self.phrase.toPlainText().strip() if self.needs_phrase else None
        if self.needs_phrase and not words:
            self.error.show_error(tr("Type your recovery phrase first"))
            self.adjustSize()
            self.phrase.setFocus()
            return
        self.confirm.setEnabled(False)
        self.error.show_text(tr("Revoking…"))
        self.adjustSize()
        self.ctx.call(self.ctx.backend.revoke_device, self.row.device, words,
                                   on_result=self._done, on_error=self._failed)

    def _done(self, _: Any) -> None:
        self.phrase.clear()
        self.revoked.emit(self.name)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.confirm.setEnabled(True)
        self.error.show_error(exc)
        self.adjustSize()  # room for the line

    def done(self, result: int) -> None:  # accept, reject, Escape: forget the words
        self.phrase.clear()
        super().done(result)
