"""Notifications: who mentioned you, replied to you, reacted to your posts, followed you.

Theory of operation
-------------------

The node derives notifications at ingest and keeps a read mark (store/notify.py);
this page only shows them. ``NotificationModel`` is a list model paged by keyset
like the post lists (the first page, then ``fetchMore`` with the last page's cursor,
one request in flight), but much simpler: no backfill, no stale rows.

Live. The page follows the node's events from the start, also while hidden, because
the window shows the unread count as a badge: a ``Notified`` event (a stored batch
made notifications) walks the top: the first page is read again and what is newer
than the first loaded row is inserted above it (if all of it is newer, the list
starts again from that page). Then the unread count is asked again
(``unread_changed``).

Read. ``activated()`` (the window shows the page) reads the first page *and then*
marks everything read, in one call: the rows keep their unread emphasis for this
visit, so the person sees what is new, and the badge goes to 0
(``unread_changed(0)``, ``ctx.notifications_changed``). Notifications that arrive
while the page is on screen are marked read at once.

Enter or a click opens what a notification is about: the post's thread (a mention,
a reply, the post reacted to), or the follower's profile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
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
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from ..events import Lagged, MutesChanged, Notified, ProfileChanged
from ..store.views import Cursor, NotificationPage, NotificationView
from .avatar import display_name, paint_avatar, short_account
from .context import tr
from .loop import one_line
from .paged_list import EdgePagedModel
from .post_actions import EmptyStack
from .post_delegate import full_time, relative_time
from .post_events import follow_events
from .post_words import gone_words
from .widgets import OpenableList

if TYPE_CHECKING:
    from .context import AppContext

PAGE_SIZE = 50
SNIPPET = 140  # characters of the post shown under the headline

AnyIndex = QModelIndex | QPersistentModelIndex
NotificationRole = Qt.ItemDataRole.UserRole + 1  # the NotificationView
UnreadRole = Qt.ItemDataRole.UserRole + 2


def headline(item: NotificationView) -> str:
    """'Bob replied to your post': what happened, in one sentence."""
    who = display_name(item.actor_name, item.actor)
    if item.kind == "mention":
        return tr("{0} mentioned you").format(who)
    if item.kind == "reply":
        return tr("{0} replied to your post").format(who)
    if item.kind == "reaction":
        return tr("{0} reacted {1} to your post").format(who, item.emoji or "")
    if item.kind == "follow":
        return tr("{0} followed you").format(who)
    return who


def snippet(item: NotificationView, names: Mapping[bytes, str] | None = None) -> str:
    """The start of the post it is about, on one line ('' for a follow); a mention
    reads as ``@name`` when ``names`` knows the account, else as a short id."""
    post = item.post
    if post is None:
        return ""
    if post.deleted:
        return gone_words(post)
    if post.filtered:  # a warn filter of this home (store/mutes.py)
        return tr("Hidden: contains “{0}”").format(post.filtered)
    if post.content_warning:
        return tr("Content warning: {0}").format(post.content_warning)
    text = " ".join(post.text.split())
    for account in post.mentions:
        name = (names or {}).get(account) or short_account(account)
        text = text.replace("@" + ids.account_text(account), "@" + name)
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"


def _key(cursor: Cursor) -> tuple[int, int]:
    return cursor.ts, cursor.rowid


class NotificationModel(EdgePagedModel):
    """Notifications, newest first, paged on demand; ``refresh_top`` brings new ones
    (the edge is the top: paged_list.py)."""

    def __init__(self, ctx: AppContext, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:
        super().__init__(ctx, page_size, parent)
        self.names: dict[bytes, str] = {}  # accounts mentioned in snippets, by name

    def set_names(self, names: Mapping[bytes, str]) -> None:
        self.names = dict(names)
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    # --- Qt's model interface -----------------------------------------------------------

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            spoken = headline(item) + (": " + snippet(item, self.names) if item.post else "")
            return spoken + (", " + tr("unread") if item.unread else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return full_time(item.ts)
        if role == NotificationRole:
            return item
        if role == UnreadRole:
            return item.unread
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._next is not None and self._page_call is None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self.request_page(self._ctx.node.feeds.notifications, before=self._next)

    # --- loading ------------------------------------------------------------------------

    def load(self, fetch: Callable[..., Any] | None = None) -> None:
        """Start again from the first page; ``fetch(limit, before)`` reads it (by
        default the node's ``notifications``; ``activated`` reads and marks read)."""
        self.stop()
        self.request_page(fetch or self._ctx.node.feeds.notifications, before=None)

    def refresh_top(self) -> None:
        """Insert the notifications newer than the first row (one walk at a time)."""
        self.refresh_edge()

    def _on_page(self, before: Cursor | None, page: NotificationPage) -> None:
        if before is None:
            self.beginResetModel()
            self._items = list(page.items)
            self.endResetModel()
        elif page.items:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            self._items += page.items
            self.endInsertRows()

    def _edge_fetch(self) -> tuple[Any, ...]:
        return (self._ctx.node.feeds.notifications,)

    def _on_edge(self, page: NotificationPage) -> None:
        first = _key(self._items[0].cursor) if self._items else None
        newer = [n for n in page.items if first is None or _key(n.cursor) > first]
        if first is None or (len(newer) == len(page.items) and page.next is not None):
            self._restart(page)  # nothing loaded, or a gap would be left: start again
        elif newer:
            self.beginInsertRows(QModelIndex(), 0, len(newer) - 1)
            self._items[:0] = newer
            self.endInsertRows()

    def _restart(self, page: NotificationPage) -> None:
        self._on_page(None, page)
        self._next = page.next


class NotificationDelegate(QStyledItemDelegate):
    """Paints a notification: avatar, the headline (bold while unread, with a mark),
    the time, and the start of the post below."""

    MARGIN = 10
    AVATAR = 36
    MARK = 4  # width of the unread bar at the left edge

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        text = 2 * metrics.height() + 4
        return QSize(max(200, option.rect.width()),
                     max(self.AVATAR, text) + 2 * self.MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        item: NotificationView | None = index.data(NotificationRole)
        if item is None:
            return
        painter.save()
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.highlight())
        elif item.unread:
            painter.fillRect(rect, palette.alternateBase())
        if item.unread:
            painter.fillRect(QRect(rect.left(), rect.top(), self.MARK, rect.height()),
                             palette.link())
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.highlight().color())
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        avatar = QRect(rect.left() + self.MARGIN + self.MARK, rect.top() + self.MARGIN,
                       self.AVATAR, self.AVATAR)
        paint_avatar(painter, avatar, item.actor, item.actor_name)
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        base = QFont(option.font)
        bold = QFont(base)
        bold.setBold(item.unread)
        left = avatar.right() + self.MARGIN
        width = rect.right() - self.MARGIN - left
        line = QFontMetrics(base).height()
        when = relative_time(item.ts, int(time.time() * 1000))
        when_width = QFontMetrics(base).horizontalAdvance(when) + self.MARGIN
        painter.setPen(palette.color(text_role))
        painter.setFont(bold)
        head = QFontMetrics(bold).elidedText(headline(item), Qt.TextElideMode.ElideRight,
                                             max(0, width - when_width))
        top = rect.top() + self.MARGIN
        painter.drawText(QRect(left, top, width, line),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), head)
        painter.setFont(base)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(QRect(left, top, width, line),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), when)
        names = getattr(index.model(), "names", None)
        body = QFontMetrics(base).elidedText(snippet(item, names), Qt.TextElideMode.ElideRight,
                                             width)
        painter.drawText(QRect(left, top + line + 4, width, line),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), body)
        painter.restore()


