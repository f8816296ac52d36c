"""The loaded messages of one conversation, as a Qt list model, and the words that
describe a message (its delivery, its reactions) for the view and screen readers.

The node keeps the messages (``Node.messages.conversation``: keyset pages, newest first, each
message with its ``cursor``); ``MessageModel`` holds the loaded ones *oldest first*,
because a chat reads from the top down and grows at the bottom:

- ``load(conversation)`` reads the newest page;
- ``fetch_older()`` reads the page before the oldest loaded message and inserts it
  above (the view asks when it is scrolled to the top, and keeps what the reader
  looks at where it was);
- ``refresh_bottom()`` reads the newest page again and appends what is newer than the
  last loaded message (a message sent or received); if all of that page is new, the
  list starts again from it rather than leave a gap. One walk at a time;
- ``reread(targets)`` reads the changed messages again (reactions, delivery states):
  one read of the span they cover, one at a time.

Each row's ``MessageRole`` is its ``MessageView``; its accessible text says who wrote
it, when, what it says and carries, its reactions and how far it travelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from .avatar import display_name
from .context import tr
from .loop import one_line
from .message_files import describe
from .paged_list import EdgePagedModel
from .post_delegate import full_time
from .post_model import clock_note

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

PAGE_SIZE = 50
REREAD_MAX = 500  # messages read again at once after reactions changed (the store's cap)

AnyIndex = QModelIndex | QPersistentModelIndex
MessageRole = Qt.ItemDataRole.UserRole + 1  # the MessageView


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
