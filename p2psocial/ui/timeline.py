"""The lists of posts the window shows: the home timeline, one account's posts, search
results and mentions. Each is a ``PostListModel`` (post_model.py) given the node's query
as its pager and a rule for which live events concern it; ``TimelineView`` shows any of
them (post_view.py, painted by post_delegate.py)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from .post_delegate import PostDelegate, relative_time
from .post_events import account_events, home_events, mention_events, no_events
from .post_model import PAGE_SIZE, PostListModel
from .post_roles import Roles
from .post_view import PostListView
from .post_words import author_name

if TYPE_CHECKING:
    from ..node import Node
    from .loop import TrioHost

__all__ = ["PostDelegate", "PostListModel", "Roles", "TimelineModel", "TimelineView",
           "account_posts_model", "author_name", "mentions_model", "relative_time",
           "search_model"]

TimelineView = PostListView


class TimelineModel(PostListModel):
    """The home timeline: the posts of the accounts we follow and our own, live."""

    def __init__(self, host: TrioHost, node: Node, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:
        super().__init__(host, node, node.feeds.home_timeline, home_events, page_size, parent)


def account_posts_model(host: TrioHost, node: Node, account: bytes,
                        page_size: int = PAGE_SIZE) -> PostListModel:
    """One account's posts (its profile page), live."""
    return PostListModel(host, node, functools.partial(node.feeds.account_posts, account),
                         account_events(account), page_size)


def search_model(host: TrioHost, node: Node, text: str,
                 page_size: int = PAGE_SIZE) -> PostListModel:
    """The posts that match ``text``: a snapshot (its rows still refresh)."""
    return PostListModel(host, node, functools.partial(node.feeds.search, text), no_events,
                         page_size)


def mentions_model(host: TrioHost, node: Node, page_size: int = PAGE_SIZE) -> PostListModel:
    """The posts that mention us, live."""
    return PostListModel(host, node, node.feeds.mentions, mention_events, page_size)