class NotificationList(OpenableList):
    """The list; a left click or Enter on a row asks to open it (``open_requested``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(NotificationRole, parent)
        self.setItemDelegate(NotificationDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName(tr("Notifications"))


class NotificationsPage(QWidget):
    """The notifications view of the main window; see the module docstring.

    ``unread_changed(n)`` carries the unread count (at most 99) for the badge;
    ``refresh_unread()`` asks for it again. ``stop()`` before the host stops."""

    unread_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.unread = 0
        self.model = NotificationModel(ctx, parent=self)
        self.model.error.connect(ctx.message.emit)
        self.view = NotificationList()
        self.view.setModel(self.model)
        self.view.open_requested.connect(self.open_item)
        self.list = EmptyStack(self.view, tr(
            "No notifications yet. When someone mentions you, replies to you, reacts to "
            "your posts or follows you, it shows here."), self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        self.setFocusProxy(self.view)
        for signal in (self.model.modelReset, self.model.rowsInserted,
                       self.model.loading_changed):
            signal.connect(self._show_state)
        ctx.notifications_changed.connect(self.refresh_unread)
        self._follow = ctx.call(follow_events, ctx.node, self._on_events,
                                on_error=lambda exc: ctx.message.emit(one_line(exc)))
        self.model.load()
        self.refresh_unread()
        self._read_my_name()

    def activated(self) -> None:
        """The page is shown: read the newest page, then mark everything read."""
        self.model.load(self._read_then_mark)

    def stop(self) -> None:
        self._follow.cancel()
        self.model.stop()

    def refresh_unread(self) -> None:
        self._ctx.call(self._ctx.node.feeds.unread_notifications, 99, on_result=self._set_unread)

    def open_item(self, item: NotificationView) -> None:
        """Open what ``item`` is about: its post's thread, or the follower's profile."""
        if item.kind == "follow" or item.post is None:
            self._ctx.open_profile.emit(item.actor)
        else:
            self._ctx.open_thread.emit(item.post.id)

    async def _read_then_mark(self, limit: int, before: Cursor | None) -> NotificationPage:
        page = await self._ctx.node.feeds.notifications(limit, before)
        await self._ctx.node.feeds.mark_notifications_read()
        QTimer.singleShot(0, self, self._marked_read)
        return page

    def _marked_read(self) -> None:
        self._set_unread(0)
        self._ctx.notifications_changed.emit()

    def _set_unread(self, count: int) -> None:
        self.unread = count
        self.unread_changed.emit(count)

    def _read_my_name(self) -> None:
        """Mentions of us in snippets read as ``@our name``."""
        me = self._ctx.me
        self._ctx.call(self._ctx.node.feeds.profile, me, on_result=lambda profile: (
            self.model.set_names({me: profile.name} if profile.name else {})))

    def _on_events(self, events: list[Any]) -> None:
        """From the follower task (inside Trio's step): schedule, do not work here."""
        if any(isinstance(e, MutesChanged) for e in events):  # others hidden: read again
            QTimer.singleShot(0, self, self._mutes_changed)
        elif any(isinstance(e, (Notified, Lagged)) for e in events):
            QTimer.singleShot(0, self, self._notified)
        if any(isinstance(e, ProfileChanged) and e.account == self._ctx.me for e in events):
            QTimer.singleShot(0, self, self._read_my_name)

    def _mutes_changed(self) -> None:
        self.model.load()
        self.refresh_unread()

    def _notified(self) -> None:
        self.model.refresh_top()
        if self.isVisible():  # on screen: the new ones are seen, so they are read
            self._ctx.call(self._ctx.node.feeds.mark_notifications_read,
                           on_result=lambda _none: self._marked_read())
        else:
            self.refresh_unread()

    def _show_state(self, *_args: object) -> None:
        self.list.set_empty(self.model.rowCount() == 0 and not self.model.loading)
