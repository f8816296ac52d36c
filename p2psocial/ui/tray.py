"""The app in the system tray, and desktop notifications for what others did to you.

``Tray(window, ctx)`` puts an icon in the system tray when the desktop has one
(``available``); without one every method still works and does nothing visible, so
the rest of the app never asks. Its menu: Open p2psocial, New post, Quit; a click on
the icon brings the window back. Its tooltip carries the unread count
(``set_unread``, called by app.py with ``Node.feeds.unread_notifications``).

``Notifier(ctx, tray)`` follows the node's events (``post_model.follow_events``, the
one async follower of the ui). A ``Notified`` event says a stored batch created new
notifications: the notifier tells the window (``ctx.notifications_changed``, which
refreshes the unread counts) and, when the person wants desktop notifications and the
window is not the active one, fetches those newest notifications and shows them as
one desktop message ("Bob replied: …"). Deciding what counts as a notification is the
store's job (store/notify.py); this only phrases it.

Private messages the same way: a ``MessageAdded`` event by someone else (our own
never notify) shows "Bob: …" when the window is not active and notifications are on,
and the notifier asks the node for the unread message count
(``unread_messages_changed(n)``), again whenever ``ctx.notifications_changed`` says
unread counts may have moved (the Messages page emits it after marking read).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ..events import Lagged, MessageAdded, Notified
from .avatar import display_name
from .context import tr
from .post_events import follow_events

if TYPE_CHECKING:
    from ..node import Node
    from ..store.views import NotificationPage, NotificationView
    from .context import AppContext
    from .loop import Call
    from .main_window import MainWindow

TITLE = "p2psocial"
SNIPPET = 140  # characters of a post shown in a desktop message
SHOWN_AT_ONCE = 3  # notifications listed in one message; more are counted
MESSAGE_MS = 8000


class Target(NamedTuple):
    """Where a click on a desktop message leads: a section of the window, and in
    Messages, one conversation (None: the list)."""

    section: str
    conversation: bytes | None = None


class MessageShower(Protocol):
    """What the notifier needs of a tray (tests pass a stand-in)."""

    def show_message(self, title: str, text: str, target: Target | None = None) -> None: ...

    def window_active(self) -> bool: ...


class Tray(QObject):
    """The tray icon and its menu, when the desktop has a system tray."""

    def __init__(self, window: MainWindow, ctx: AppContext,
                 parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self.window = window
        self.ctx = ctx
        self.unread = 0
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon: QSystemTrayIcon | None = None
        self.menu = QMenu(window)
        self.open_action = self._action(tr("Open p2psocial"), self.show_window)
        self.post_action = self._action(tr("New post"), self.new_post)
        self.menu.addSeparator()
        self.quit_action = self._action(tr("Quit"), self.quit)
        self.target: Target | None = None  # of the message shown last
        if self.available:
            self.icon = QSystemTrayIcon(_app_icon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.messageClicked.connect(self.message_clicked)
            self.icon.show()
        self.set_unread(0)

    def _action(self, text: str, slot: Any) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(slot)
        return action

    def set_unread(self, count: int) -> None:
        self.unread = count
        tip = (tr("p2psocial: {0} unread").format(count) if count else TITLE)
        if self.icon is not None:
            self.icon.setToolTip(tip)

    def show_message(self, title: str, text: str, target: Target | None = None) -> None:
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.target = target
            self.icon.showMessage(title, text, _app_icon(), MESSAGE_MS)

    def message_clicked(self) -> None:
        """The window, at what the message was about."""
        self.show_window()
        if self.target is not None:
            self.window.open_target(self.target.section, self.target.conversation)

    def window_active(self) -> bool:
        return self.window.isVisible() and self.window.isActiveWindow()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    # --- the menu --------------------------------------------------------------------

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def show_window(self) -> None:
        self.window.show_normal()

    def new_post(self) -> None:
        self.window.new_post()

    def quit(self) -> None:
        """Close for good, even when closing the window would only hide it."""
        self.window.keep_in_tray = False
        self.window.close()


def _app_icon() -> Any:
    from .icons import app_icon

    return app_icon()


# --- notifications ------------------------------------------------------------------


def snippet(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SNIPPET else line[:SNIPPET - 1] + "…"


def notification_text(item: NotificationView) -> str:
    """One notification as a sentence: 'Bob replied: …'."""
    name = display_name(item.actor_name, item.actor)
    text = snippet(item.post.text) if item.post is not None else ""
    if item.kind == "mention":
        return tr("{0} mentioned you: {1}").format(name, text)
    if item.kind == "reply":
        return tr("{0} replied: {1}").format(name, text)
    if item.kind == "reaction":
        return tr("{0} reacted {1} to your post").format(name, item.emoji or "")
    if item.kind == "follow":
        return tr("{0} followed you").format(name)
    return tr("{0} did something that concerns you").format(name)


def message_of(items: list[NotificationView]) -> tuple[str, str]:
    """The title and text of one desktop message for ``items`` (newest first)."""
    if len(items) == 1:
        return TITLE, notification_text(items[0])
    lines = [notification_text(i) for i in items[:SHOWN_AT_ONCE]]
    if len(items) > SHOWN_AT_ONCE:
        lines.append(tr("and {0} more").format(len(items) - SHOWN_AT_ONCE))
    return tr("%n new notifications", None, len(items)), "\n".join(lines)


async def message_lines(node: Node, added: list[MessageAdded]) -> list[str]:
    """'Bob: …' for each message (its author's name and the start of its text)."""
    lines = []
    for event in added:
        page = await node.messages.conversation(event.conversation, 20)
        found = next((m for m in page.items if m.id == event.entry_id), None)
        if found is not None:
            name = display_name(found.author_name, found.author)
            lines.append(tr("{0}: {1}").format(name, snippet(found.text)))
    return lines


def message_of_messages(lines: list[str]) -> tuple[str, str]:
    """The title and text of one desktop message for new private messages."""
    if len(lines) == 1:
        return TITLE, lines[0]
    shown = lines[:SHOWN_AT_ONCE]
    if len(lines) > SHOWN_AT_ONCE:
        shown.append(tr("and {0} more").format(len(lines) - SHOWN_AT_ONCE))
    return tr("%n new messages", None, len(lines)), "\n".join(shown)


class Notifier(QObject):
    """Desktop messages for new notifications and messages, and the window told of
    them; ``unread_messages_changed(n)`` carries the unread message count."""

    unread_messages_changed = Signal(int)

    def __init__(self, ctx: AppContext, tray: MessageShower,
                 parent: QObject | None = None) -> None:
        super().__init__(parent or ctx)
        self.ctx = ctx
        self.tray = tray
        self._follow: Call | None = None
        # the newest notification a desktop message said: a batch whose new ones are all
        # muted (store/mutes.py) reads older ones, which must not be said twice
        self._said_upto = 0

    def start(self) -> None:
        if self._follow is None:
            self._follow = self.ctx.call(follow_events, self.ctx.node, self._on_events)
            self.ctx.notifications_changed.connect(self.refresh_messages)
            self.refresh_messages()

    def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None
            self.ctx.notifications_changed.disconnect(self.refresh_messages)

    def refresh_messages(self) -> None:
        """Ask the node for the unread message count (``unread_messages_changed``)."""
        self.ctx.call(self.ctx.node.messages.unread, 99,
                      on_result=self.unread_messages_changed.emit)

    def _on_events(self, batch: list[Any]) -> None:
        # runs inside the Trio step of the follower: note, then hand work to calls
        count = sum(e.count for e in batch if isinstance(e, Notified))
        if count or isinstance(batch[-1], Lagged):
            self.ctx.notifications_changed.emit()
        if count and self.ctx.settings.notify and not self.tray.window_active():
            self.ctx.call(functools.partial(self.ctx.node.feeds.notifications, limit=count),
                          on_result=self._show)
        added = [e for e in batch if isinstance(e, MessageAdded) and not e.own]
        if added or isinstance(batch[-1], Lagged):
            self.refresh_messages()
        if added and self.ctx.settings.notify and not self.tray.window_active():
            where = {e.conversation for e in added}
            target = Target("messages", where.pop() if len(where) == 1 else None)
            self.ctx.call(message_lines, self.ctx.node, added,
                          on_result=functools.partial(self._show_messages, target))

    def _show(self, page: NotificationPage) -> None:
        items = [i for i in page.items if i.cursor.rowid > self._said_upto]
        if items and self.ctx.settings.notify and not self.tray.window_active():
            self._said_upto = max(i.cursor.rowid for i in items)
            self.tray.show_message(*message_of(items), Target("notifications"))

    def _show_messages(self, target: Target, lines: list[str]) -> None:
        if lines and self.ctx.settings.notify and not self.tray.window_active():
            self.tray.show_message(*message_of_messages(lines), target)
