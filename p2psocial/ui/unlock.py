"""The page that asks for the passphrase of a home whose keys are sealed.

It only collects the passphrase and shows what went wrong; opening the home is the
window's job (``submitted``), which calls ``failed(message)`` when it did not work so
the person can try again without retyping anything else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from .context import tr
from .widgets import MessageLine, heading_font

HEADING_POINTS = 18  # as the first-run pages' titles


class UnlockPage(QWidget):
    submitted = Signal(str)  # the passphrase typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlock")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(tr("Welcome back", "Unlock"))
        title.setFont(heading_font(title.font(), HEADING_POINTS))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        hint = QLabel(tr("Enter your passphrase to open your home.", "Unlock"))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("Passphrase", "Unlock"))
        self.passphrase.setAccessibleName(tr("Passphrase", "Unlock"))
        # wide enough to see what one types (its size hint alone gave it 120 px)
        self.passphrase.setMinimumWidth(
            max(320, self.passphrase.fontMetrics().averageCharWidth() * 36))
        self.passphrase.setMaximumWidth(420)
        self.passphrase.returnPressed.connect(self._submit)
        layout.addWidget(self.passphrase, 0, Qt.AlignmentFlag.AlignHCenter)
        self.button = QPushButton(tr("Open", "Unlock"))
        self.button.setObjectName("open")
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.error = MessageLine("error")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.error)
        layout.addStretch(2)

    def _submit(self) -> None:
        if not self.passphrase.text():
            self.error.show_error(tr("Type your passphrase first", "Unlock"))
            return
        self.setEnabled(False)
        self.error.show_text(tr("Opening…", "Unlock"))
        self.submitted.emit(self.passphrase.text())

    def failed(self, message: str) -> None:
        self.setEnabled(True)
        self.error.show_error(message)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.passphrase.setFocus()
