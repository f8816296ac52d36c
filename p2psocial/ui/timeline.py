"""The home timeline: a Qt list model over the node's keyset pages, and a simple view.

Theory of operation
-------------------

Paging. ``TimelineModel`` holds the posts it has loaded, newest first, as the node's
``PostView`` values. It starts with one page (``node.home_timeline(page_size)``) and
asks for the next one only when a view calls ``fetchMore`` (a view does that when the
user scrolls near the end), passing the cursor of the last page as ``before``. At
most one page request is in flight at a time, so fast scrolling never asks twice for
the same page, and nothing is loaded that no one scrolled to.

Streaming in at the top. The model follows the node's events through a long-lived
call on the ``TrioHost`` (``follow_events``: ``async for`` over ``node.subscribe()``).
It only notes what happened and schedules work for Qt's loop; the work itself is
another host call whose result comes back on the GUI thread like any other:

- a POST event marks the top stale; the model then walks pages from the newest down
  until it meets its own first item and inserts what is newer at row 0 (one
  ``beginInsertRows(0, n - 1)``). Events that arrive while that walk is in flight
  mark the top stale again, and one more walk follows: a sync burst of thousands of
  entries costs a few walks, not one per entry. If more than ``MAX_TOP_INSERT``
  posts are newer, the model reloads its first page instead (``modelReset``): a gap
  would otherwise be left, and thousands of rows above the reader help no one.
- our own FOLLOW / UNFOLLOW / BLOCK / UNBLOCK change which accounts the home shows,
  and ``Lagged`` means events were lost: the model reloads its first page and
  subscribes again.

Page requests (down) and top walks (up) are independent; each kind has at most one
request in flight. A reload cancels both and bumps a generation number, so a late
answer to a request from before the reload is ignored.

Not jumping. Inserting rows at the top moves everything below. ``TimelineView``
keeps what the reader looks at in place: before the insert it notes the first
visible row and its offset from the top of the viewport; after it, it lays the items
out at once and moves the scroll bar by however far that row moved. A reader at the
very top sees the new posts instead.

Older posts. A post whose timestamp is older than our first item (a peer's backlog
arriving late) belongs somewhere below it. For each such event the model asks for
the page that starts just above the post's timestamp (the post, stored last, is the
first of its timestamp there), and inserts it at its place if it falls inside the
loaded rows; one further down comes with its page. More than ``MAX_BACKFILL`` such
posts in one batch (a sync burst) reload the first page instead. The view keeps its
reading row in place for inserts above it in the middle too.

Known limits: reactions, edits and deletions do not refresh the rows already loaded
yet (the events do not say which post they change).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
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
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from .. import ids
from ..content import Kind
from ..events import Lagged
from ..store.views import Cursor, Page, PostView

if TYPE_CHECKING:
    from ..node import Node
    from .loop import Call, TrioHost

PAGE_SIZE = 50
MAX_TOP_INSERT = 500  # more new posts than this at once: reload instead of inserting
MAX_BACKFILL = 64  # more older posts than this in one batch of events: reload
_RELOAD_KINDS = frozenset({int(Kind.FOLLOW), int(Kind.UNFOLLOW), int(Kind.BLOCK),
                           int(Kind.UNBLOCK)})

AnyIndex = QModelIndex | QPersistentModelIndex


class Roles:
    """The model's item roles (``Qt.UserRole`` and up); ``roleNames`` gives their names."""

    Post = Qt.ItemDataRole.UserRole + 1  # the whole PostView
    Id = Qt.ItemDataRole.UserRole + 2  # entry id as text (ent1…)
    AuthorName = Qt.ItemDataRole.UserRole + 3  # the profile name, or a short account id
    Account = Qt.ItemDataRole.UserRole + 4  # the author's account id as text (p2ps1…)
    Time = Qt.ItemDataRole.UserRole + 5  # ms since the epoch
    Text = Qt.ItemDataRole.UserRole + 6
    ContentWarning = Qt.ItemDataRole.UserRole + 7  # str, or None
    ReplyCount = Qt.ItemDataRole.UserRole + 8
    Reactions = Qt.ItemDataRole.UserRole + 9  # list of (emoji, count)
    Images = Qt.ItemDataRole.UserRole + 10  # the attachments (blob hash, size, alt…)
    Tags = Qt.ItemDataRole.UserRole + 11
    Mentions = Qt.ItemDataRole.UserRole + 12  # account ids as text
    ReplyTo = Qt.ItemDataRole.UserRole + 13  # parent entry id as text, or None
    Edited = Qt.ItemDataRole.UserRole + 14
    Deleted = Qt.ItemDataRole.UserRole + 15


