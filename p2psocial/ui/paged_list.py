"""A list model over keyset pages with one live edge: what notifications and a
conversation's messages share (the home timeline has its own, richer one: post_model).

Theory of operation. Pages are read on demand (``request_page(fetch, *args,
before=...)``, at most one in flight); the *edge* is where new items arrive (the top of
the notifications, the bottom of a conversation), and ``refresh_edge`` reads the
newest page to merge what is newer, one walk at a time: asked again while a walk or a
page is in flight, it runs once more afterwards (``_edge_stale``), so a burst of
events costs a few walks. ``stop`` (or a reload) bumps a generation number, and an
answer to a request from before is dropped. Subclasses say how a page and an edge
walk merge into ``_items`` (``_on_page``, ``_on_edge``): the direction is theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QTimer,
    Signal,
)

from .loop import one_line

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

AnyIndex = QModelIndex | QPersistentModelIndex


class EdgePagedModel(QAbstractListModel):
    loading_changed = Signal(bool)
    """A page request started (True) or ended (False)."""
    error = Signal(str)

    def __init__(self, ctx: AppContext, page_size: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._page_size = page_size
        self._items: list[Any] = []
        self._next: Any = None  # the cursor of the next (older) page; None at the end
        self._page_call: Call | None = None
        self._edge_call: Call | None = None
        self._edge_stale = False
        self._generation = 0

    @property
    def items(self) -> list[Any]:
        return list(self._items)

    @property
    def loading(self) -> bool:
        return self._page_call is not None

    def item_at(self, row: int) -> Any:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def stop(self) -> None:
        """Cancel what is in flight; answers to it are ignored."""
        self._generation += 1
        for call in (self._page_call, self._edge_call):
            if call is not None:
                call.cancel()
        self._page_call = self._edge_call = None
        self._edge_stale = False

    # --- pages ----------------------------------------------------------------------------

    def request_page(self, fetch: Callable[..., Any], *args: Any, before: Any) -> None:
        """``fetch(*args, page_size, before)`` on the host, into ``_on_page``."""
        generation = self._generation
        self._page_call = self._ctx.call(
            fetch, *args, self._page_size, before,
            on_result=lambda page: self._page_came(generation, before, page),
            on_error=lambda exc: self._page_failed(generation, exc))
        self.loading_changed.emit(True)

    def _page_came(self, generation: int, before: Any, page: Any) -> None:
        if generation != self._generation:
            return
        self._page_call = None
        self._on_page(before, page)
        self._next = page.next
        self.loading_changed.emit(False)
        if self._edge_stale:
            QTimer.singleShot(0, self, self.refresh_edge)

    def _page_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self._page_call = None
            self.loading_changed.emit(False)
        self.error.emit(one_line(exc))

    def _on_page(self, before: Any, page: Any) -> None:
        """Merge ``page`` (the first one when ``before`` is None) into ``_items``."""
        raise NotImplementedError

    # --- the live edge ----------------------------------------------------------------------

    def refresh_edge(self) -> None:
        """Merge what is newer than the edge (one walk at a time; see the module doc)."""
        fetch = self._edge_fetch()
        if fetch is None:
            return
        self._edge_stale = True
        if self._edge_call is not None or self._page_call is not None:
            return  # the walk or the page in flight is followed by another
        self._edge_stale = False
        generation = self._generation
        self._edge_call = self._ctx.call(
            *fetch, self._page_size, None,
            on_result=lambda page: self._edge_came(generation, page),
            on_error=lambda exc: self._edge_failed(generation, exc))

    def _edge_came(self, generation: int, page: Any) -> None:
        if generation != self._generation:
            return
        self._edge_call = None
        self._on_edge(page)
        if self._edge_stale:
            QTimer.singleShot(0, self, self.refresh_edge)

    def _edge_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self._edge_call = None
        self.error.emit(one_line(exc))

    def _edge_fetch(self) -> tuple[Any, ...] | None:
        """(fetch, *args) that reads the newest page; None: nothing to follow."""
        raise NotImplementedError

    def _on_edge(self, page: Any) -> None:
        """Merge the newest ``page`` at the edge (or start again from it if a gap
        would be left)."""
        raise NotImplementedError
