"""A whole conversation: every post of a thread, each under the one it answers, with a
reply box at the bottom.

Theory of operation
-------------------

The list is the shared post list (``PostListModel`` + ``PostListView``), so rows look
and react as everywhere else. ``ThreadModel`` gives the model a pager that returns the
whole thread in one page (``node.feeds.thread``), in conversation order: each reply right
under its parent, siblings oldest first (``conversation``). The depth of each post is
worked out here, from ``reply_parent``, and shown by ``ThreadDelegate`` as an indent
(capped at ``DEPTH_MAX`` so a long back-and-forth stays readable).

Live. Events do not say which thread a post belongs to, so a new post anywhere makes
the model read the thread again (one cheap indexed query; one at a time, the events
of a burst coalesced) and reload only if the thread's posts changed: an unrelated
post leaves the rows, and any content warning opened, as they were. Reactions,
edits and deletions refresh their rows through the shared model; a mute or a
filter that collapses or opens a row reloads (``MutesChanged``). Across a reload the
page keeps the row at the top of the screen where it was; after a reply of ours it
scrolls to the reply instead.

The composer replies to the focused post (its draft per parent, see composer.py);
``start_reply`` (the main window routes ``ctx.reply_to`` here while this page is
shown) switches it to another post of the thread, and cancel comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyleOptionViewItem, QVBoxLayout, QWidget

from ..store.views import Page, PostView
from .composer import Composer, reply_draft_key
from .context import AppContext, tr
from .post_actions import EmptyStack, connect_post_view
from .post_delegate import Hit, PostDelegate
from .post_events import thread_events
from .post_model import PostListModel
from .post_roles import Roles
from .post_view import DELEGATE_SIGNALS, PostListView

if TYPE_CHECKING:
    from ..node import Node
    from .loop import Call, TrioHost

AnyIndex = QModelIndex | QPersistentModelIndex
DEPTH_ROLE = Roles.Reacted + 100  # int: how many replies deep a row is (capped)
DEPTH_MAX = 5
INDENT = 22  # px per level


def conversation(posts: list[PostView]) -> list[tuple[PostView, int]]:
    """``posts`` (oldest first) in conversation order with their depths: each reply
    under its parent, siblings oldest first. A reply whose parent this home does not
    hold hangs under the thread's first post."""
    held = {p.id for p in posts}
    first = next((p.id for p in posts if p.reply_parent is None), None)
    children: dict[bytes | None, list[PostView]] = {}
    for post in posts:
        parent = post.reply_parent
        if parent is not None and parent not in held:
            parent = first if first != post.id else None
        children.setdefault(parent, []).append(post)
    ordered: list[tuple[PostView, int]] = []
    stack = [(p, 0) for p in reversed(children.get(None, []))]
    while stack:
        post, depth = stack.pop()
        ordered.append((post, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(post.id, [])))
    return ordered


class ThreadModel(PostListModel):
    """The posts of the thread that ``post_id`` belongs to, in conversation order."""

    def __init__(self, host: TrioHost, node: Node, post_id: bytes,
                 parent: Any = None) -> None:
        super().__init__(host, node, self._whole_thread, thread_events, parent=parent)
        self.post_id = post_id
        self._depths: dict[bytes, int] = {}
        self._check_call: Call | None = None
        self._check_again = False

    async def _whole_thread(self, limit: int, before: Any) -> Page:
        if before is not None:
            return Page([], None)  # one page holds it all
        ordered = conversation(await self._node.feeds.thread(self.post_id))
        self._depths = {post.id: depth for post, depth in ordered}
        return Page([post for post, _ in ordered], None)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == DEPTH_ROLE:
            post = self.post_at(index.row()) if index.isValid() else None
            return min(self._depths.get(post.id, 0), DEPTH_MAX) if post else 0
        return super().data(index, role)

    def row_of(self, post_id: bytes) -> int:
        """The row of ``post_id``, or -1."""
        return next((n for n, p in enumerate(self.posts) if p.id == post_id), -1)

    def reload(self) -> None:
        """Read the thread again, and reload only if its posts changed (see the module
        docstring); before the first page, load as usual."""
        if not self.posts:
            super().reload()
            return
        if self._check_call is not None:
            self._check_again = True
            return
        self._check_call = self._host.call(self._node.feeds.thread, self.post_id,
                                           on_result=self._checked, on_error=self._check_failed)

    def _checked(self, posts: list[PostView]) -> None:
        self._check_call = None
        if _shown(posts) != _shown(self.posts):
            super().reload()
        elif self._check_again:
            self._check_again = False
            self.reload()

    def _check_failed(self, exc: Exception) -> None:
        self._check_call = None
        super().reload()  # shows the error through the first page's request

    def stop(self) -> None:
        if self._check_call is not None:
            self._check_call.cancel()
            self._check_call = None
        super().stop()