_ROLE_NAMES = {Roles.Post: b"post", Roles.Id: b"entryId", Roles.AuthorName: b"authorName",
               Roles.Account: b"account", Roles.Time: b"time", Roles.Text: b"text",
               Roles.ContentWarning: b"contentWarning", Roles.ReplyCount: b"replyCount",
               Roles.Reactions: b"reactions", Roles.Images: b"images", Roles.Tags: b"tags",
               Roles.Mentions: b"mentions", Roles.ReplyTo: b"replyTo",
               Roles.Edited: b"edited", Roles.Deleted: b"deleted"}


def author_name(post: PostView) -> str:
    """The author's profile name, or the start of the account id when there is none."""
    if post.author_name:
        return post.author_name
    return ids.account_text(post.author)[:14] + "…"


def _key(cursor: Cursor) -> tuple[int, int]:
    return cursor.ts, cursor.rowid


def _role_value(post: PostView, role: int) -> Any:
    values: dict[int, Callable[[], Any]] = {
        Qt.ItemDataRole.DisplayRole: lambda: post.text,
        Roles.Post: lambda: post,
        Roles.Id: lambda: ids.entry_text(post.id),
        Roles.AuthorName: lambda: author_name(post),
        Roles.Account: lambda: ids.account_text(post.author),
        Roles.Time: lambda: post.ts,
        Roles.Text: lambda: post.text,
        Roles.ContentWarning: lambda: post.content_warning,
        Roles.ReplyCount: lambda: post.reply_count,
        Roles.Reactions: lambda: list(post.reactions),
        Roles.Images: lambda: list(post.attachments),
        Roles.Tags: lambda: list(post.tags),
        Roles.Mentions: lambda: [ids.account_text(m) for m in post.mentions],
        Roles.ReplyTo: lambda: (ids.entry_text(post.reply_parent)
                                if post.reply_parent is not None else None),
        Roles.Edited: lambda: post.edited,
        Roles.Deleted: lambda: post.deleted,
    }
    fn = values.get(role)
    return fn() if fn is not None else None


async def follow_events(node: Node, on_events: Callable[[list[Any]], object]) -> None:
    """Hand every event of the node to ``on_events``, forever (until cancelled).

    Runs as a host call. Events that are already queued are handed over together.
    After ``Lagged`` the node has closed our channel: subscribe again (``on_events``
    gets the ``Lagged`` and reloads).
    """
    while True:
        channel = node.subscribe()
        with channel:
            async for event in channel:
                batch = [event]
                while not isinstance(batch[-1], Lagged):
                    try:
                        batch.append(channel.receive_nowait())
                    except Exception:  # trio.WouldBlock, or the channel ended
                        break
                on_events(batch)
                if isinstance(batch[-1], Lagged):
                    break
            else:
                return  # the node closed: nothing more will come


