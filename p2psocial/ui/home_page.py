"""The home page: the composer on top, the home timeline below.

The timeline is the shared post list (``post_actions.PostList`` over a
``timeline.TimelineModel``), so clicks mean the same here as on every page: reply and
navigation go to ``ctx``, ♥ and reactions to the node; an image opens the viewer.
The main window routes ``ctx.reply_to`` back to ``start_reply`` when this page is the
one shown, so a reply is written in this composer. A post just sent appears at the
top through the model's live events, and the list scrolls up to show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from .composer import Composer
from .context import AppContext, tr
from .post_actions import PostList
from .timeline import TimelineModel

if TYPE_CHECKING:
    from ..store.views import PostView
    from .post_view import PostListView


class HomePage(QWidget):
    """The composer and the home timeline; ``timeline_view`` is the list (the app times
    start-up by its ``first_painted``)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("home_page")
        self.ctx = ctx
        self.composer = Composer(ctx, "post")
        self.composer.posted.connect(self._posted)
        self.posts = PostList(ctx, tr("Nothing here yet — follow someone from People, or "
                                        "write your first post."))
        self.posts.setObjectName("home_posts")
        self.timeline_view: PostListView = self.posts.view
        self.timeline_view.setAccessibleName(tr("Home timeline"))

        top = QFrame()
        top.setFrameShape(QFrame.Shape.NoFrame)
        framed = QVBoxLayout(top)
        framed.setContentsMargins(12, 12, 12, 6)
        framed.addWidget(self.composer)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(top)
        column.addWidget(self.posts, 1)
        QWidget.setTabOrder(self.composer.send_button, self.timeline_view)

        self.posts.set_model(TimelineModel(ctx.host, ctx.node))

    @property
    def model(self) -> TimelineModel:
        assert isinstance(self.posts.model, TimelineModel)
        return self.posts.model

    def start_reply(self, post: PostView) -> None:
        """Write a reply to ``post`` in this page's composer."""
        self.composer.set_reply(post)

    def focus_composer(self) -> None:
        self.composer.text_edit.setFocus()

    def stop(self) -> None:
        """Save the draft and stop following the timeline (before the host stops)."""
        self.composer.stop()
        self.posts.stop()

    def _posted(self, entry_id: bytes) -> None:
        self.timeline_view.scrollToTop()
