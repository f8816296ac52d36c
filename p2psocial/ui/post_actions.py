"""What a click on a post means in the window, once for every page that lists posts.

A ``PostListView`` only speaks in signals (reply, react, open the thread, a profile, a
#tag, a link, an image). ``connect_post_view(view, ctx)`` turns them into the app's
intents: a reaction is published by the node, a link opens in the browser, an image
in the viewer, the rest are navigation requests on ``ctx`` that the main window
carries out. ``PostList`` is such a view over a ``PostListModel``,
with the line that stands in for it while it is empty ("No posts yet", "No results").
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from .avatar import images_of
from .post_menu import PostMenus
from .post_view import PostListView

if TYPE_CHECKING:
    from ..store.views import PostView
    from .context import AppContext
    from .post_model import PostListModel


def react(ctx: AppContext, post: PostView, emoji: str, undo: bool) -> None:
    """Publish (or take back) a reaction; the list refreshes the row from its event."""
    ctx.call(functools.partial(ctx.node.posts.react, undo=undo), post.id, emoji)


def open_link(url: str) -> None:
    """Web links open in the person's browser; nothing else is opened from a post."""
    if url.lower().startswith(("http://", "https://")):
        QDesktopServices.openUrl(QUrl(url))


def open_image(ctx: AppContext, parent: QWidget, post: PostView, number: int) -> None:
    """The post's image ``number`` at full size, in the image viewer."""
    from .image_viewer import open_image as show  # a dialog: loaded when first needed

    show(ctx, post, number, parent.window())


def connect_post_view(view: PostListView, ctx: AppContext) -> None:
    """Wire a list of posts to the app: images from the shared cache, every click
    (reply, react, thread, profile, #tag, link, image) to the node, to ctx's
    navigation, or to the image viewer, and the "…" menu (post_menu.py)."""
    view.set_images(images_of(ctx))
    view.reply_requested.connect(ctx.reply_to.emit)
    view.react_requested.connect(functools.partial(react, ctx))
    view.thread_requested.connect(ctx.open_thread.emit)
    view.profile_requested.connect(ctx.open_profile.emit)
    view.tag_requested.connect(lambda tag: ctx.open_search.emit("#" + tag))
    view.link_activated.connect(open_link)
    view.image_requested.connect(functools.partial(open_image, ctx, view))
    PostMenus(ctx, view)  # the "…" menu: a child of the view, found by findChild


class EmptyStack(QWidget):
    """A list, or in its place a line that says why it is empty ("No posts yet")."""

    def __init__(self, content: QWidget, empty_text: str, parent: QWidget | None = None,
                 ) -> None:
        super().__init__(parent)
        self.empty = QLabel(empty_text, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._content = content
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(content)
        self._stack.addWidget(self.empty)

    def set_empty_text(self, text: str) -> None:
        self.empty.setText(text)

    def set_empty(self, empty: bool) -> None:
        self._stack.setCurrentWidget(self.empty if empty else self._content)

    @property
    def is_empty(self) -> bool:
        """The empty line is shown instead of the list."""
        return self._stack.currentWidget() is self.empty


class PostList(EmptyStack):
    """A list of posts wired to the app (``connect_post_view``), with its empty line.

    ``set_model`` hands it a model (it takes ownership, starts it, and stops and drops
    the one before); ``stop()`` stops the current one."""

    def __init__(self, ctx: AppContext, empty_text: str, parent: QWidget | None = None,
                 ) -> None:
        self.view = PostListView()
        super().__init__(self.view, empty_text, parent)
        self._ctx = ctx
        connect_post_view(self.view, ctx)
        self.model: PostListModel | None = None
        self._show_state()

    def set_model(self, model: PostListModel | None) -> None:
        """Show ``model`` (None: nothing) instead of the model shown so far."""
        old, self.model = self.model, model
        if old is not None:
            old.stop()
            old.deleteLater()
        self.view.setModel(model)
        if model is not None:
            model.setParent(self)
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._show_state)
            model.loading_changed.connect(self._show_state)
            model.error.connect(self._ctx.message.emit)
            model.start()
        self._show_state()

    def stop(self) -> None:
        if self.model is not None:
            self.model.stop()

    def _show_state(self, *_args: object) -> None:
        model = self.model
        self.set_empty(model is None or (model.rowCount() == 0 and not model.loading))
