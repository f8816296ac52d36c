"""What every view of the main window is given: the back end, calls, and navigation.

A view never reaches for a global: it gets an ``AppContext`` and asks through it.

- ``ctx.node`` and ``ctx.backend`` are the node and the app's back end (runtime.py);
  their async methods run through ``ctx.call(fn, *args, on_result=..., on_error=...)``,
  which is ``TrioHost.call`` with one default: a failure without ``on_error`` is shown
  as one line in the window's status bar (``message``), never as a traceback.
- Navigation is a request, not a reach into the window: a view emits
  ``ctx.open_thread.emit(post_id)``, ``open_profile(account)``, ``open_search(text)``,
  ``reply_to(post_view)``, ``write_to(account)``; the main window decides how to
  show it.
- ``settings_changed`` tells views that the person changed a setting (theme,
  language...), once the back end holds it (its file is written in a worker thread:
  ``write_soon``).
- ``notifications_changed`` fires when the unread count may have changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from .loop import AsyncFn, Call, ErrorFn, ResultFn, TrioHost, in_thread, one_line

if TYPE_CHECKING:
    from ..node import Node
    from ..runtime import Backend
    from ..settings import Settings


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` in the person's language. Every ui module translates through this one
    function, so lupdate files every string the same way: under the empty context,
    with ``disambiguation`` as its comment (when one English text needs two
    translations) and ``n`` for plural forms ("%n replies")."""
    return QCoreApplication.translate("", text, disambiguation, n)


class AppContext(QObject):
    open_thread = Signal(bytes)  # an entry id: show its whole conversation
    open_profile = Signal(bytes)  # an account id
    open_search = Signal(str)  # a search text (a #tag, say)
    reply_to = Signal(object)  # a PostView: start a reply to it
    write_to = Signal(bytes)  # an account id: start a private message to it
    open_conversation = Signal(bytes)  # a conversation's, group's or community's id
    message = Signal(str)  # one line for the status bar
    settings_changed = Signal(object)  # the new Settings, already kept by the back end
    notifications_changed = Signal()

    def __init__(self, host: TrioHost, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.backend = backend

    @property
    def node(self) -> Node:
        return self.backend.node

    @property
    def me(self) -> bytes:
        """The local account's id."""
        return self.backend.node.account_id

    @property
    def settings(self) -> Settings:
        return self.backend.settings

    def call(self, fn: AsyncFn, *args: Any, on_result: ResultFn | None = None,
             on_error: ErrorFn | None = None) -> Call:
        """``await fn(*args)`` on the Trio host; a failure without ``on_error`` goes to
        the status bar as one line."""
        return self.host.call(fn, *args, on_result=on_result,
                              on_error=on_error or self._show_error)

    def _show_error(self, exc: Exception) -> None:
        self.message.emit(one_line(exc))

    def update_settings(self, new: Settings) -> None:
        """Keep ``new`` (the back end restarts the network if needed), tell views, and
        write the file in a worker thread (a failure goes to the status bar; what is
        left is written when the back end closes)."""
        self.backend.update_settings(new)
        self.settings_changed.emit(self.backend.settings)
        self.write_soon(self.backend.settings_file.write, self._settings_not_saved)

    def write_soon(self, write: Callable[[], None], on_error: ErrorFn) -> None:
        """``write()`` (a blocking file write: settings, drafts) in a worker thread,
        never on the GUI thread; nothing is started while the host is not running."""
        if self.host.running:
            self.host.call(in_thread, write, on_error=on_error)

    def _settings_not_saved(self, exc: Exception) -> None:
        self.message.emit(tr("Settings not saved: {0}").format(one_line(exc)))
