"""A scrolling list of posts: keeps the row being read in place, and speaks in signals.

Theory of operation
-------------------

Not jumping. Inserting rows above the reader moves everything below. Before an
insert the view notes the first visible row and its offset from the top of the
viewport; after it, it lays the items out at once and moves the scroll bar by however
far that row moved. A reader at the very top sees the new posts instead.

Reading ahead. Qt asks the model for more only when the scroll bar hits its end; the
view asks as soon as fewer than ``PREFETCH_SCREENS`` screens are left below, so the
next page is usually there before anyone reaches the end. New rows are laid out
before they are inserted: the view gives the model ``_prepare_rows``, which the model
runs in idle turns (post_model.py, "Landing"), so a page arriving costs a scroll step
no layout, only Qt's pass over the loaded rows' cached heights.

Rows whose content changes (a reaction, an edit, a content warning opened) may change
height: ``dataChanged`` schedules a new layout; the delegate's height cache makes
that cheap for the rows that did not change.

Signals come from the delegate's hit-testing (clicks) and from the keyboard: Enter
opens the thread, R replies, L toggles ♥, Space opens or closes a content warning,
the menu key or Shift+F10 (and a right click) open the post's "…" menu
(``menu_requested``, post_menu.py), Ctrl+C copies the post's text; Up, Down, PgUp and
PgDn move as in any list. ``first_painted`` fires once, the first
time the view has painted with at least one row (the app measures start-up with it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPaintEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyleOptionViewItem, QWidget

from .context import tr
from .image_cache import ImageCache
from .post_delegate import Hit, PostDelegate
from .post_model import PostListModel, Row
from .post_roles import Roles
from .post_words import HEART, names_wanted, reacted, veil

PREFETCH_SCREENS = 6
DELEGATE_SIGNALS = ("reply_requested", "react_requested", "thread_requested",
                    "profile_requested", "tag_requested", "link_activated",
                    "image_requested", "menu_requested")
"""What the delegate says about a click, said again by the view."""


class PostListView(QListView):
    """Posts, painted by ``PostDelegate``; see the module docstring."""

    reply_requested = Signal(object)  # PostView
    react_requested = Signal(object, str, bool)  # PostView, emoji, undo
    thread_requested = Signal(bytes)  # a post id
    profile_requested = Signal(bytes)  # an account id
    tag_requested = Signal(str)
    link_activated = Signal(str)
    image_requested = Signal(object, int)  # PostView, attachment number
    menu_requested = Signal(object, QPoint)  # PostView, where (global): the "…" menu
    first_painted = Signal()

    def __init__(self, parent: QWidget | None = None, images: ImageCache | None = None,
                 ) -> None:
        super().__init__(parent)
        self.delegate = PostDelegate(images, self)
        self.setItemDelegate(self.delegate)
        for name in DELEGATE_SIGNALS:
            getattr(self.delegate, name).connect(getattr(self, name))
        self._images: ImageCache | None = None
        self.set_images(images)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMouseTracking(True)
        self.setAccessibleName(tr("Posts"))
        self._anchor: tuple[QPersistentModelIndex, int] | None = None
        self._painted = False
        self.verticalScrollBar().valueChanged.connect(self._read_ahead)

    def changeEvent(self, event: QEvent) -> None:
        """A new palette (the theme changed): rows are laid out again in its colours."""
        if event.type() == QEvent.Type.PaletteChange:
            self.delegate.forget_layouts()
            self.scheduleDelayedItemsLayout()
            self.viewport().update()
        super().changeEvent(event)

    def set_images(self, images: ImageCache | None) -> None:
        """Where thumbnails and avatars come from (None: placeholders only)."""
        if self._images is not None:
            self._images.ready.disconnect(self._image_ready)
        self._images = images
        self.delegate.set_images(images)
        if images is not None:
            images.ready.connect(self._image_ready)

    def setModel(self, model: Any) -> None:
        old = self.model()
        if old is not None:
            old.rowsAboutToBeInserted.disconnect(self._before_insert)
            old.rowsInserted.disconnect(self._after_insert)
            old.dataChanged.disconnect(self._changed)
            if isinstance(old, PostListModel):
                old.set_prepare(None)
        super().setModel(model)
        if model is not None:
            model.rowsAboutToBeInserted.connect(self._before_insert)
            model.rowsInserted.connect(self._after_insert)
            model.dataChanged.connect(self._changed)
            if isinstance(model, PostListModel):
                model.set_prepare(self._prepare_rows)

    def _prepare_rows(self, rows: list[Row]) -> Iterator[None]:
        """Lay out rows about to be inserted, one per step (the model's idle turns)."""
        model = self.model()
        if not isinstance(model, PostListModel):
            return
        for row in rows:
            names = model.mention_names(row.post) if names_wanted(row.post) else {}
            self.delegate.prepare(self, row.post, row.revision, row.expanded, names)
            yield

    # --- not jumping ---------------------------------------------------------------

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

    def _changed(self, first: QModelIndex, last: QModelIndex, roles: Any = ()) -> None:
        if not roles or Roles.Revision in roles:  # heights may have changed
            self.scheduleDelayedItemsLayout()

    def _read_ahead(self, value: int) -> None:
        model = self.model()
        bar = self.verticalScrollBar()
        if model is None or bar.maximum() - value > PREFETCH_SCREENS * self.viewport().height():
            return
        if model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())

    def _image_ready(self, blob: bytes) -> None:
        self.viewport().update()

    # --- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self._painted and model is not None and model.rowCount() > 0:
            self._painted = True
            self.first_painted.emit()

    # --- the mouse and the keyboard ----------------------------------------------------

    def hit_at(self, pos: QPoint) -> tuple[QModelIndex, Hit | None]:
        """The row under ``pos`` (viewport coordinates) and what in it is there."""
        index = self.indexAt(pos)
        if not index.isValid():
            return index, None
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        return index, self.delegate.hit_at(option, index, pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        _index, hit = self.hit_at(event.position().toPoint())
        pointing = hit is not None and hit.kind != "time"
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if pointing
                                  else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        post = index.data(Roles.Post) if index.isValid() else None
        key = event.key()
        shift = event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        if post is not None and (key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and shift)):
            self.open_menu(index)
        elif post is not None and event.matches(QKeySequence.StandardKey.Copy):
            if not post.deleted:
                QGuiApplication.clipboard().setText(post.text)
        elif post is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.thread_requested.emit(post.id)
        elif key == Qt.Key.Key_R:
            self.reply_requested.emit(post)
        elif key == Qt.Key.Key_L:
            self.react_requested.emit(post, HEART, HEART in reacted(post))
        elif key == Qt.Key.Key_Space and veil(post):
            self.delegate.toggle_warning(index)
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """A right click on a post (or the menu key, where the platform sends it as a
        context-menu event): its "…" menu."""
        mouse = event.reason() == QContextMenuEvent.Reason.Mouse
        index = self.indexAt(event.pos()) if mouse else self.currentIndex()
        if index.isValid():
            self.setCurrentIndex(index)
            self.open_menu(index, event.globalPos() if mouse else None)

    def open_menu(self, index: QModelIndex, where: QPoint | None = None) -> None:
        """Ask for the "…" menu of the post at ``index``, at ``where`` (global), or
        under the row's "…" button (the keyboard)."""
        post = index.data(Roles.Post)
        if post is None:
            return
        if where is None:
            self.scrollTo(index)
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            option.rect = self.visualRect(index)
            button = self.delegate.more_button(option, index)
            where = self.viewport().mapToGlobal(button.bottomLeft() if button is not None
                                                else option.rect.center())
        self.menu_requested.emit(post, where)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.viewport().unsetCursor()
        return super().viewportEvent(event)
