"""A conversation's messages on screen: each painted as a chat bubble by a delegate (no
widget per row), in a list view that asks for older pages at its top and offers
reactions.

``MessageDelegate`` paints each message as a bubble: the other people's on the left
in the palette's alternate base, one's own on the right in the highlight colours;
above a bubble, the author (in a group) and the time; under it, its pictures and
files, and its reactions as chips (``MessageView.reactions``; groups and communities
only). Under each of our own direct messages, after its time, a word says how far it
is known to have travelled (``message_model.delivery_text``); its tooltip says how
that is known.

Reactions. In a group we are in (the model is ``reactable``) a click on a chip
toggles our reaction with that emoji; the ☺ beside the bubble of the row pointed at
or current, a right click, the menu key or Shift+F10 open a menu of common emoji
(``MessageList.react_requested``; the conversation pane asks the node).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from .avatar import display_name
from .context import tr
from .message_files import GAP, FilesLayout, file_action
from .message_model import AnyIndex, MessageModel, MessageRole, delivery_text
from .post_delegate import REACT_CHOICES, Hit, chip_width, emoji_font, paint_chip, when_text

if TYPE_CHECKING:
    from .image_cache import ImageCache

OLDER_MARGIN = 40  # px from the top at which the page before is asked for
REACT_MARK = "☺"  # beside a bubble: the menu of reactions


@dataclass(frozen=True, slots=True)
class Parts:
    """Where the parts of one message go in its row, in the view's coordinates."""

    over: QRect  # the author (in a group) and the time
    bubble: QRect
    chips: tuple[tuple[Hit, QRect, str, bool], ...]  # the reactions: what, where, label, ours
    react: QRect  # the ☺ beside the bubble that offers reactions
    files: FilesLayout  # pictures and files, under the text
    files_at: QPoint  # where they start