class ThreadDelegate(PostDelegate):
    """The shared painted row, indented by the row's depth in the conversation."""

    def _indented(self, option: QStyleOptionViewItem, index: AnyIndex) -> QStyleOptionViewItem:
        depth = int(index.data(DEPTH_ROLE) or 0)
        if not depth:
            return option
        moved = QStyleOptionViewItem(option)
        moved.rect = option.rect.adjusted(depth * INDENT, 0, 0, 0)
        return moved

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(self._indented(option, index), index)
        return QSize(option.rect.width(), size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().paint(painter, self._indented(option, index), index)

    def hit_at(self, option: QStyleOptionViewItem, index: AnyIndex, pos: QPoint) -> Hit | None:
        return super().hit_at(self._indented(option, index), index, pos)

    def more_button(self, option: QStyleOptionViewItem, index: AnyIndex) -> QRect | None:
        return super().more_button(self._indented(option, index), index)


def _with_delegate(view: PostListView, delegate: PostDelegate) -> PostListView:
    """``view`` painting with ``delegate`` and speaking its signals (until PostListView
    takes a delegate of its own choosing)."""
    view.delegate = delegate
    view.setItemDelegate(delegate)
    for name in DELEGATE_SIGNALS:
        getattr(delegate, name).connect(getattr(view, name))
    return view


def _shown(posts: list[PostView]) -> set[tuple[bytes, bool, str | None]]:
    """What a reload would change: the posts, and which a mute or filter collapses."""
    return {(p.id, p.muted, p.filtered) for p in posts}


class ThreadPage(QWidget):
    """The conversation around ``post_id``, that post highlighted, and a reply box."""

    def __init__(self, ctx: AppContext, post_id: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thread_page")
        self.ctx = ctx
        self.post_id = post_id
        self._found = False  # the focused post has been shown once
        self._place: tuple[bytes, int] | None = None  # the top row across a reload
        self._scroll_to: bytes | None = None  # our reply, once it is in the list

        self.view = _with_delegate(PostListView(), ThreadDelegate())
        self.view.setAccessibleName(tr("Conversation"))
        connect_post_view(self.view, ctx)  # every click, images too: wired there only
        self.list = EmptyStack(self.view, tr("Loading the conversation…"))
        self.list.set_empty(True)
        self.composer = Composer(ctx, reply_draft_key(post_id))
        self.composer.setEnabled(False)  # until the post it answers is known
        self.composer.posted.connect(self._posted)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list, 1)
        bottom = QVBoxLayout()
        bottom.setContentsMargins(12, 6, 12, 12)
        bottom.addWidget(self.composer)
        column.addLayout(bottom)
        QWidget.setTabOrder(self.view, self.composer.text_edit)

        self.model = ThreadModel(ctx.host, ctx.node, post_id, parent=self)
        self.view.setModel(self.model)  # first: the view's own reset runs before ours
        self.model.modelAboutToBeReset.connect(self._remember_place)
        self.model.modelReset.connect(self._shown)
        self.model.error.connect(self._failed)
        self.model.start()

    # --- what the window calls -----------------------------------------------------

    def start_reply(self, post: PostView) -> None:
        """Reply to ``post`` (one of this thread's) in this page's composer."""
        if self._found:
            self.composer.set_reply(post)

    def activated(self) -> None:
        self.view.setFocus()

    def stop(self) -> None:
        self.composer.stop()
        self.model.stop()

    # --- keeping the place ------------------------------------------------------------

    def _remember_place(self) -> None:
        index = self.view.indexAt(self.view.viewport().rect().topLeft())
        post = index.data(Roles.Post) if index.isValid() else None
        self._place = (post.id, self.view.visualRect(index).top()) if post else None

    def _shown(self) -> None:
        self.list.set_empty(self.model.rowCount() == 0)
        self.view.doItemsLayout()  # rows placed now, so scrolling knows where they are
        if not self._found:
            self._show_focused()
        elif self._scroll_to is not None and self.model.row_of(self._scroll_to) >= 0:
            self.view.scrollTo(self.model.index(self.model.row_of(self._scroll_to)))
            self._scroll_to = None
        elif self._place is not None and self.model.row_of(self._place[0]) >= 0:
            anchor = self.model.index(self.model.row_of(self._place[0]))
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() + self.view.visualRect(anchor).top() - self._place[1])
        self._place = None

    def _show_focused(self) -> None:
        row = self.model.row_of(self.post_id)
        if row < 0:
            return
        self._found = True
        index = self.model.index(row)
        self.view.setCurrentIndex(index)  # highlighted, and where the keyboard starts
        self.view.scrollTo(index, PostListView.ScrollHint.PositionAtCenter)
        post = self.model.post_at(row)
        assert post is not None
        self.composer.set_base_reply(post)
        self.composer.setEnabled(True)

    def _failed(self, line: str) -> None:
        if not self._found:
            self.list.set_empty_text(line)
            self.list.set_empty(True)
        else:
            self.ctx.message.emit(line)

    def _posted(self, entry_id: bytes) -> None:
        self._scroll_to = entry_id
