"""Shared set-up for tests of the main window's views: a real home, node and back end.

    def test_x(app_ctx: AppContext, qtbot: QtBot) -> None:
        call(qtbot, app_ctx, app_ctx.node.posts.post, "hello")

The ``app_ctx`` fixture (registered in conftest.py) opens a fresh home with a name
and no passphrase, a ``Backend`` over it (the network is NOT started: tests that
need it start ``backend.run`` themselves through ``start_network``), a started
``TrioHost`` and an ``AppContext``. Everything is closed afterwards, in order: the
host first (no call still uses the node), then the node. conftest.py also gives
``home`` (Alice's home page) and ``bob`` (a second home's back end).

Below those: people whose entries reach Alice's home as if from a peer (``Bob``,
``NamedBob``), two homes made friends (``friends``, ``carry``), the Messages page
(``shown_page``, ``texts``), the composer (``composer``, ``send_and_wait``) and a
window on onboarding (``start_onboarding``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nacl.pwhash
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial import content
from p2psocial.entry import Entry
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.runtime import Backend
from p2psocial.settings import Settings, save_settings
from p2psocial.store.views import PostView
from tests.helpers import T0, make_entry, make_identity, make_log

WAIT = 15_000  # ms: generous; conditions normally hold within milliseconds
ARGON_WAIT = 20_000  # ms: generous; Argon2id and a backup restore take about a second
FAST_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
            "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}
# a network that meets no one: loopback-free tests must not announce on the LAN
QUIET = Settings(lan=False, relay=False)


def call(qtbot: QtBot, ctx: Any, fn: Any, *args: Any) -> Any:
    """``await fn(*args)`` through the host of ``ctx`` (an AppContext, or a TrioHost
    itself); its result, or its exception raised."""
    box: list[Any] = []
    host = getattr(ctx, "host", ctx)
    host.call(fn, *args, on_result=lambda v: box.append((v, None)),
                  on_error=lambda e: box.append((None, e)))
    qtbot.waitUntil(lambda: box != [], timeout=WAIT)
    value, error = box[0]
    if error is not None:
        raise error
    return value


def make_backend(path: Path, name: str = "Alice", settings: Settings = QUIET) -> Backend:
    """A new home at ``path`` with an account called ``name``, opened as the app does."""
    Node.init(Home(path), name).close()
    save_settings(path, settings)
    return Backend.open(path, None)


def start_network(qtbot: QtBot, ctx: Any) -> None:
    """Run the back end's network (on loopback ports) until the host stops."""
    ctx.host.call(ctx.backend.run)
    qtbot.waitUntil(lambda: ctx.backend.status().state in ("online", "offline"),
                    timeout=WAIT)
    assert ctx.backend.status().state == "online", ctx.backend.status().error


def app_context(host: Any, path: Path, name: str = "Alice") -> Iterator[Any]:
    from p2psocial.ui.context import AppContext

    backend = make_backend(path, name)
    ctx = AppContext(host, backend)
    try:
        yield ctx
    finally:
        assert host.stop()
        backend.close()


class Launches:
    """Windows opened the way the app opens them (``ui.app.Launcher``), closed in the
    app's order at the end of a test: pages' calls cancelled, host stopped, node closed."""

    def __init__(self, qtbot: QtBot, host: Any) -> None:
        self.qtbot = qtbot
        self.host = host
        self.launchers: list[Any] = []

    def __call__(self, home: Path, **kdf: Any) -> Any:
        from p2psocial.cli import app_actions
        from p2psocial.ui.app import Launcher
        from p2psocial.ui.main_window import MainWindow

        window = MainWindow()
        self.qtbot.addWidget(window)
        window.show()
        launcher = Launcher(window, home, self.host, actions=app_actions, **kdf)
        self.launchers.append(launcher)
        launcher.begin()
        return launcher

    def close(self) -> None:
        for launcher in self.launchers:
            launcher.stop()
        assert self.host.stop()
        for launcher in self.launchers:
            launcher.close()


def opened(launcher: Any) -> bool:
    """The launcher's home is open and its shell shown."""
    return launcher.ctx is not None and launcher.window.stage().objectName() \
        == "shell"


@contextmanager
def german() -> Iterator[None]:
    """The app's translator set to German for the block, English again after."""
    from PySide6.QtWidgets import QApplication

    from p2psocial.ui import i18n

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert i18n.install_translator(app, "de") == "de"
    try:
        yield
    finally:
        i18n.install_translator(app, "en")


