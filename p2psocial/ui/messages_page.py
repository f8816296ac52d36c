"""Messages: private conversations, a list on the left and the open one on the right.

Theory of operation
-------------------

The node keeps conversations and their read state (``Node.messages.conversations``,
``conversation``, ``mark_conversation_read``, ``unread_messages``); this page only
shows them and sends what is typed (``send_message``).

The list. ``conversation_list.ConversationListModel`` holds the conversations and
groups newest first, with their unread counts; it is read whole again on a change.

Live. The page follows the node's events from the start, also while hidden (the
window shows the unread count, ``unread_changed``), the one way the ui does it
(``post_model.follow_events``). A ``MessageAdded`` (or ``Lagged``) event reads the
list again; when it concerns the open conversation its new messages are appended,
and if the page is on screen they are read at once.

Read. Opening a conversation (a click or Enter on its row) shows it on the right
(conversation_view.py) and marks it read; the unread count is asked again and
``ctx.notifications_changed`` tells the window and the tray that unread counts moved.

New message. ``NewMessagePanel``: the people you follow as a checklist with a filter
(at most ``RECIPIENTS_MAX``: the envelope has a slot for each reader, you included),
a text, Send; the node stores the message and the conversation it started (or the
one these people already share with you) opens.

Communities. An open LAN community (store/communities.py) is a group that anyone on
the LAN may join: it is listed, read and written like one, marked "Community" with
its member count. New community (``communities.NewCommunityPanel``) asks for a name
only. The People section's Join shows a community it joined here through
``ctx.open_conversation`` (the window calls ``open_conversation``, which waits for
the list to hold it). A ``RosterChanged`` event reads the list again (member counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from ..errors import UserError
from ..events import Lagged, MessageAdded, RosterChanged
from ..private import MAX_GROUP_MEMBERS, MAX_RECIPIENTS, NAME_MAX
from .avatar import display_name
from .communities import NewCommunityPanel
from .context import tr
from .conversation_list import (
    BADGE_CAP,
    ConversationList,
    ConversationListModel,
    is_group,
    others,
    title_of,
)
from .conversation_view import ChatInput, ConversationPane
from .group_bar import account_label, people_you_follow
from .icons import icon
from .loop import one_line
from .post_actions import EmptyStack
from .post_model import follow_events
from .widgets import MessageLine, heading_font, plural

if TYPE_CHECKING:
    from ..node import Node
    from .context import AppContext
    from .loop import Call

RECIPIENTS_MAX = MAX_RECIPIENTS  # others in a direct conversation (the envelope's slots)
GROUP_MEMBERS_MAX = MAX_GROUP_MEMBERS - 1  # others in a group


# --- a new conversation ------------------------------------------------------------------


async def start_group(node: Node, name: str, members: Sequence[bytes], text: str) -> bytes:
    """Create a group and post its first message (if there is one); its id."""
    group_id = await node.groups.create(name, list(members))
    if text.strip():
        await node.groups.post(group_id, text)
    return group_id


async def start_conversation(node: Node, recipients: Sequence[bytes], text: str) -> bytes:
    """Send the first message to ``recipients``; the id of their conversation with us."""
    await node.messages.send(list(recipients), text)
    wanted = set(recipients)
    me = node.account_id
    for conversation in await node.messages.conversations():
        if set(conversation.members) - {me} == wanted and not is_group(conversation):
            return bytes(conversation.id)
    raise UserError(tr("The message was sent, but its conversation was not found."))


class NewMessagePanel(QWidget):
    """Choose people you follow (a filtered checklist), write, send; ``started(id)``
    says the node stored the message (the id of its conversation). ``cancelled`` when
    the person gives up (the text stays for next time, the choice too).

    ``set_group_mode(True)``: the same for a new group, with its name; its first
    message is optional."""

    started = Signal(bytes)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._load_call: Call | None = None
        self._send_call: Call | None = None
        self.group_mode = False
        self.heading = heading = QLabel(tr("New message"))
        heading.setFont(heading_font(heading.font(), 12))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("group_name")
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText(tr("Group name"))
        self.name_edit.setAccessibleName(tr("Group name"))
        self.name_edit.textChanged.connect(self._update)
        self.name_edit.hide()
        self.filter = QLineEdit()
        self.filter.setObjectName("recipient_filter")
        self.filter.setPlaceholderText(tr("Find people you follow"))
        self.filter.setAccessibleName(tr("Find people you follow"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._focus_people)
        self.people = QListWidget()
        self.people.setObjectName("recipients")
        self.people.setAccessibleName(tr("People you follow; check those to write to"))
        self.people.itemChanged.connect(self._checked)
        self._pressed: tuple[QListWidgetItem, Qt.CheckState] | None = None
        self.people.itemPressed.connect(self._press)
        self.people.itemClicked.connect(self._clicked)
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("recipients_chosen")
        self.none_label = QLabel(tr("You follow nobody yet. Follow someone (People) to "
                                    "write to them."))
        self.none_label.setWordWrap(True)
        self.none_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.none_label.hide()
        self.error_line = MessageLine("new_message_error")
        self.input = ChatInput()
        self.input.setObjectName("new_message_text")
        self.input.setAccessibleName(tr("Message"))
        self.input.setPlaceholderText(tr("Write a message"))
        self.input.setToolTip(tr("Enter sends, Shift+Enter starts a new line"))
        self.input.submitted.connect(self.send)
        self.input.textChanged.connect(self._update)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancelled.emit)
        self.send_button = QPushButton(tr("Send"))
        self.send_button.setObjectName("send_new_message")
        self.send_button.setIcon(icon("send"))
        self.send_button.setAccessibleName(tr("Send the message"))
        self.send_button.clicked.connect(self.send)
        buttons = QHBoxLayout()
        buttons.addWidget(self.chosen_label, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading)
        column.addWidget(self.name_edit)
        column.addWidget(self.filter)
        column.addWidget(self.none_label)
        column.addWidget(self.people, 1)
        column.addWidget(self.error_line)
        column.addWidget(self.input)
        column.addLayout(buttons)
        self.setFocusProxy(self.filter)
        for order in ((self.name_edit, self.filter), (self.filter, self.people),
                      (self.people, self.input), (self.input, self.cancel_button),
                      (self.cancel_button, self.send_button)):
            QWidget.setTabOrder(*order)
        self._update()

    @property
    def recipients(self) -> list[bytes]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self._items()
                if item.checkState() == Qt.CheckState.Checked]

    @property
    def sending(self) -> bool:
        return self._send_call is not None

    @property
    def cap(self) -> int:
        """How many people may be chosen."""
        return GROUP_MEMBERS_MAX if self.group_mode else RECIPIENTS_MAX

    def set_group_mode(self, on: bool) -> None:
        self.group_mode = on
        self.heading.setText(tr("New group") if on else tr("New message"))
        self.name_edit.setVisible(on)
        self.setFocusProxy(self.name_edit if on else self.filter)
        self.input.setPlaceholderText(
            tr("A first message (optional)") if on else tr("Write a message"))
        self.send_button.setAccessibleName(tr("Create the group") if on
                                           else tr("Send the message"))
        self.error_line.clear()
        self._set_busy(False)

    def _items(self) -> list[QListWidgetItem]:
        return [self.people.item(row) for row in range(self.people.count())]

    def start(self, chosen: Sequence[bytes] = ()) -> None:
        """Read the people we follow again (what was chosen stays chosen)."""
        keep = set(self.recipients) | set(chosen)
        if self._load_call is not None:
            self._load_call.cancel()
        self._load_call = self.ctx.call(people_you_follow, self.ctx.node,
                                        on_result=lambda people: self._show(people, keep),
                                        on_error=self._load_failed)

    def stop(self) -> None:
        for call in (self._load_call, self._send_call):
            if call is not None:
                call.cancel()
        self._load_call = None
        if self._send_call is not None:
            self._send_call = None
            self._set_busy(False)

    def choose(self, account: bytes, on: bool = True) -> None:
        for item in self._items():
            if item.data(Qt.ItemDataRole.UserRole) == account:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _show(self, people: list[tuple[bytes, str | None]], keep: set[bytes]) -> None:
        self._load_call = None
        self.people.blockSignals(True)
        try:
            self.people.clear()
            for account, name in people:
                item = QListWidgetItem(account_label(account, name))
                item.setData(Qt.ItemDataRole.UserRole, account)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, display_name(name, account))
                item.setToolTip(ids.account_text(account))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if account in keep
                                   else Qt.CheckState.Unchecked)
                self.people.addItem(item)
        finally:
            self.people.blockSignals(False)
        self.none_label.setVisible(not people)
        self._filter(self.filter.text())
        self._update()

    def _load_failed(self, exc: Exception) -> None:
        self._load_call = None
        self.error_line.show_error(exc)

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for item in self._items():
            account = item.data(Qt.ItemDataRole.UserRole)
            shown = (not needle or needle in item.text().casefold()
                     or needle in ids.account_text(account))
            item.setHidden(not shown)

    def _focus_people(self) -> None:
        shown = [item for item in self._items() if not item.isHidden()]
        if len(shown) == 1 and shown[0].checkState() != Qt.CheckState.Checked:
            shown[0].setCheckState(Qt.CheckState.Checked)  # the one found: take it
            self.filter.clear()
            self.input.setFocus()
            return
        self.people.setFocus()
        if shown:
            self.people.setCurrentItem(shown[0])

    def _press(self, item: QListWidgetItem) -> None:
        self._pressed = (item, item.checkState())

    def _clicked(self, item: QListWidgetItem) -> None:
        """A click on a person's name ticks them, as a click on the box does (the box
        itself has toggled by now: then the state differs from the press)."""
        pressed, self._pressed = self._pressed, None
        if pressed is None or pressed[0] is not item or item.checkState() != pressed[1]:
            return
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def _checked(self, item: QListWidgetItem) -> None:
        if item.checkState() == Qt.CheckState.Checked and len(self.recipients) > self.cap:
            self.people.blockSignals(True)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.people.blockSignals(False)
            self.error_line.show_error(
                tr("A group has at most {0} other members.").format(self.cap)
                if self.group_mode else
                tr("A message goes to at most {0} people.").format(self.cap))
            return
        self.error_line.clear()
        self._update()

    def _update(self) -> None:
        count = len(self.recipients)
        self.chosen_label.setText(plural(tr("%n person(s) chosen", None, count), count)
                                  if count else tr("Choose the members") if self.group_mode
                                  else tr("Choose who to write to"))
        ready = (bool(self.name_edit.text().strip()) if self.group_mode
                 else bool(self.input.toPlainText().strip()))
        self.send_button.setEnabled(bool(count) and ready and not self.sending)

    def send(self) -> None:
        text = self.input.toPlainText()
        name = self.name_edit.text().strip()
        if self.sending or not (name if self.group_mode else text.strip()):
            return
        recipients = self.recipients
        if not recipients:
            self.error_line.show_error(tr("Choose who to write to."))
            return
        self.error_line.clear()
        if self.group_mode:
            self._send_call = self.ctx.call(start_group, self.ctx.node, name, recipients,
                                            text, on_result=self._sent,
                                            on_error=self._send_failed)
        else:
            self._send_call = self.ctx.call(start_conversation, self.ctx.node, recipients,
                                            text, on_result=self._sent,
                                            on_error=self._send_failed)
        self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        self.input.setReadOnly(busy)
        self.name_edit.setReadOnly(busy)
        self.people.setEnabled(not busy)
        idle = tr("Create group") if self.group_mode else tr("Send")
        self.send_button.setText(tr("Sending…") if busy else idle)
        self._update()

    def _sent(self, conversation: bytes) -> None:
        self._send_call = None
        self._set_busy(False)
        self.input.clear()
        self.name_edit.clear()
        for item in self._items():
            item.setCheckState(Qt.CheckState.Unchecked)
        self.filter.clear()
        self.started.emit(conversation)

    def _send_failed(self, exc: Exception) -> None:
        self._send_call = None
        self._set_busy(False)
        self.error_line.show_error(exc)
        self.input.setFocus()


# --- the page ------------------------------------------------------------------------------


class MessagesPage(QWidget):
    """The Messages section of the main window; see the module docstring.

    ``unread_changed(n)`` carries the unread message count (at most 99) for the
    window's badge; ``open_conversation(id)`` and ``new_message(account=None)`` are
    what another view (or the tray) may ask of it; ``stop()`` before the host stops."""

    unread_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.unread = 0
        self._opening: bytes | None = None  # to open once the list has it
        self.model = ConversationListModel(ctx, parent=self)
        self.model.error.connect(ctx.message.emit)
        self.model.loading_changed.connect(self._show_state)
        self.view = ConversationList()
        self.view.setModel(self.model)
        self.model.modelReset.connect(self._list_changed)  # after the view's own reset
        self.view.open_requested.connect(lambda c: self.open_conversation(c.id))
        self.list = EmptyStack(self.view, tr(
            "No messages yet. Write to someone you follow — only the people you write "
            "to can read it."), self)
        self.new_button = QPushButton(tr("New message"))
        self.new_button.setObjectName("new_message")
        self.new_button.setIcon(icon("send"))
        self.new_button.setAccessibleName(tr("New message"))
        self.new_button.clicked.connect(lambda: self.new_message())
        self.group_button = QPushButton(tr("New group"))
        self.group_button.setObjectName("new_group")
        self.group_button.setIcon(icon("people"))
        self.group_button.setAccessibleName(tr("New group"))
        self.group_button.clicked.connect(self.new_group)
        self.community_button = QPushButton(tr("New community"))
        self.community_button.setObjectName("new_community")
        self.community_button.setIcon(icon("people"))
        self.community_button.setAccessibleName(tr("New community"))
        self.community_button.setToolTip(tr("A community open to everyone on your local "
                                            "network"))
        self.community_button.clicked.connect(self.new_community)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.group_button)
        buttons.addWidget(self.community_button)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addLayout(buttons)
        left_column.addWidget(self.list, 1)

        self.pane = ConversationPane(ctx)
        self.pane.sent.connect(self._sent)
        self.pane.group_bar.changed.connect(self.model.load)
        self.new_panel = NewMessagePanel(ctx)
        self.new_panel.started.connect(self._started)
        self.new_panel.cancelled.connect(self._new_cancelled)
        self.community_panel = NewCommunityPanel(ctx)
        self.community_panel.started.connect(self._started)
        self.community_panel.cancelled.connect(self._new_cancelled)
        self.placeholder = QLabel(tr("Choose a conversation, or start a new one."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.right = QStackedWidget()
        for part in (self.placeholder, self.pane, self.new_panel, self.community_panel):
            self.right.addWidget(part)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([280, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        self.setFocusProxy(self.view)
        QWidget.setTabOrder(self.new_button, self.group_button)
        QWidget.setTabOrder(self.group_button, self.community_button)
        QWidget.setTabOrder(self.community_button, self.view)
        QWidget.setTabOrder(self.view, self.pane)

        self._follow = ctx.call(follow_events, ctx.node, self._on_events,
                                on_error=lambda exc: ctx.message.emit(one_line(exc)))
        self.model.load()
        self.refresh_unread()

    # --- what the window asks -----

    @property
    def current(self) -> bytes | None:
        """The conversation shown on the right, if one is."""
        return self.pane.conversation if self.right.currentWidget() is self.pane else None

    def activated(self) -> None:
        """The page is shown: read the list again, and the open conversation's news
        (which are read now)."""
        self.model.load()
        if self.current is not None:
            self.pane.refresh()
            self._mark_read(self.current)
        else:
            self.refresh_unread()

    def stop(self) -> None:
        self._follow.cancel()
        self.model.stop()
        self.pane.stop()
        self.new_panel.stop()
        self.community_panel.stop()

    def refresh_unread(self) -> None:
        self._ctx.call(self._ctx.node.messages.unread, BADGE_CAP, on_result=self._set_unread)

    def open_conversation(self, conversation: bytes) -> None:
        """Show ``conversation`` on the right and mark it read."""
        item = self.model.find(conversation)
        if item is None:  # not in the list yet (just started): once it is
            self._opening = conversation
            self.model.load()
            return
        self._opening = None
        me = self._ctx.me
        self.pane.show_conversation(conversation, [a for a, _n in others(item, me)],
                                    title_of(item, me), is_group(item))
        self.pane.set_group(item if is_group(item) else None)
        self.right.setCurrentWidget(self.pane)
        row = self.model.row_of(conversation)
        self.view.setCurrentIndex(self.model.index(row))
        self.pane.input.setFocus()
        self._mark_read(conversation)

    def new_message(self, account: bytes | None = None) -> None:
        """Start a new conversation (with ``account`` chosen, if given)."""
        self._start_new(False, account)

    def new_community(self) -> None:
        """Start a new community: a name only."""
        self.community_panel.start()
        self.right.setCurrentWidget(self.community_panel)
        self.community_panel.setFocus()

    def new_group(self) -> None:
        """Start a new group: a name, members, perhaps a first message."""
        self._start_new(True, None)

    def _start_new(self, group: bool, account: bytes | None) -> None:
        self.new_panel.set_group_mode(group)
        self.new_panel.start([account] if account is not None else [])
        self.right.setCurrentWidget(self.new_panel)
        self.new_panel.setFocus()

    # --- reading -----

    def _mark_read(self, conversation: bytes) -> None:
        item = self.model.find(conversation)
        if item is not None and not item.unread:
            return
        self._ctx.call(self._ctx.node.messages.mark_read, conversation,
                       on_result=lambda _none: self._marked_read())

    def _marked_read(self) -> None:
        self.model.load()
        self.refresh_unread()
        self._ctx.notifications_changed.emit()

    def _set_unread(self, count: int) -> None:
        self.unread = count
        self.unread_changed.emit(count)

    def _list_changed(self) -> None:
        self._show_state()
        if self._opening is not None and self.model.find(self._opening) is not None:
            self.open_conversation(self._opening)
        elif self.current is not None:
            row = self.model.row_of(self.current)
            if row >= 0:
                self.view.setCurrentIndex(self.model.index(row))
                item = self.model.item_at(row)
                if is_group(item):
                    self.pane.set_group(item)

    def _show_state(self, *_args: object) -> None:
        self.list.set_empty(self.model.loaded and self.model.rowCount() == 0)

    # --- live -----

    def _on_events(self, events: list[Any]) -> None:
        """From the follower task (inside Trio's step): schedule, do not work here."""
        self.pane.note_events(events)  # reactions on the messages it shows
        if any(isinstance(e, (MessageAdded, Lagged)) for e in events):
            QTimer.singleShot(0, self, self._messages_added)
        elif any(isinstance(e, RosterChanged) for e in events):
            QTimer.singleShot(0, self, self.model.load)

    def _messages_added(self) -> None:
        self.model.load()
        current = self.current
        if current is None:
            self.refresh_unread()
            return
        self.pane.refresh()
        if self.isVisible():  # on screen: what comes into the open conversation is read
            self._ctx.call(self._ctx.node.messages.mark_read, current,
                           on_result=lambda _none: self._marked_read())
        else:
            self.refresh_unread()

    def _sent(self, _conversation: bytes) -> None:
        self.model.load()

    def _started(self, conversation: bytes) -> None:
        self._opening = conversation
        self.model.load()

    def _new_cancelled(self) -> None:
        self.right.setCurrentWidget(self.pane if self.pane.conversation is not None
                                    else self.placeholder)