class TimelineModel(QAbstractListModel):
    """The home timeline, newest first, paged on demand and followed live.

    ``start()`` loads the first page and begins following the node's events;
    ``stop()`` cancels both (the owner calls it before the host stops).
    """

    loading_changed = Signal(bool)
    """A page request (first or next) started (True) or ended (False)."""
    error = Signal(str)
    """A request failed: one line for the window."""

    def __init__(self, host: TrioHost, node: Node, page_size: int = PAGE_SIZE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._node = node
        self._page_size = page_size
        self._posts: list[PostView] = []
        self._ids: set[bytes] = set()
        self._next: Cursor | None = None
        self._at_end = False
        self._started = False
        self._generation = 0  # bumped by a reload: late answers from before are dropped
        self._page_call: Call | None = None
        self._top_call: Call | None = None
        self._top_stale = False
        self._follow_call: Call | None = None

    # --- life cycle ---------------------------------------------------------------

    def start(self) -> None:
        """Load the first page and follow the node's events."""
        if self._started:
            return
        self._started = True
        self._follow_call = self._host.call(follow_events, self._node, self._on_events,
                                            on_error=self._on_failed)
        self._load_first_page()

    def stop(self) -> None:
        """Cancel the requests in flight and stop following events."""
        for call in (self._page_call, self._top_call, self._follow_call):
            if call is not None:
                call.cancel()
        self._page_call = self._top_call = self._follow_call = None
        self._started = False

    @property
    def loading(self) -> bool:
        return self._page_call is not None

    @property
    def posts(self) -> list[PostView]:
        """The loaded posts, newest first (a copy)."""
        return list(self._posts)

    # --- Qt's model interface -----------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._posts)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._posts):
            return None
        return _role_value(self._posts[index.row()], role)

    def roleNames(self) -> dict[int, QByteArray]:
        return {role: QByteArray(name) for role, name in _ROLE_NAMES.items()}

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or not self._started:
            return False
        return not self._at_end and self._page_call is None and self._next is not None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._request_page(self._next)

    # --- pages, downwards ---------------------------------------------------------------

    def _load_first_page(self) -> None:
        self._request_page(None)

    def _request_page(self, before: Cursor | None) -> None:
        generation = self._generation
        self._page_call = self._host.call(
            self._node.home_timeline, self._page_size, before,
            on_result=lambda page: self._on_page(generation, before, page),
            on_error=self._on_page_failed)
        self.loading_changed.emit(True)

    def _on_page(self, generation: int, before: Cursor | None, page: Page) -> None:
        if generation != self._generation:
            return
        self._page_call = None
        self.loading_changed.emit(False)
        if before is None:  # the first page (after start or a reload)
            self.beginResetModel()
            self._posts = list(page.items)
            self._ids = {p.id for p in self._posts}
            self._next, self._at_end = page.next, page.next is None
            self.endResetModel()
            # a post stored while this page was read may be missing from it, its event
            # already gone: one walk from the top closes that window
            self._top_stale = True
            QTimer.singleShot(0, self, self._refresh_top)
            return
        fresh = [p for p in page.items if p.id not in self._ids]  # safety; keyset pages
        self._next, self._at_end = page.next, page.next is None   # do not overlap
        if fresh:
            first = len(self._posts)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._posts.extend(fresh)
            self._ids.update(p.id for p in fresh)
            self.endInsertRows()

    def _on_page_failed(self, exc: Exception) -> None:
        from .loop import one_line

        self._page_call = None
        self.loading_changed.emit(False)
        self.error.emit(one_line(exc))

    def _on_failed(self, exc: Exception) -> None:
        from .loop import one_line

        self.error.emit(one_line(exc))

    # --- events and the top --------------------------------------------------------------

    def _on_events(self, events: list[Any]) -> None:
        """Called from the follower task (inside Trio's step): note, and schedule."""
        reload = False
        posts = False
        older: list[tuple[bytes, int]] = []  # posts that belong below our first item
        top = self._posts[0].ts if self._posts else None
        for event in events:
            if isinstance(event, Lagged):
                reload = True
            elif event.kind == Kind.POST:
                posts = True
                if top is not None and event.timestamp < top:
                    older.append((event.id, event.timestamp))
            elif event.own and event.kind in _RELOAD_KINDS:
                reload = True
        if len(older) > MAX_BACKFILL:
            reload = True
        if reload:
            QTimer.singleShot(0, self, self.reload)
            return
        if posts:
            self._top_stale = True
            QTimer.singleShot(0, self, self._refresh_top)
        if older:
            QTimer.singleShot(0, self, lambda: self._backfill(older))

    def reload(self) -> None:
        """Drop what is loaded and load the first page again."""
        self._generation += 1
        for call in (self._page_call, self._top_call):
            if call is not None:
                call.cancel()
        self._page_call = self._top_call = None
        self._top_stale = False
        if self._started:
            self._load_first_page()

    def _refresh_top(self) -> None:
        if not self._started or not self._top_stale or self._top_call is not None:
            return
        if self._page_call is not None and not self._posts:
            return  # the first page is on its way and will hold the new posts
        self._top_stale = False
        top = self._posts[0].cursor if self._posts else None
        generation = self._generation
        self._top_call = self._host.call(
            self._newer_than, top,
            on_result=lambda newer: self._on_newer(generation, newer),
            on_error=self._on_top_failed)

    async def _newer_than(self, top: Cursor | None) -> list[PostView] | None:
        """The posts newer than ``top``, newest first; None if more than MAX_TOP_INSERT."""
        newer: list[PostView] = []
        before: Cursor | None = None
        while True:
            page = await self._node.home_timeline(self._page_size, before)
            for post in page.items:
                if top is not None and _key(post.cursor) <= _key(top):
                    return newer
                newer.append(post)
            if len(newer) > MAX_TOP_INSERT:
                return None
            if page.next is None:
                return newer
            before = page.next

    def _on_newer(self, generation: int, newer: list[PostView] | None) -> None:
        if generation != self._generation:
            return
        self._top_call = None
        if newer is None:
            self.reload()
            return
        fresh = [p for p in newer if p.id not in self._ids]
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._posts[:0] = fresh
            self._ids.update(p.id for p in fresh)
            self.endInsertRows()
        if self._top_stale:
            QTimer.singleShot(0, self, self._refresh_top)

    def _backfill(self, older: list[tuple[bytes, int]]) -> None:
        """Find where posts older than our first item go (a peer's backlog) and insert
        those that fall inside the loaded rows; those below them come with their page."""
        if not self._started:
            return
        generation = self._generation
        self._host.call(self._find_posts, older,
                        on_result=lambda found: self._on_found(generation, found),
                        on_error=self._on_failed)

    async def _find_posts(self, older: list[tuple[bytes, int]]) -> list[PostView]:
        """The home timeline's views of these posts (those in it). A post just stored
        has the highest rowid, so it is the first of its timestamp in the keyset order:
        a page that starts just above its timestamp finds it at once."""
        by_ts: dict[int, set[bytes]] = {}
        for entry_id, ts in older:
            by_ts.setdefault(ts, set()).add(entry_id)
        found: list[PostView] = []
        for ts, wanted in by_ts.items():
            page = await self._node.home_timeline(len(wanted) + 8, Cursor(ts + 1, 0))
            found += [p for p in page.items if p.id in wanted]
        return found

    def _on_found(self, generation: int, found: list[PostView]) -> None:
        if generation != self._generation or not self._posts:
            return
        bottom = _key(self._posts[-1].cursor)
        for post in sorted(found, key=lambda p: _key(p.cursor), reverse=True):
            key = _key(post.cursor)
            if post.id in self._ids or (key < bottom and not self._at_end):
                continue  # already shown, or below the loaded rows: its page brings it
            if key > _key(self._posts[0].cursor):
                continue  # newer than our first item: the top walk brings it
            row = bisect.bisect_left(self._posts, (-key[0], -key[1]),  # newest first
                                     key=lambda p: (-p.cursor.ts, -p.cursor.rowid))
            self.beginInsertRows(QModelIndex(), row, row)
            self._posts.insert(row, post)
            self._ids.add(post.id)
            self.endInsertRows()

    def _on_top_failed(self, exc: Exception) -> None:
        self._top_call = None
        self._on_failed(exc)


# --- the view ---------------------------------------------------------------------------


def relative_time(ts_ms: int, now_ms: int) -> str:
    """'now', '5m', '3h', '2d', then the date: what a timeline shows beside a name."""
    seconds = max(0, (now_ms - ts_ms) // 1000)
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 7 * 86400:
        return f"{seconds // 86400}d"
    return time.strftime("%Y-%m-%d", time.localtime(ts_ms / 1000))


class PostDelegate(QStyledItemDelegate):
    """Paints a post: name and relative time, then the text wrapped; a post with a
    content warning shows the warning instead of the text (collapsed)."""

    MARGIN = 8

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        base = QFont(option.font)
        bold = QFont(base)
        bold.setBold(True)
        return base, bold

    def _body(self, index: AnyIndex) -> str:
        cw = index.data(Roles.ContentWarning)
        text = str(index.data(Roles.Text) or "")
        body = f"⚠ {cw} (show more)" if cw else text
        extra = []
        if index.data(Roles.ReplyCount):
            extra.append(f"💬 {index.data(Roles.ReplyCount)}")
        extra += [f"{emoji} {count}" for emoji, count in index.data(Roles.Reactions) or []]
        return body + ("\n" + "  ".join(extra) if extra else "")

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        base, bold = self._fonts(option)
        width = max(100, option.rect.width() or 400) - 2 * self.MARGIN
        flags = int(Qt.TextFlag.TextWordWrap)
        body = QFontMetrics(base).boundingRect(QRect(0, 0, width, 100_000), flags,
                                               self._body(index))
        return QSize(width + 2 * self.MARGIN,
                     QFontMetrics(bold).height() + body.height() + 3 * self.MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        rect: QRect = option.rect
        palette: QPalette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, palette.highlight())
        base, bold = self._fonts(option)
        inner = rect.adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN)
        painter.setFont(bold)
        name = str(index.data(Roles.AuthorName) or "")
        head = QFontMetrics(bold).height()
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), head),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        painter.setFont(base)
        when = relative_time(int(index.data(Roles.Time) or 0), int(time.time() * 1000))
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), head),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), when)
        body_rect = QRect(inner.left(), inner.top() + head + self.MARGIN, inner.width(),
                          inner.height() - head - self.MARGIN)
        painter.drawText(body_rect, int(Qt.TextFlag.TextWordWrap), self._body(index))
        painter.restore()


class TimelineView(QListView):
    """A list of posts that keeps the row being read in place when rows arrive on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(PostDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setAccessibleName("Home timeline")
        self._anchor: tuple[QPersistentModelIndex, int] | None = None

    def setModel(self, model: Any) -> None:
        old = self.model()
        if old is not None:
            old.rowsAboutToBeInserted.disconnect(self._before_insert)
            old.rowsInserted.disconnect(self._after_insert)
        super().setModel(model)
        if model is not None:
            model.rowsAboutToBeInserted.connect(self._before_insert)
            model.rowsInserted.connect(self._after_insert)

    def _before_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        self._anchor = None
        if first == 0 and self.verticalScrollBar().value() == 0:
            return  # the reader is at the top: let the new posts show
        index = self.indexAt(self.viewport().rect().topLeft())
        if index.isValid() and first <= index.row():  # rows below it move nothing
            self._anchor = (QPersistentModelIndex(index), self.visualRect(index).top())

    def _after_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._anchor is None:
            return
        anchor, top = self._anchor
        self._anchor = None
        if not anchor.isValid():
            return
        self.doItemsLayout()  # lay the new rows out now, so the anchor's place is known
        moved = self.visualRect(anchor).top() - top
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + moved)
