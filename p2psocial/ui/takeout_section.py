"""Settings → Readable copy: one's account as files any tool reads, without p2psocial.

Theory of operation
-------------------

One intent: the person names a new (or empty) folder, and the back end writes the
copy there (``Backend.takeout``, p2psocial/takeout.py: a SQLite database, JSON
files, the pictures, a README), from its own read-only view of the home in a worker
thread, so the window and the node's writer carry on meanwhile. The outcome line
says what was written and where; a folder that is not empty is refused in one line
there, and the button comes back either way. Unlike a backup, the copy holds no key
and cannot be restored: it is for reading, keeping and taking elsewhere.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .context import tr
from .widgets import MessageLine, note, plural

if TYPE_CHECKING:
    from ..takeout import TakeoutSummary
    from .context import AppContext
    from .loop import Call


class TakeoutSection(QGroupBox):
    """Write a readable copy of the account into a folder."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Readable copy"), parent)
        self.setObjectName("takeout_section")
        self.ctx = ctx
        self._calls: list[Call] = []
        layout = QVBoxLayout(self)
        intro = note(tr("Your posts and replies, reactions, private messages, profile "
                          "and pictures, in a new folder: a SQLite database, JSON files "
                          "and images that any program opens, without p2psocial. It holds "
                          "no keys: it is for reading, not for restoring."))
        layout.addWidget(intro)
        self.with_followed = QCheckBox(tr("Include the posts of the people I follow"))
        self.with_followed.setObjectName("takeout_followed")
        layout.addWidget(self.with_followed)
        self.write_button = QPushButton(tr("Write a readable copy…"))
        self.write_button.setObjectName("write_takeout")
        self.write_button.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.write_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.outcome = MessageLine("takeout_outcome")
        layout.addWidget(self.outcome)

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def choose_folder(self) -> None:
        name = f"p2psocial-copy-{datetime.date.today().isoformat()}"
        path, _ = QFileDialog.getSaveFileName(
            self, tr("New folder for the readable copy"), str(Path.home() / name))
        if path:
            self.write_to(Path(path))

    def write_to(self, folder: Path) -> None:
        self.write_button.setEnabled(False)
        self.outcome.show_text(tr("Writing the readable copy…"))
        self._calls = [c for c in self._calls if not c.finished]
        self._calls.append(self.ctx.call(
            self.ctx.backend.takeout, folder, self.with_followed.isChecked(),
            on_result=self.written, on_error=self.failed))

    def written(self, summary: TakeoutSummary) -> None:
        self.write_button.setEnabled(True)
        rows = summary.rows
        self.outcome.show_text(tr("Wrote {0}, {1} and {2} ({3}) to {4}").format(
            plural(tr("%n post(s)", None, rows["posts"]), rows["posts"]),
            plural(tr("%n message(s)", None, rows["messages"]), rows["messages"]),
            plural(tr("%n picture(s)", None, summary.images), summary.images),
            QLocale().formattedDataSize(summary.size), summary.path))

    def failed(self, exc: Any) -> None:
        self.write_button.setEnabled(True)
        self.outcome.show_error(exc)