class MessageDelegate(QStyledItemDelegate):
    """A message as a bubble: the others' on the left, one's own on the right; the
    author (in a group) and the time above it; its reactions under it as chips
    ("👍 2", ours highlighted).

    Where the model is ``reactable`` (a group we are in), a click on a chip asks to
    toggle our reaction with that emoji (``react_requested``), and a ☺ beside the
    bubble of the row pointed at or current asks for the menu of reactions
    (``menu_requested``)."""

    react_requested = Signal(object, str, bool)  # MessageView, emoji, undo
    menu_requested = Signal(int, QPoint)  # the row, where (global)
    file_requested = Signal(object)  # a FileView clicked: open a picture, save a file
    images: ImageCache | None = None  # the window's, for pictures (message_files.py)

    MARGIN = 8  # around a row
    PAD = 8  # inside a bubble
    RADIUS = 10
    SHARE = 0.72  # of the view's width a bubble may take
    GAP = 4  # between chips, and between the bubble and its chips

    def _bubble_width(self, option: QStyleOptionViewItem) -> int:
        width = option.rect.width()
        view = self.parent()
        if isinstance(view, QListView):
            width = view.viewport().width()
        return max(120, int(width * self.SHARE))

    def _text_rect(self, option: QStyleOptionViewItem, text: str) -> QRect:
        room = self._bubble_width(option) - 2 * self.PAD
        return QFontMetrics(option.font).boundingRect(
            QRect(0, 0, room, 1_000_000), int(Qt.TextFlag.TextWordWrap), text)

    def _content(self, option: QStyleOptionViewItem, item: Any) -> tuple[QRect, FilesLayout]:
        """The text's rect and the attachments' layout (under the text, if any)."""
        files = FilesLayout.of(item.attachments, self._bubble_width(option) - 2 * self.PAD,
                               option.font)
        text = self._text_rect(option, item.text) if item.text.strip() or not files.items \
            else QRect(0, 0, 0, -GAP)
        return text, files

    def _chip_lines(self, option: QStyleOptionViewItem, item: Any,
                    ) -> list[list[tuple[Hit, int, str, bool]]]:
        """The reaction chips (hit, width, label, ours) in lines as wide as a bubble
        may be."""
        small = self._small(option.font)
        room = self._bubble_width(option)
        lines: list[list[tuple[Hit, int, str, bool]]] = []
        x = room
        for emoji, count, ours in item.reactions:
            label = f"{emoji} {count}"
            width = chip_width(small, label, emoji=True)
            if x + width > room:
                lines.append([])
                x = 0
            lines[-1].append((Hit("reaction", emoji), width, label, ours))
            x += width + self.GAP
        return lines

    def _chip_height(self, option: QStyleOptionViewItem) -> int:
        return QFontMetrics(emoji_font(self._small(option.font))).height() + 4

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        item = index.data(MessageRole)
        if item is None:
            return QSize(0, 0)
        line = QFontMetrics(self._small(option.font)).height()
        text, files = self._content(option, item)
        chips = len(self._chip_lines(option, item)) * (self._chip_height(option) + self.GAP)
        inner = text.height() + (GAP + files.size.height() if files.items else 0)
        return QSize(max(120, option.rect.width()),
                     line + 2 + inner + 2 * self.PAD + 2 * self.MARGIN + chips)

    @staticmethod
    def _small(font: QFont) -> QFont:
        small = QFont(font)
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.85)
        return small

    def parts(self, option: QStyleOptionViewItem, item: Any) -> Parts:
        """Where ``item``'s parts go in the row at ``option.rect``: what painting and
        clicks both read."""
        rect: QRect = option.rect.adjusted(self.MARGIN, self.MARGIN // 2,
                                           -self.MARGIN, -self.MARGIN // 2)
        metrics = QFontMetrics(self._small(option.font))
        line = metrics.height()
        text, files = self._content(option, item)
        width = max(text.width(), files.size.width(), 24) + 2 * self.PAD
        left = rect.right() - width if item.own else rect.left()
        inner = text.height() + (GAP + files.size.height() if files.items else 0)
        bubble = QRect(left, rect.top() + line + 2, width, inner + 2 * self.PAD)
        height = self._chip_height(option)
        chips = []
        y = bubble.bottom() + 1 + self.GAP
        for chip_line in self._chip_lines(option, item):
            total = sum(w for _h, w, _l, _o in chip_line) + self.GAP * (len(chip_line) - 1)
            x = bubble.right() + 1 - total if item.own else bubble.left()
            for hit, chip_w, label, ours in chip_line:
                chips.append((hit, QRect(x, y, chip_w, height), label, ours))
                x += chip_w + self.GAP
            y += height + self.GAP
        side = metrics.horizontalAdvance(REACT_MARK) + 16
        x = bubble.left() - self.GAP - side if item.own else bubble.right() + 1 + self.GAP
        return Parts(QRect(rect.left(), rect.top(), rect.width(), line), bubble,
                     tuple(chips), QRect(x, bubble.center().y() - height // 2, side, height),
                     files, QPoint(bubble.left() + self.PAD,
                                   bubble.top() + self.PAD + text.height() + GAP))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        item = index.data(MessageRole)
        if item is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette: QPalette = option.palette
        small = self._small(option.font)
        parts = self.parts(option, item)
        bubble = parts.bubble
        when = when_text(item, int(time.time() * 1000))
        over = when if item.delivery is None else f"{when} · {delivery_text(item.delivery)}"
        model = index.model()
        if not item.own and getattr(model, "group", False):
            over = f"{display_name(item.author_name, item.author)} · {when}"
        align = Qt.AlignmentFlag.AlignRight if item.own else Qt.AlignmentFlag.AlignLeft
        painter.setFont(small)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(parts.over, int(align | Qt.AlignmentFlag.AlignVCenter), over)
        fill, ink = ((QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText)
                     if item.own else
                     (QPalette.ColorRole.AlternateBase, QPalette.ColorRole.Text))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.brush(fill))
        painter.drawRoundedRect(bubble, self.RADIUS, self.RADIUS)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawRoundedRect(bubble.adjusted(-2, -2, 2, 2), self.RADIUS + 2,
                                    self.RADIUS + 2)
        painter.setFont(option.font)
        painter.setPen(palette.color(ink))
        painter.drawText(bubble.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD),
                         int(Qt.TextFlag.TextWordWrap), item.text)
        parts.files.paint(painter, palette, parts.files_at, self.images, small)
        for _hit, chip, label, ours in parts.chips:
            paint_chip(painter, palette, chip, label, ours, small, emoji=True)
        near = QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_HasFocus
        if getattr(model, "reactable", False) and option.state & near:
            paint_chip(painter, palette, parts.react, REACT_MARK, False, small)
        painter.restore()

    # --- clicks -----

    def hit_at(self, option: QStyleOptionViewItem, index: AnyIndex, pos: QPoint) -> Hit | None:
        """The chip (or the ☺) under ``pos`` in the row at ``option.rect``, where one may
        react; None elsewhere."""
        item = index.data(MessageRole)
        if item is None or not getattr(index.model(), "reactable", False):
            return None
        parts = self.parts(option, item)
        hit = next((hit for hit, chip, _l, _o in parts.chips if chip.contains(pos)), None)
        return hit or (Hit("react") if parts.react.contains(pos) else None)

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: AnyIndex) -> bool:
        if (event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent)
                or event.button() != Qt.MouseButton.LeftButton):
            return super().editorEvent(event, model, option, index)
        item = index.data(MessageRole)
        if item is not None and item.attachments:
            parts = self.parts(option, item)
            clicked = parts.files.at(parts.files_at, event.position().toPoint())
            if clicked is not None:
                self.file_requested.emit(clicked)
                return True
        hit = self.hit_at(option, index, event.position().toPoint())
        if hit is None:
            return super().editorEvent(event, model, option, index)
        item = index.data(MessageRole)
        if hit.kind == "reaction":
            self.react_requested.emit(item, hit.value, hit.value in ours_of(item))
        else:
            self.menu_requested.emit(index.row(), event.globalPosition().toPoint())
        return True

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,
                  option: QStyleOptionViewItem, index: AnyIndex) -> bool:
        hit = self.hit_at(option, index, event.pos()) if index.isValid() else None
        if hit is None:
            return super().helpEvent(event, view, option, index)
        if hit.kind == "react":
            tip = tr("React…")
        elif hit.value in ours_of(index.data(MessageRole)):
            tip = tr("Take back your {0}").format(hit.value)
        else:
            tip = tr("React with {0} too").format(hit.value)
        QToolTip.showText(event.globalPos(), tip, view)
        return True


