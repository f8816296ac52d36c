"""One private conversation: its messages, chat style, and the box to answer in.

Theory of operation
-------------------

The node keeps the messages (``Node.messages.conversation``: keyset pages, newest first, each
message with its ``cursor``); this module only shows them. ``MessageModel`` holds the
loaded messages *oldest first*, because a chat reads from the top down and grows at
the bottom:

- ``load(conversation)`` reads the newest page;
- ``fetch_older()`` reads the page before the oldest loaded message and inserts it
  above (the view asks when it is scrolled to the top, and keeps what the reader
  looks at where it was);
- ``refresh_bottom()`` reads the newest page again and appends what is newer than the
  last loaded message (a message sent or received); if all of that page is new, the
  list starts again from it rather than leave a gap. One walk at a time.

``MessageDelegate`` paints each message as a bubble (no widget per row): the other
people's on the left in the palette's alternate base, one's own on the right in the
highlight colours; above a bubble, the author (in a group) and the time; under it,
its reactions as chips (``MessageView.reactions``; groups and communities only).

Delivery. Under each of our own direct messages, after its time, a word says how far
it is known to have travelled (``MessageView.delivery``: "Sent", "Carried by a
friend", "Delivered", or "Delivered to 1 of 2"); its tooltip says how that is known.
The node's ``HeldByPeer`` events (a peer said it holds more of our log) have our
loaded messages that are not delivered to everyone read again, as reactions are.

Reactions. In a group we are in (the model is ``reactable``) a click on a chip
toggles our reaction with that emoji; the ☺ beside the bubble of the row pointed at
or current, a right click, the menu key or Shift+F10 open a menu of common emoji.
The node decides (``react_in_group``); its ``MessageReacted`` events, which the
Messages page hands to the pane (``note_events``), make the model read the changed
messages again (``reread``: one read of the span they cover, one at a time).

``ConversationPane`` puts the list above a ``ChatInput`` (Enter sends, Shift+Enter
starts a new line) and a Send button. What is typed is kept as a draft per
conversation (``message_draft_key``), so a failed send, a switch to another
conversation or a restart loses nothing; the text leaves the box only once the node
has stored the message, and an error stays on one line above the box.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
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
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..events import HeldByPeer, Lagged, MessageReacted
from ..settings import Draft
from .avatar import display_name, images_of
from .context import tr
from .group_bar import GroupBar
from .icons import icon
from .loop import one_line
from .message_files import (
    GAP,
    AttachmentTray,
    FilesLayout,
    describe,
    file_action,
    open_file,
    send_message,
)
from .paged_list import EdgePagedModel
from .post_delegate import (
    REACT_CHOICES,
    Hit,
    chip_width,
    emoji_font,
    full_time,
    paint_chip,
    when_text,
)
from .post_model import clock_note
from .widgets import MessageLine, heading_font

if TYPE_CHECKING:
    from .context import AppContext
    from .image_cache import ImageCache
    from .loop import Call

PAGE_SIZE = 50
SAVE_DELAY_MS = 500  # a draft is written this long after the last change
INPUT_LINES = (1, 6)  # the box grows with what is typed, between these
OLDER_MARGIN = 40  # px from the top at which the page before is asked for
REREAD_MAX = 500  # messages read again at once after reactions changed (the store's cap)
REACT_MARK = "☺"  # beside a bubble: the menu of reactions

AnyIndex = QModelIndex | QPersistentModelIndex
MessageRole = Qt.ItemDataRole.UserRole + 1  # the MessageView


def message_draft_key(conversation: bytes) -> str:
    """The draft key of a conversation: one draft per conversation."""
    return "message:" + conversation.hex()


def _key(item: Any) -> tuple[int, int]:
    """Where a message sorts: its cursor (time, then the store's order)."""
    cursor = item.cursor
    return int(getattr(cursor, "ts", item.ts)), int(getattr(cursor, "rowid", 0))


class MessageModel(EdgePagedModel):
    """The loaded messages of one conversation, oldest first (the edge is the bottom:
    paged_list.py); see the module docstring."""

    appended = Signal(bool)  # rows came at the bottom; True if one of them is our own

    def __init__(self, ctx: AppContext, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:
        super().__init__(ctx, page_size, parent)
        self.conversation: bytes | None = None
        self.group = False  # more than two people: authors are named above their bubbles
        self.reactable = False  # a group we are in: its messages may be reacted to
        self._ids: set[bytes] = set()
        self._stale: set[bytes] = set()  # messages whose reactions changed, to read again
        self._reread_call: Call | None = None

    @property
    def has_older(self) -> bool:
        return self._next is not None

    # --- Qt's model interface -----------------------------------------------------------

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            who = tr("You") if item.own else display_name(item.author_name, item.author)
            said = tr("{0}, {1}: {2}").format(who, full_time(item.ts) + clock_note(item),
                                              " ".join(filter(None, (
                                                  item.text, describe(item.attachments)))))
            if item.delivery is not None:
                said = f"{said}. {delivery_text(item.delivery)}"
            return f"{said}. {reactions_text(item.reactions)}" if item.reactions else said
        if role == Qt.ItemDataRole.ToolTipRole:
            if item.delivery is not None:
                return f"{full_time(item.ts)}\n{delivery_tip(item.delivery)}"
            return full_time(item.ts)
        if role == MessageRole:
            return item
        return None

    # --- loading --------------------------------------------------------------------------

    def load(self, conversation: bytes | None, group: bool = False) -> None:
        """Show ``conversation`` from its newest page (None: nothing)."""
        self.stop()
        self.conversation = conversation
        self.group = group
        self.beginResetModel()
        self._items, self._ids, self._next = [], set(), None
        self.endResetModel()
        if conversation is not None:
            self.request_page(self._ctx.node.messages.conversation, conversation, before=None)

    def stop(self) -> None:
        super().stop()
        if self._reread_call is not None:
            self._reread_call.cancel()
            self._reread_call = None
        self._stale = set()

    def fetch_older(self) -> None:
        if self._next is not None and self._page_call is None:
            self.request_page(self._ctx.node.messages.conversation, self.conversation,
                              before=self._next)

    def refresh_bottom(self) -> None:
        """Append the messages newer than the last one loaded (one walk at a time)."""
        self.refresh_edge()

    def reread(self, targets: Iterable[bytes]) -> None:
        """Read the loaded messages among ``targets`` again (their reactions changed).
        One read at a time, of the span from the newest of them down (at most
        ``REREAD_MAX`` messages); what comes meanwhile waits for the next one."""
        self._stale |= self._ids.intersection(targets)
        if self._reread_call is not None or not self._stale or self.conversation is None:
            return
        rows = [row for row, m in enumerate(self._items) if m.id in self._stale]
        newest = self._items[rows[-1]]
        span = self._items[max(0, rows[-1] - REREAD_MAX + 1):rows[-1] + 1]
        self._stale.difference_update(m.id for m in span)
        after = replace(newest.cursor, rowid=newest.cursor.rowid + 1)  # just after it
        generation = self._generation
        self._reread_call = self._ctx.call(
            self._ctx.node.messages.conversation, self.conversation, len(span), after,
            on_result=lambda page: self._reread_came(generation, page),
            on_error=lambda exc: self._reread_failed(generation, exc))

    def _reread_came(self, generation: int, page: Any) -> None:
        if generation != self._generation:
            return
        self._reread_call = None
        fresh = {m.id: m for m in page.items}
        for row, item in enumerate(self._items):
            again = fresh.get(item.id)
            if again is not None and again != item:
                self._items[row] = again
                self.dataChanged.emit(self.index(row), self.index(row))
        self.reread(())

    def _reread_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self._reread_call = None
        self.error.emit(one_line(exc))

    def _on_page(self, before: Any, page: Any) -> None:
        fresh = sorted((m for m in page.items if m.id not in self._ids), key=_key)
        if before is None:
            self.beginResetModel()
            self._items = sorted(page.items, key=_key)
            self._ids = {m.id for m in self._items}
            self.endResetModel()
        elif fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._items[:0] = fresh
            self._ids.update(m.id for m in fresh)
            self.endInsertRows()

    def _edge_fetch(self) -> tuple[Any, ...] | None:
        if self.conversation is None:
            return None
        return self._ctx.node.messages.conversation, self.conversation

    def _on_edge(self, page: Any) -> None:
        last = _key(self._items[-1]) if self._items else None
        newer = sorted((m for m in page.items if m.id not in self._ids
                        and (last is None or _key(m) >= last)), key=_key)
        if self._items and len(newer) == len(page.items) and page.next is not None:
            self._on_page(None, page)  # a gap would be left: start again
            self._next = page.next
            self.appended.emit(any(m.own for m in newer))
        elif newer:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(newer) - 1)
            self._items += newer
            self._ids.update(m.id for m in newer)
            self.endInsertRows()
            self.appended.emit(any(m.own for m in newer))


@dataclass(frozen=True, slots=True)
class Parts:
    """Where the parts of one message go in its row, in the view's coordinates."""

    over: QRect  # the author (in a group) and the time
    bubble: QRect
    chips: tuple[tuple[Hit, QRect, str, bool], ...]  # the reactions: what, where, label, ours
    react: QRect  # the ☺ beside the bubble that offers reactions
    files: FilesLayout  # pictures and files, under the text
    files_at: QPoint  # where they start


def delivery_text(delivery: Any) -> str:
    """A few words for a ``Delivery``, shown after the time of one of our messages."""
    state = delivery.state
    if state == "delivered":
        return tr("Delivered")
    if state == "partly_delivered":
        return tr("Delivered to {0} of {1}").format(len(delivery.delivered_to),
                                                    len(delivery.recipients))
    return tr("Carried by a friend") if state == "carried" else tr("Sent")


def delivery_tip(delivery: Any) -> str:
    """What a delivery state means, and how it is known (docs/network.md)."""
    state = delivery.state
    if state in ("delivered", "partly_delivered"):
        return tr("A device of the person it is for told this device that it holds this "
                  "message. That does not mean it was read.")
    if state == "carried":
        return tr("A friend's device that carries your messages said it holds this one. "
                  "It passes it on when it meets the person it is for; it cannot read it.")
    return tr("Ready to travel from this device. Nobody else is known to have it yet: it "
              "leaves when you, or a friend who carries your messages, meet the person it "
              "is for.")


def reactions_text(reactions: Sequence[tuple[str, int, bool]]) -> str:
    """The reactions on a message in words, for screen readers: 'Reactions: 👍 2 (yours
    among them), 🎉 1'."""
    return tr("Reactions: {0}").format(", ".join(
        tr("{0} {1} (yours among them)").format(emoji, count) if ours
        else f"{emoji} {count}" for emoji, count, ours in reactions))


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
        menu.destroyed.connect(lambda _obj=None, m=menu: self._menu_closed(m))
        self.menu = menu
        menu.popup(where)

    def _menu_closed(self, menu: QMenu) -> None:
        if self.menu is menu:
            self.menu = None


class ChatInput(QPlainTextEdit):
    """The box a message is typed in: Enter sends (``submitted``), Shift+Enter starts a
    new line; it grows with its text between ``INPUT_LINES``."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_args: object) -> None:
        lines = int(self.document().size().height())
        shown = max(INPUT_LINES[0], min(INPUT_LINES[1], lines))
        frame = 2 * (self.frameWidth() + int(self.document().documentMargin()))
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing() + frame + 4)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            return
        super().keyPressEvent(event)


class ConversationPane(QWidget):
    """One conversation: a title, its messages, and the box to answer in.

    ``show_conversation(id, title, group)`` switches to a conversation (the draft of
    the one before is kept); ``sent(conversation)`` says the node stored a message we
    wrote; ``stop()`` saves the draft and cancels the calls in flight.

    In a group we are in, a message's chips and menu react (``Node.groups.react``);
    ``note_events`` (the Messages page's follower) has the open conversation's
    changed messages read again (all loaded ones after ``Lagged``)."""

    sent = Signal(bytes)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.conversation: bytes | None = None
        self.recipients: tuple[bytes, ...] = ()
        self.group = False
        self._send_call: Call | None = None
        self._reactions: list[Call] = []
        self._reacted: set[bytes] | None = None  # targets noted by the follower, to read
        self._loading_draft = False
        self.title = QLabel()
        self.title.setObjectName("conversation-title")
        self.title.setFont(heading_font(self.title.font(), 12))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.title, 1)
        self.group_bar = GroupBar(ctx)
        self.group_bar.hide()
        self.model = MessageModel(ctx, parent=self)
        self.model.error.connect(ctx.message.emit)
        self.view = MessageList()
        self.view.setModel(self.model)
        self.view.react_requested.connect(self.react)
        self.view.delegate.images = images = images_of(ctx)
        images.ready.connect(lambda _blob: self.view.viewport().update())
        self.view.delegate.file_requested.connect(lambda f: open_file(ctx, f, self))
        self.error_line = MessageLine("message_error")
        self.tray = AttachmentTray()
        self.tray.changed.connect(self._update_send)
        self.tray.error.connect(self.error_line.show_error)
        self.closed_line = QLabel()
        self.closed_line.setObjectName("conversation_closed")
        self.closed_line.setWordWrap(True)
        self.closed_line.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.closed_line.hide()
        self._writable = True
        self.input = ChatInput()
        self.input.setObjectName("message_text")
        self.input.setAccessibleName(tr("Message"))
        self.input.setPlaceholderText(tr("Write a message"))  # short: one line shows
        self.input.setToolTip(tr("Enter sends, Shift+Enter starts a new line"))
        self.input.submitted.connect(self.send)
        self.input.textChanged.connect(self._changed)
        self.send_button = QPushButton(tr("Send"))
        self.send_button.setObjectName("send_message")
        self.send_button.setIcon(icon("send"))
        self.send_button.setAccessibleName(tr("Send the message"))
        self.send_button.setToolTip(tr("Send (Enter)"))
        self.send_button.clicked.connect(self.send)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.header)
        column.addWidget(self.group_bar)
        column.addWidget(self.view, 1)
        column.addWidget(self.error_line)
        column.addWidget(self.closed_line)
        column.addWidget(self.tray)
        column.addLayout(row)
        self.setFocusProxy(self.input)
        QWidget.setTabOrder(self.view, self.input)
        QWidget.setTabOrder(self.input, self.send_button)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_draft)
        self._update_send()

    @property
    def text(self) -> str:
        return self.input.toPlainText()

    @property
    def sending(self) -> bool:
        return self._send_call is not None

    def show_conversation(self, conversation: bytes, recipients: Sequence[bytes], title: str,
                          group: bool = False) -> None:
        """Show ``conversation``; a message typed here goes to ``recipients`` (the
        members but us)."""
        self.recipients = tuple(recipients)
        self.group = group
        self._update_reactable()
        self.title.setText(title)
        self.view.setAccessibleName(tr("Messages with {0}").format(title))
        self.input.setAccessibleName(tr("Message to {0}").format(title))
        if conversation == self.conversation:
            return
        self._forget_send()
        self.save_draft()
        self.conversation = conversation
        self.model.load(conversation, group or len(self.recipients) > 1)
        self._loading_draft = True
        try:
            self.input.setPlainText(self.ctx.backend.drafts.get(
                message_draft_key(conversation)).text)
        finally:
            self._loading_draft = False
        self.error_line.clear()
        self._update_send()

    def set_group(self, group: Any) -> None:
        """The group shown (a GroupView, read again after a change), or None for a
        direct conversation: its members and actions above the messages; no writing
        once we are out of it."""
        self.group_bar.set_group(group)
        if group is not None and not group.member:
            self.set_writable(False, tr(
                "You left this community. Join it again from People while a member is "
                "on your local network.") if group.community
                else tr("You are no longer a member of this group."))
        else:
            self.set_writable(True)

    def refresh(self) -> None:
        """New messages may have come: append them."""
        self.model.refresh_bottom()

    def stop(self) -> None:
        if not self.sending:
            self.save_draft()
        self._forget_send()
        self.model.stop()
        self.group_bar.stop()
        for call in self._reactions:
            call.cancel()
        self._reactions = []

    # --- reactions -----

    def _update_reactable(self) -> None:
        reactable = self.group and self._writable
        if reactable != self.model.reactable:
            self.model.reactable = reactable
            self.view.viewport().update()

    def react(self, item: Any, emoji: str, undo: bool) -> None:
        """React to ``item`` with ``emoji`` (or take it back); the node's event has the
        message read again. A refusal stays on the error line."""
        if not self.model.reactable:
            return
        self.error_line.clear()
        self._reactions = [c for c in self._reactions if not (c.finished or c.cancelled)]
        self._reactions.append(self.ctx.call(
            functools.partial(self.ctx.node.groups.react, undo=undo), item.conversation,
            item.id, emoji, on_error=self.error_line.show_error))

    def note_events(self, events: list[Any]) -> None:
        """Node events, from the Messages page's follower (inside Trio's step): note
        the messages whose reactions changed, read them later."""
        targets = {e.target for e in events if isinstance(e, MessageReacted)
                   and e.conversation == self.conversation}
        if any(isinstance(e, HeldByPeer) for e in events):  # delivery states may change
            targets |= {m.id for m in self.model.items if m.delivery is not None
                        and m.delivery.state != "delivered"}
        if any(isinstance(e, Lagged) for e in events):
            targets |= {m.id for m in self.model.items}
        if not targets:
            return
        if self._reacted is None:
            self._reacted = set()
            QTimer.singleShot(0, self, self._read_reacted)
        self._reacted |= targets

    def _read_reacted(self) -> None:
        targets, self._reacted = self._reacted or set(), None
        self.model.reread(targets)

    # --- drafts -----

    def save_draft(self) -> None:
        self._save_timer.stop()
        if self.conversation is None:
            return
        try:
            self.ctx.backend.drafts.put(message_draft_key(self.conversation),
                                        Draft(self.text))
        except OSError as exc:  # a full disk: say so, keep the text in the box
            self.error_line.show_error(tr("The draft was not saved: {0}").format(one_line(exc)))

    def _changed(self) -> None:
        self._update_send()
        if not self._loading_draft:
            self.error_line.clear()
            self._save_timer.start()

    # --- sending -----

    def set_writable(self, writable: bool, why: str = "") -> None:
        """Whether one may write here (not after leaving a group); ``why`` not."""
        self._writable = writable
        self._update_reactable()
        self.input.setEnabled(writable)
        self.closed_line.setText(why)
        self.closed_line.setVisible(not writable and bool(why))
        self._update_send()

    def _update_send(self) -> None:
        self.send_button.setEnabled((bool(self.text.strip()) or not self.tray.empty)
                                    and not self.sending
                                    and self.conversation is not None and self._writable)

    def send(self) -> None:
        """Send what is typed (Enter), with the pictures and files chosen. The node
        decides the limits; its error stays on one line and the text stays in the box."""
        if (self.sending or (not self.text.strip() and self.tray.empty)
                or self.conversation is None or not self._writable):
            return
        self.error_line.clear()
        conversation = self.conversation
        self._send_call = self.ctx.call(
            send_message, self.ctx.node, conversation, None if self.group else
            self.recipients, self.text, list(self.tray.pictures), list(self.tray.files),
            on_result=lambda _entry: self._sent(conversation), on_error=self._send_failed)
        self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        self.tray.set_busy(busy)
        self.input.setReadOnly(busy)
        self.send_button.setText(tr("Sending…") if busy else tr("Send"))
        self._update_send()

    def _forget_send(self) -> None:
        if self._send_call is not None:
            self._send_call.cancel()
            self._send_call = None
            self._set_busy(False)

    def _sent(self, conversation: bytes) -> None:
        self._send_call = None
        self._set_busy(False)
        self.ctx.backend.drafts.discard(message_draft_key(conversation))
        self._loading_draft = True
        try:
            self.input.clear()
            self.tray.clear()
        finally:
            self._loading_draft = False
        self._update_send()
        self.model.refresh_bottom()
        self.sent.emit(conversation)
        self.input.setFocus()

    def _send_failed(self, exc: Exception) -> None:
        self._send_call = None
        self._set_busy(False)
        self.error_line.show_error(exc)
        self.input.setFocus()


def conversation_title(names: list[str]) -> str:
    """'Bob', 'Bob and Carol', 'Bob, Carol and Dave'."""
    if not names:
        return tr("Only you")
    if len(names) == 1:
        return names[0]
    return tr("{0} and {1}").format(", ".join(names[:-1]), names[-1])