class TrayStandIn:
    """Records the desktop messages a tray would show (an offscreen session has no
    system tray), and where a click would lead; ``active`` plays the window's focus."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.targets: list[Any] = []
        self.active = False

    def show_message(self, title: str, text: str, target: Any = None) -> None:
        self.messages.append((title, text))
        self.targets.append(target)

    def window_active(self) -> bool:
        return self.active


# --- another person, whose entries reach Alice's home as if from a peer ------------------

BOB = make_identity(7)


class Bob:
    """Bob's log, written entry by entry and stored in Alice's home like a peer's."""

    def __init__(self, qtbot: QtBot, ctx: Any) -> None:
        self.qtbot, self.ctx = qtbot, ctx
        self.log: list[Entry] = make_log(BOB, 1, start_ts=int(time.time() * 1000) - 60_000)
        call(qtbot, ctx, ctx.node.replication.ingest, self.log)

    def write(self, value: content.AnyContent) -> bytes:
        entry = make_entry(BOB, self.log[-1], value, self.log[-1].timestamp + 1000)
        self.log.append(entry)
        call(self.qtbot, self.ctx, self.ctx.node.replication.ingest, [entry])
        return entry.id

    def reply(self, parent: PostView, text: str) -> bytes:
        return self.write(content.Post(text, reply_parent=parent.id,
                                       thread_root=parent.thread_root))


class NamedBob:
    """Another account (named Bob, writing since ``T0``) whose entries reach Alice's home
    as if from a peer."""

    def __init__(self, qtbot: QtBot, ctx: Any) -> None:
        self.qtbot, self.ctx = qtbot, ctx
        self.ident = make_identity(2)
        self.log: list[Entry] = [make_entry(self.ident, None,
                                            content.DeviceAnnouncement(self.ident.cert), T0)]
        self.add(content.Profile("Bob"))  # stored with the log's first entry

    def add(self, value: Any) -> Entry:
        """Sign ``value`` as Bob's next entry and store it (and any before it) in Alice's home."""
        item = make_entry(self.ident, self.log[-1], value, self.log[-1].timestamp + 1000)
        self.log.append(item)
        call(self.qtbot, self.ctx, self.ctx.node.replication.ingest, self.log)
        return item


def post(qtbot: QtBot, ctx: Any, text: str, **kw: object) -> PostView:
    """Alice posts ``text``: its view as the pages show it."""
    entry = call(qtbot, ctx, lambda: ctx.node.posts.post(text, **kw))
    return call(qtbot, ctx, ctx.node.feeds.post_view, entry.id)


# --- two real homes, and the Messages page -------------------------------------------------


def carry(qtbot: QtBot, ctx: Any, src: Any, dst: Any) -> None:
    """Every log ``src`` holds reaches ``dst``, then ``dst`` opens what it can."""
    for device, _account, _seq in call(qtbot, ctx, src.replication.logs):
        entries = call(qtbot, ctx, src.replication.log_entries, device, 0, 10_000)
        call(qtbot, ctx, dst.replication.ingest, entries)
    call(qtbot, ctx, dst.messages.scan)


def friends(qtbot: QtBot, ctx: Any, bob: Backend) -> None:
    """Alice and Bob follow each other and hold each other's logs."""
    call(qtbot, ctx, ctx.node.posts.follow, bob.node.account_id)
    call(qtbot, ctx, bob.node.posts.follow, ctx.me)
    carry(qtbot, ctx, ctx.node, bob.node)
    carry(qtbot, ctx, bob.node, ctx.node)


def shown_page(qtbot: QtBot, ctx: Any) -> Any:
    """The Messages page, shown, activated and loaded."""
    from p2psocial.ui.messages_page import MessagesPage

    page = MessagesPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.activated()
    qtbot.waitUntil(lambda: page.model.loaded and not page.model.loading, timeout=WAIT)
    return page


def texts(page: Any) -> list[str]:
    """The texts of the open conversation on a Messages page."""
    return [m.text for m in page.pane.model.items]


# --- the composer and onboarding -----------------------------------------------------------


def composer(qtbot: QtBot, ctx: Any, **kw: Any) -> Any:
    """A ``Composer``, shown and active (shortcuts work in the active window only)."""
    from p2psocial.ui.composer import Composer

    widget = Composer(ctx, **kw)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()  # shortcuts (Ctrl+Enter) work in the active window only
    qtbot.waitUntil(widget.isActiveWindow, timeout=WAIT)
    return widget


def send_and_wait(qtbot: QtBot, widget: Any) -> bytes:
    """Ctrl+Enter in the composer: the id of the entry it posted."""
    with qtbot.waitSignal(widget.posted, timeout=WAIT) as posted:
        qtbot.keyClick(widget.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    return bytes(posted.args[0])


def start_onboarding(launch: Launches, home: Path) -> tuple[Any, Any]:
    """A window launched on ``home`` with no account: its launcher and its onboarding,
    on the create page."""
    from p2psocial.ui.onboarding import CREATE, Onboarding

    launcher = launch(home, **FAST_KDF)
    onboarding = launcher.window.stage()
    assert isinstance(onboarding, Onboarding)
    assert onboarding.currentIndex() == CREATE
    return launcher, onboarding