def ours_of(item: Any) -> set[str]:
    """The emoji we reacted to ``item`` with."""
    return {emoji for emoji, _count, ours in item.reactions if ours}


class MessageList(QListView):
    """The messages. Asks for older ones when scrolled to the top (or while it is not
    full), keeps the reader's place when they are inserted above, follows the bottom as
    new ones come while the reader is there (or when the message is their own), and
    leaves them alone when they are reading further up. Ctrl+C copies a message.

    The menu of a message (a right click, the menu key or Shift+F10 on the current one,
    or its ☺) offers the common reactions, checked where ours, where the model is
    ``reactable``, and Copy text; ``react_requested`` carries a choice, as a click on
    a chip does."""

    react_requested = Signal(object, str, bool)  # MessageView, emoji, undo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.delegate = MessageDelegate(self)
        self.setItemDelegate(self.delegate)
        self.delegate.react_requested.connect(self.react_requested)
        self.delegate.menu_requested.connect(
            lambda row, where: self.open_menu(self.model().index(row, 0), where))
        self.menu: QMenu | None = None  # the menu open now (tests choose in it)
        self.extra_actions: Callable[[QMenu, Any], None] | None = None  # a community's
        self.setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)  # the ☺ of the row pointed at
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setAccessibleName(tr("Messages"))
        self._from_bottom: int | None = 0  # keep this distance to the bottom (0: follow it)
        self._adjusting = False
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.valueChanged.connect(self._scrolled)

    def message_model(self) -> MessageModel | None:
        model = self.model()
        return model if isinstance(model, MessageModel) else None

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        if isinstance(model, MessageModel):
            model.modelAboutToBeReset.connect(self._follow_bottom)
            model.rowsAboutToBeInserted.connect(self._before_insert)
            model.appended.connect(self._appended)
            model.loading_changed.connect(lambda _busy: self._range_changed())
            model.dataChanged.connect(  # reactions came or went: heights change
                lambda *_a: self.scheduleDelayedItemsLayout())

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _follow_bottom(self) -> None:
        self._from_bottom = 0

    def _before_insert(self, _parent: QModelIndex, first: int, _last: int) -> None:
        bar = self.verticalScrollBar()
        if first == 0 and self.model().rowCount() > 0:  # older ones above: keep the place
            self._from_bottom = bar.maximum() - bar.value()
        elif self._from_bottom != 0:  # new ones below, read from further up: stay
            self._from_bottom = None

    def _appended(self, own: bool) -> None:
        if own:  # what one just sent is shown, wherever one was reading
            self._from_bottom = 0
            self._range_changed()

    def _range_changed(self, *_args: object) -> None:
        bar = self.verticalScrollBar()
        if self._from_bottom is not None:
            self._adjusting = True
            try:
                bar.setValue(bar.maximum() - self._from_bottom)
            finally:
                self._adjusting = False
        model = self.message_model()
        if model is not None and bar.maximum() == 0 and model.has_older:
            model.fetch_older()  # the view is not full yet

    def _scrolled(self, value: int) -> None:
        if self._adjusting:
            return
        self._from_bottom = 0 if self.at_bottom() else None
        model = self.message_model()
        if model is not None and value <= OLDER_MARGIN and self.verticalScrollBar().maximum():
            model.fetch_older()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if event.matches(QKeySequence.StandardKey.Copy):
            item = index.data(MessageRole)
            if item is not None:
                QGuiApplication.clipboard().setText(item.text)
            return
        shift = event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        if index.isValid() and (event.key() == Qt.Key.Key_Menu
                                or (event.key() == Qt.Key.Key_F10 and shift)):
            self.open_menu(index, self.viewport().mapToGlobal(
                self.visualRect(index).center()))
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        mouse = event.reason() == QContextMenuEvent.Reason.Mouse
        index = self.indexAt(event.pos()) if mouse else self.currentIndex()
        if index.isValid():
            self.setCurrentIndex(index)
            self.open_menu(index, event.globalPos())

    def open_menu(self, index: AnyIndex, where: QPoint) -> None:
        """The menu of the message at ``index``: reactions (where one may react), Copy
        text, and its pictures and files (Open, Save…)."""
        item = index.data(MessageRole)
        if item is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setAccessibleName(tr("Message actions"))
        model = self.message_model()
        if model is not None and model.reactable:
            ours = ours_of(item)
            shown = [e for e, _n, _o in item.reactions]
            for emoji in dict.fromkeys([*REACT_CHOICES, *shown]):
                action = menu.addAction(emoji)
                action.setCheckable(True)
                action.setChecked(emoji in ours)
                action.triggered.connect(lambda _checked=False, e=emoji: self.react_requested
                                         .emit(item, e, e in ours))
            menu.addSeparator()
        copy = menu.addAction(tr("Copy text"))
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(item.text))
        for f in item.attachments:  # by keyboard too: open a picture, save a file
            menu.addAction(file_action(f)).triggered.connect(
                lambda _checked=False, f=f: self.delegate.file_requested.emit(f))
        if self.extra_actions is not None:  # Report, Hide, Remove (ui/moderation.py)
            self.extra_actions(menu, item)
        menu.destroyed.connect(lambda _obj=None, m=menu: self._menu_closed(m))
        self.menu = menu
        menu.popup(where)

    def _menu_closed(self, menu: QMenu) -> None:
        if self.menu is menu:
            self.menu = None
