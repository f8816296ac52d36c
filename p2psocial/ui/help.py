"""The app's help about privacy: what p2psocial hides and what it cannot (docs/privacy.md).

People decide what to write in a message by what they believe is hidden, so the
window says it plainly, in their language, one short line per fact.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from .context import tr
from .widgets import heading_font


def privacy_lines() -> list[str]:
    return [
        tr("Private messages, group posts and followers-only posts are encrypted: only "
           "their readers can open them, not the people whose computers carry them."),
        tr("Carriers cannot tell who a message is for, only roughly how many can read it."),
        tr("They can see that you wrote something, when, and about how long it is. Group "
           "posts show which group they belong to."),
        tr("To receive your messages, people must follow you, and follows are public."),
        tr("There is no forward secrecy: anyone who gets your recovery phrase, or a "
           "device's key file and its passphrase, can read all your past messages."),
        tr("Removing someone from a group protects only what is written afterwards."),
        tr("Messages you can read are stored unencrypted on this computer: protect its "
           "disk."),
    ]


class PrivacyHelp(QDialog):
    """What is private and what is not, as a small dialog (F1, or the window's Help)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacy_help")
        self.setWindowTitle(tr("About privacy"))
        layout = QVBoxLayout(self)
        title = QLabel(tr("What stays private"))
        title.setFont(heading_font(title.font(), 15))
        layout.addWidget(title)
        text = QLabel("\n\n".join(f"• {line}" for line in privacy_lines()))
        text.setObjectName("privacy_text")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 420)
