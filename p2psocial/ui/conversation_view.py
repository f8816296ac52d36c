"""One private conversation: its messages, chat style, and the box to answer in.

Theory of operation
-------------------

The node keeps the messages; ``message_model.MessageModel`` holds the loaded ones,
oldest first, and pages through them; ``message_list.MessageList`` and its delegate
paint them as chat bubbles, with their reactions and delivery states.

Delivery. The node's ``HeldByPeer`` events (a peer said it holds more of our log)
have our loaded messages that are not delivered to everyone read again, as reactions
are.

Reactions. In a group we are in, the list's ``react_requested`` becomes the node's
``react_in_group``; its ``MessageReacted`` events, which the Messages page hands to
the pane (``note_events``), make the model read the changed messages again
(``reread``).

``ConversationPane`` puts the list above a ``ChatInput`` (Enter sends, Shift+Enter
starts a new line) and a Send button. What is typed is kept as a draft per
conversation (``message_draft_key``, through ``drafts.DraftKeeper``), so a failed
send, a switch to another conversation or a restart loses nothing; the text leaves
the box only once the node has stored the message, and an error stays on one line
above the box.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..events import HeldByPeer, Lagged, MessageReacted
from ..settings import Draft
from .avatar import images_of
from .context import tr
from .drafts import DraftKeeper
from .group_bar import GroupBar
from .icons import icon
from .message_files import AttachmentTray, open_file, send_message
from .message_list import MessageList
from .message_model import MessageModel
from .moderation import ModerationBar
from .widgets import MessageLine, heading_font

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

INPUT_LINES = (1, 6)  # the box grows with what is typed, between these


def message_draft_key(conversation: bytes) -> str:
    """The draft key of a conversation: one draft per conversation."""
    return "message:" + conversation.hex()


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
        self.drafts = DraftKeeper(ctx, self)
        self.title = QLabel()
        self.title.setObjectName("conversation-title")
        self.title.setFont(heading_font(self.title.font(), 12))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.title, 1)
        self.group_bar = GroupBar(ctx)
        self.group_bar.hide()
        self.moderation = ModerationBar(ctx)
        self.model = MessageModel(ctx, parent=self)
        self.model.error.connect(ctx.message.emit)
        self.view = MessageList()
        self.view.setModel(self.model)
        self.view.react_requested.connect(self.react)
        self.view.extra_actions = self.moderation.add_actions
        self.moderation.changed.connect(self._reload)
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
        column.addWidget(self.moderation)
        column.addWidget(self.view, 1)
        column.addWidget(self.error_line)
        column.addWidget(self.closed_line)
        column.addWidget(self.tray)
        column.addLayout(row)
        self.setFocusProxy(self.input)
        QWidget.setTabOrder(self.view, self.input)
        QWidget.setTabOrder(self.input, self.send_button)
        self.drafts.due.connect(self.save_draft)
        self.drafts.failed.connect(self.error_line.show_error)
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
        with self.drafts.showing():
            self.input.setPlainText(self.drafts.get(message_draft_key(conversation)).text)
        self.error_line.clear()
        self._update_send()

    def set_group(self, group: Any) -> None:
        """The group shown (a GroupView, read again after a change), or None for a
        direct conversation: its members and actions above the messages; no writing
        once we are out of it."""
        self.group_bar.set_group(group)
        self.moderation.set_group(group)
        if group is not None and not group.member:
            self.set_writable(False, tr(
                "You left this community. Join it again from People while a member is "
                "on your local network.") if group.community
                else tr("You are no longer a member of this group."))
        else:
            self.set_writable(True)

    def _reload(self) -> None:
        """What the community shows changed (a removal, a hidden post): read again."""
        self.model.load(self.conversation, True)

    def refresh(self) -> None:
        """New messages may have come: append them."""
        self.model.refresh_bottom()

    def stop(self) -> None:
        if not self.sending:
            self.save_draft()
        self._forget_send()
        self.model.stop()
        self.group_bar.stop()
        self.moderation.stop()
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
        key = message_draft_key(self.conversation) if self.conversation is not None else None
        self.drafts.keep(key, Draft(self.text))

    def _changed(self) -> None:
        self._update_send()
        if self.drafts.changed():
            self.error_line.clear()

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
        self.drafts.discard(message_draft_key(conversation))
        with self.drafts.showing():
            self.input.clear()
            self.tray.clear()
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
