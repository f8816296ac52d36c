"""Settings → Muted and filtered: what this home leaves out of its lists, to review and
undo, and a field to add a word filter.

The section shows what the back end lists (``Backend.mutes``, ``Backend.word_filters``,
newest first) and sends intents; the node decides (node/mutes.py). Accounts and
threads are muted from a post's menu or a profile, #tags from here (a filter field
that starts with '#' mutes the tag). Every row has its Unmute or Remove button.
Nothing here is published: the intro says so, since it is what tells a mute from a
block. The lists elsewhere reload on the node's ``MutesChanged``; this section reads
its rows again after each of its actions and whenever Settings is shown.

Rows are widgets rather than a painted list: a home has tens of mutes, not thousands.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids, muting
from .context import tr
from .widgets import MessageLine, note

if TYPE_CHECKING:
    from ..store.views import FilterRow, MuteRow
    from .context import AppContext
    from .loop import Call


def mute_text(row: MuteRow) -> str:
    """How a mute reads in the list: a name, a #tag, or a thread's first words."""
    if isinstance(row.target, str):  # a tag
        return f"#{row.target}"
    if row.kind == muting.ACCOUNT:
        return row.name or ids.account_text(row.target)[:14] + "…"
    words = " ".join((row.text or "").split())
    if not words:
        return tr("A thread")
    return tr("Thread: {0}").format(words if len(words) <= 60 else words[:59] + "…")


def filter_text(row: FilterRow) -> str:
    return (tr("“{0}” — hidden") if row.action == muting.HIDE
            else tr("“{0}” — collapsed behind a warning")).format(row.phrase)


class MutesSection(QGroupBox):
    """Mutes and word filters: the list with Unmute / Remove, and Add filter."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Muted and filtered"), parent)
        self.setObjectName("mutes_section")
        self.ctx = ctx
        self.mutes: list[MuteRow] = []
        self.filters: list[FilterRow] = []
        self.buttons: dict[tuple[str, Any], QPushButton] = {}  # (kind, target) -> button
        self._calls: list[Call] = []
        layout = QVBoxLayout(self)
        intro = note(tr("Muted accounts, #tags and threads, and posts holding a filtered "
                          "word, leave your timelines, search and notifications. This stays "
                          "on this device: nobody is told, and this home still carries "
                          "their posts for others. Mute an account or a thread from a "
                          "post's “…” menu."))
        layout.addWidget(intro)
        self.list_box = QVBoxLayout()
        self.list_box.setSpacing(0)
        layout.addLayout(self.list_box)
        self.empty = QLabel(tr("Nothing is muted or filtered."))
        self.list_box.addWidget(self.empty)
        row = QHBoxLayout()
        self.phrase = QLineEdit()
        self.phrase.setObjectName("filter_phrase")
        self.phrase.setPlaceholderText(tr("A word or phrase, or a #tag to mute"))
        self.phrase.setAccessibleName(tr("Word or phrase to filter"))
        self.phrase.setMaxLength(muting.PHRASE_MAX)
        self.phrase.returnPressed.connect(self.add)
        self.warn = QCheckBox(tr("Collapse behind a warning instead of hiding"))
        self.warn.setObjectName("filter_warn")
        self.add_button = QPushButton(tr("Add"))
        self.add_button.setObjectName("add_filter")
        self.add_button.clicked.connect(self.add)
        row.addWidget(self.phrase, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        layout.addWidget(self.warn)
        self.outcome = MessageLine("mutes_outcome")
        layout.addWidget(self.outcome)
        self.refresh()

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def _call(self, fn: Any, *args: Any, on_result: Any) -> None:
        self._calls = [c for c in self._calls if not c.finished]
        self._calls.append(self.ctx.call(fn, *args, on_result=on_result,
                                         on_error=self.outcome.show_error))

    # --- the list ---------------------------------------------------------------------

    def refresh(self) -> None:
        self._call(self._read, on_result=self.show_rows)

    async def _read(self) -> tuple[list[MuteRow], list[FilterRow]]:
        return await self.ctx.backend.mutes(), await self.ctx.backend.word_filters()

    def show_rows(self, rows: tuple[list[MuteRow], list[FilterRow]]) -> None:
        self.mutes, self.filters = rows
        while self.list_box.count() > 1:  # the "nothing" label stays, first
            item = self.list_box.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons.clear()
        for mute in self.mutes:
            self._add_row(mute_text(mute), tr("Unmute"), (mute.kind, mute.target),
                          functools.partial(self._undo, self.ctx.backend.unmute, mute.kind,
                                            mute.target))
        for word in self.filters:
            self._add_row(filter_text(word), tr("Remove"), ("filter", word.phrase),
                          functools.partial(self._undo, self.ctx.backend.remove_word_filter,
                                            word.phrase))
        self.empty.setVisible(not self.mutes and not self.filters)

    def _add_row(self, text: str, action: str, key: tuple[str, Any], then: Any) -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 2, 0, 2)
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        button = QPushButton(action)
        button.setAccessibleName(f"{action} {text}")
        button.clicked.connect(then)
        line.addWidget(label, 1)
        line.addWidget(button)
        self.buttons[key] = button
        self.list_box.addWidget(row)

    # --- the actions --------------------------------------------------------------------

    def _undo(self, fn: Any, *args: Any) -> None:
        self.outcome.clear()
        self._call(fn, *args, on_result=lambda _done: self.refresh())

    def add(self) -> None:
        """A phrase becomes a filter; ``#tag`` alone mutes the tag."""
        text = self.phrase.text().strip()
        if not text:
            return
        self.outcome.clear()
        call: Callable[[], Awaitable[object]]
        if text.startswith("#") and " " not in text:
            call = functools.partial(self.ctx.backend.mute, muting.TAG, text)
            said = tr("Muted {0}").format(text)
        else:
            call = functools.partial(self.ctx.backend.add_word_filter, text,
                                     self.warn.isChecked())
            said = tr("Filter added")
        self._call(call, on_result=lambda _done: self._added(said))

    def _added(self, said: str) -> None:
        self.phrase.clear()
        self.outcome.show_text(said)
        self.refresh()
