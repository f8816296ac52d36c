"""The composer's text box: it grows with what is typed, and typing ``@`` and letters
offers the names the node knows.

Kept apart from the composer (composer.py), which only builds one of each: the box
(``PostTextEdit``) lets an open list of names take Enter, Tab and Esc, and the
completer (``MentionCompleter``) looks names up in the node after a short pause and
writes the chosen one as ``@p2ps1…``, the form the node reads mentions from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QPlainTextEdit, QWidget

from .. import ids
from .avatar import display_name
from .context import AppContext, tr

if TYPE_CHECKING:
    from ..store.views import ProfileView
    from .loop import Call

LINES_MIN, LINES_MAX = 3, 12  # the text box grows with what is typed, between these
MENTION_DELAY_MS = 150  # typing pauses this long before names are looked up
MENTIONS_OFFERED = 8
_TYPING_MENTION = re.compile(r"(?:^|(?<=\s))@(\w{1,32})$")  # '@' and letters, at the cursor


class PostTextEdit(QPlainTextEdit):
    """The post's text box: grows with its text (``LINES_MIN`` to ``LINES_MAX`` lines)
    and leaves Enter, Tab and Esc to an open list of names (``MentionCompleter``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.popup: QWidget | None = None
        self.setTabChangesFocus(True)  # Tab moves on: keyboard navigation
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_args: object) -> None:
        lines = int(self.document().size().height())  # in lines, for a plain text layout
        shown = max(LINES_MIN, min(LINES_MAX, lines))
        frame = 2 * (self.frameWidth() + int(self.document().documentMargin()))
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing() + frame + 4)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (self.popup is not None and self.popup.isVisible() and event.key() in
                (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab,
                 Qt.Key.Key_Escape)):
            event.ignore()  # the completer chooses or closes
            return
        super().keyPressEvent(event)


class MentionCompleter(QObject):
    """Typing ``@`` and letters offers the names the node knows (``find_accounts``);
    choosing one writes ``@p2ps1…``, the form the node reads mentions from."""

    def __init__(self, ctx: AppContext, edit: PostTextEdit) -> None:
        super().__init__(edit)
        self.ctx = ctx
        self.edit = edit
        self.names = QStringListModel(self)
        self.completer = QCompleter(self.names, self)
        self.completer.setWidget(edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.activated.connect(self._chosen)
        popup = self.completer.popup()
        assert popup is not None  # a QCompleter always has its list
        self.popup: QAbstractItemView = popup
        popup.setAccessibleName(tr("People to mention"))
        edit.popup = popup
        self._accounts: dict[str, bytes] = {}
        self._call: Call | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MENTION_DELAY_MS)
        self._timer.timeout.connect(self._look_up)
        edit.textChanged.connect(self._timer.start)

    def typed(self) -> str | None:
        """The letters after an '@' right before the cursor, if any."""
        cursor = self.edit.textCursor()
        block = cursor.block().text()[:cursor.positionInBlock()]
        match = _TYPING_MENTION.search(block)
        return match.group(1) if match else None

    def stop(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None

    def _look_up(self) -> None:
        word = self.typed()
        if word is None:
            self.popup.hide()
            return
        self.stop()
        self._call = self.ctx.call(self.ctx.node.feeds.find_accounts, word, MENTIONS_OFFERED,
                                   on_result=lambda found: self._offer(word, found),
                                   on_error=lambda exc: None)  # no names: type on

    def _offer(self, word: str, found: list[ProfileView]) -> None:
        self._call = None
        if self.typed() != word:
            return  # typed on meanwhile: a newer look-up follows
        self._accounts = {}
        for profile in found:
            label = f"{display_name(profile.name, profile.account)}  ·  " \
                    f"{ids.account_text(profile.account)[:12]}…"
            self._accounts[label] = profile.account
        if not self._accounts:
            self.popup.hide()
            return
        self.names.setStringList(list(self._accounts))
        rect = self.edit.cursorRect()
        rect.setWidth(max(260, self.popup.sizeHintForColumn(0) + 24))
        self.completer.complete(rect)
        self.popup.setCurrentIndex(self.names.index(0))

    def _chosen(self, label: str) -> None:
        account, word = self._accounts.get(label), self.typed()
        if account is None or word is None:
            return
        cursor = self.edit.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor,
                            len(word) + 1)
        cursor.insertText("@" + ids.account_text(account) + " ")
        self.edit.setTextCursor(cursor)
