"""Search: posts by words or #tags (the node's full-text index) and people by name.

Typing searches after a short pause (``DEBOUNCE_MS``), Enter at once; each search
replaces the one before (its people call is cancelled, its post list stopped). People
who match come first, as buttons that open their profile; the posts follow in a post
list (``timeline.search_model``, paged like the timeline). The main window gives the
field the focus (``focus_search``, Ctrl+F) and searches for a clicked #tag
(``search``). A post's link (its entry id, ``ent1…``: the "…" menu's Copy link)
opens that post's conversation instead of searching for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from ..store.views import ProfileView
from .avatar import display_name, short_account
from .context import tr
from .icons import icon
from .post_actions import PostList
from .timeline import search_model

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

DEBOUNCE_MS = 300
PEOPLE_SHOWN = 5


class PeopleMatches(QWidget):
    """The accounts whose name matches, one button each (name and short id)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.title = QLabel(tr("People"), self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(self._rows)
        self.buttons: list[QPushButton] = []
        self.hide()

    def show_people(self, people: list[ProfileView]) -> None:
        for button in self.buttons:
            self._rows.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for person in people[:PEOPLE_SHOWN]:
            name = display_name(person.name, person.account)
            button = QPushButton(f"{name}  ·  {short_account(person.account)}", self)
            button.setFlat(True)
            # on the left by its place in the row, not by a style sheet: a style sheet
            # would freeze its colours, and a dark theme would pass it by
            button.setAccessibleName(tr("Open the profile of {0}").format(name))
            button.setToolTip(tr("Open the profile of {0}").format(name))
            button.clicked.connect(
                lambda _checked=False, a=person.account: self._ctx.open_profile.emit(a))
            self._rows.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self.buttons.append(button)
        self.setVisible(bool(self.buttons))


class SearchPage(QWidget):
    """The search section of the main window; see the module docstring."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.query = ""
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(tr("Search posts, #tags and people"))
        self.field.setAccessibleName(tr("Search"))
        self.field.setClearButtonEnabled(True)
        self.field.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.go = QPushButton(tr("Search"), self)
        self.go.setAccessibleName(tr("Search now"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_field)
        self.field.textEdited.connect(lambda _text: self._debounce.start())
        self.field.returnPressed.connect(self._search_field)
        self.go.clicked.connect(self._search_field)
        self.people = PeopleMatches(ctx, self)
        self.posts = PostList(ctx, self._hint(), self)
        self.posts.view.setAccessibleName(tr("Posts found"))
        self._people_call: Call | None = None
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.go)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.people)
        layout.addWidget(self.posts, 1)
        self.setFocusProxy(self.field)

    # --- what the main window calls ----------------------------------------------------

    def focus_search(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def search(self, text: str) -> None:
        """Search for ``text`` now (a #tag clicked in a post), showing it in the field."""
        self.field.setText(text)
        self._search_field()

    def stop(self) -> None:
        self._debounce.stop()
        if self._people_call is not None:
            self._people_call.cancel()
            self._people_call = None
        self.posts.stop()

    # --- searching ----------------------------------------------------------------------

    def _hint(self) -> str:
        return tr("Search posts by words or #tags, and people by name.")

    def _search_field(self) -> None:
        self._debounce.stop()
        text = self.field.text().strip()
        if text == self.query:
            return
        if ids.is_id(ids.ENTRY, text):  # a post's link: open it
            self.query = ""
            self._ctx.open_thread.emit(ids.decode(ids.ENTRY, text))
            return
        self.query = text
        if self._people_call is not None:
            self._people_call.cancel()
            self._people_call = None
        if not text:
            self.people.show_people([])
            self.posts.set_empty_text(self._hint())
            self.posts.set_model(None)
            return
        self.posts.set_empty_text(tr("Searching…"))
        self.posts.set_model(search_model(self._ctx.host, self._ctx.node, text))
        if text.startswith("#"):  # a tag: posts only
            self._on_people(text, [])
            return
        self._people_call = self._ctx.call(
            self._ctx.node.feeds.find_accounts, text.lstrip("@"), PEOPLE_SHOWN,
            on_result=lambda people: self._on_people(text, people))

    def _on_people(self, text: str, people: list[ProfileView]) -> None:
        self._people_call = None
        self.people.show_people(people)
        self.posts.set_empty_text(
            tr("No posts match “{0}”.").format(text) if people
            else tr("No results for “{0}”.").format(text))
