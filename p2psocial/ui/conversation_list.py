"""The Messages page's list of conversations: what a row says, the model that reads
them from the node, and the painted rows.

``ConversationListModel`` holds ``inbox(node)``, direct conversations and groups
together, newest first: the members' names, the last message's start and time, and a
badge with the unread count. It is small (one row per conversation), so a change
reads it whole again. ``ConversationDelegate`` paints a row (no widget per row):
avatar, title (bold while unread) and time, the last message below, the badge at the
right. The words of a row (``title_of``, ``kind_title``, ``last_line``...) are plain
functions, shared with the open conversation's title.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..store.views import ConversationView, GroupView
from .avatar import display_name, paint_avatar
from .communities import community_marker, members_text
from .context import tr
from .conversation_view import conversation_title
from .loop import one_line
from .post_delegate import full_time, relative_time
from .widgets import OpenableList, plural

if TYPE_CHECKING:
    from ..node import Node
    from .context import AppContext
    from .loop import Call

SNIPPET = 140
BADGE_CAP = 99

AnyIndex = QModelIndex | QPersistentModelIndex
ConversationRole = Qt.ItemDataRole.UserRole + 1


async def inbox(node: Node) -> list[ConversationView | GroupView]:
    """Direct conversations and groups together, the newest message first (a group
    without messages yet sorts as new)."""
    both: list[ConversationView | GroupView] = [*await node.messages.conversations(),
                                                *await node.groups.list()]
    return sorted(both, key=lambda c: c.last_ts if c.last_ts is not None else 2**62,
                  reverse=True)


def others(conversation: Any, me: bytes) -> list[tuple[bytes, str | None]]:
    """The members but us, with their names (``names`` may be a mapping by account or
    a sequence beside ``members``)."""
    members = list(conversation.members)
    names = conversation.names
    if isinstance(names, Mapping):
        pairs = [(m, names.get(m)) for m in members]
    else:
        listed = list(names or ())
        pairs = list(zip(members, listed + [None] * (len(members) - len(listed)),
                         strict=False))
    return [(account, name) for account, name in pairs if account != me]


def is_group(conversation: Any) -> bool:
    """A group or a community (both are ``GroupView``s, written with ``group_post``)."""
    return isinstance(conversation, GroupView)


def is_community(conversation: Any) -> bool:
    return isinstance(conversation, GroupView) and conversation.community


def kind_title(conversation: Any, me: bytes) -> str:
    """The title with what it is: 'Group: Picnic', 'Community: Village hall', 'Bob'."""
    title = title_of(conversation, me)
    if is_community(conversation):
        return tr("Community: {0}").format(title)
    return tr("Group: {0}").format(title) if is_group(conversation) else title


def title_of(conversation: Any, me: bytes) -> str:
    """A group's name, or the other members' names: 'Bob', 'Bob and Carol'."""
    if isinstance(conversation, GroupView):
        return conversation.name
    return conversation_title([display_name(n, a) for a, n in others(conversation, me)])


def last_line(conversation: Any, me: bytes) -> str:
    """The last message's start on one line, 'You: …' when we wrote it; a community
    without messages yet says what it is ('Community · 3 members')."""
    if is_community(conversation) and conversation.last_text is None:
        return community_marker(len(conversation.members))
    text = " ".join((conversation.last_text or "").split())
    if not text and conversation.last_ts is not None:
        text = "📎 " + tr("Attachment")  # a picture or file alone (issue 14)
    if len(text) > SNIPPET:
        text = text[:SNIPPET - 1] + "…"
    if conversation.last_author == me:
        return tr("You: {0}").format(text)
    if is_group(conversation) and conversation.last_author is not None:
        names = dict(others(conversation, me))
        who = display_name(names.get(conversation.last_author), conversation.last_author)
        return tr("{0}: {1}").format(who, text)
    return text


def unread_text(count: int) -> str:
    return plural(tr("%n unread message(s)", None, count), count)


class ConversationListModel(QAbstractListModel):
    """The conversations, newest first, read whole by ``load()`` (one read at a time)."""

    loading_changed = Signal(bool)
    error = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._items: list[Any] = []
        self._call: Call | None = None
        self._stale = False
        self.loaded = False  # the first read came back

    @property
    def items(self) -> list[Any]:
        return list(self._items)

    @property
    def loading(self) -> bool:
        return self._call is not None

    def item_at(self, row: int) -> Any:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, conversation: bytes) -> int:
        return next((row for row, c in enumerate(self._items) if c.id == conversation), -1)

    def find(self, conversation: bytes) -> Any:
        return self.item_at(self.row_of(conversation))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        me = self._ctx.me
        if role == Qt.ItemDataRole.DisplayRole:
            return title_of(item, me)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if is_community(item):
                spoken = [tr("Community {0}").format(title_of(item, me)),
                          members_text(len(item.members))]
            elif is_group(item):
                spoken = [tr("Group {0}").format(title_of(item, me))]
            else:
                spoken = [title_of(item, me)]
            if item.last_text is not None or not is_community(item):
                spoken.append(last_line(item, me))
            if item.unread:
                spoken.append(unread_text(item.unread))
            return ", ".join(spoken)
        if role == Qt.ItemDataRole.ToolTipRole:
            return full_time(item.last_ts) if item.last_ts else None
        if role == ConversationRole:
            return item
        return None

    def load(self) -> None:
        self._stale = True
        if self._call is not None:
            return  # the read in flight is followed by another
        self._stale = False
        self._call = self._ctx.call(inbox, self._ctx.node, on_result=self._on_list,
                                    on_error=self._on_failed)
        self.loading_changed.emit(True)

    def stop(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None
        self._stale = False

    def _on_list(self, conversations: list[Any]) -> None:
        self._call = None
        self.loaded = True
        self.beginResetModel()
        self._items = list(conversations)
        self.endResetModel()
        self.loading_changed.emit(False)
        if self._stale:
            QTimer.singleShot(0, self, self.load)

    def _on_failed(self, exc: Exception) -> None:
        self._call = None
        self.loading_changed.emit(False)
        self.error.emit(one_line(exc))


class ConversationDelegate(QStyledItemDelegate):
    """A conversation row: avatar, title (bold while unread) and time, the last
    message below, and the unread count in a badge at the right."""

    MARGIN = 8
    AVATAR = 36

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(200, max(self.AVATAR, 2 * line + 4) + 2 * self.MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        item = index.data(ConversationRole)
        if item is None:
            return
        model = index.model()
        me: bytes = model._ctx.me if isinstance(model, ConversationListModel) else b""
        painter.save()
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.highlight())
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        people = others(item, me)
        first, first_name = people[0] if people else (me, None)
        avatar = QRect(rect.left() + self.MARGIN, rect.top() + self.MARGIN,
                       self.AVATAR, self.AVATAR)
        paint_avatar(painter, avatar, first, title_of(item, me) if is_group(item)
                     else first_name)
        base = QFont(option.font)
        bold = QFont(base)
        bold.setBold(bool(item.unread))
        line = QFontMetrics(base).height()
        left = avatar.right() + self.MARGIN
        width = rect.right() - self.MARGIN - left
        ink = palette.color(QPalette.ColorRole.HighlightedText if selected
                            else QPalette.ColorRole.Text)
        faint = ink if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        when = relative_time(item.last_ts, int(time.time() * 1000)) if item.last_ts else ""
        when_width = QFontMetrics(base).horizontalAdvance(when) + self.MARGIN
        top = rect.top() + self.MARGIN
        title = kind_title(item, me)
        painter.setFont(bold)
        painter.setPen(ink)
        painter.drawText(QRect(left, top, width - when_width, line),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(bold).elidedText(title, Qt.TextElideMode.ElideRight,
                                                       max(0, width - when_width)))
        painter.setFont(base)
        painter.setPen(faint)
        painter.drawText(QRect(left, top, width, line),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), when)
        badge_width = 0
        if item.unread:
            shown = str(min(item.unread, BADGE_CAP)) + ("+" if item.unread > BADGE_CAP else "")
            badge_width = max(line, QFontMetrics(bold).horizontalAdvance(shown) + line // 2)
            badge = QRect(rect.right() - self.MARGIN - badge_width, top + line + 4,
                          badge_width, line)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.brush(QPalette.ColorRole.HighlightedText if selected
                                           else QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(badge, line / 2, line / 2)
            painter.setFont(bold)
            painter.setPen(palette.color(QPalette.ColorRole.Highlight if selected
                                         else QPalette.ColorRole.HighlightedText))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), shown)
            badge_width += self.MARGIN
        painter.setFont(base)
        painter.setPen(faint if not item.unread else ink)
        snippet = QFontMetrics(base).elidedText(last_line(item, me),
                                                Qt.TextElideMode.ElideRight,
                                                max(0, width - badge_width))
        painter.drawText(QRect(left, top + line + 4, width - badge_width, line),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         snippet)
        painter.restore()


class ConversationList(OpenableList):
    """The list; a left click or Enter on a row asks to open it (``open_requested``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(ConversationRole, parent)
        self.setItemDelegate(ConversationDelegate(self))
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setAccessibleName(tr("Conversations"))
