"""Shared set-up for tests of the main window's views: a real home, node and back end.

    def test_x(app_ctx: AppContext, qtbot: QtBot) -> None:
        call(qtbot, app_ctx, app_ctx.node.posts.post, "hello")

The ``app_ctx`` fixture (registered in conftest.py) opens a fresh home with a name
and no passphrase, a ``Backend`` over it (the network is NOT started: tests that
need it start ``backend.run`` themselves through ``start_network``), a started
``TrioHost`` and an ``AppContext``. Everything is closed afterwards, in order: the
host first (no call still uses the node), then the node.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.runtime import Backend
from p2psocial.settings import Settings, save_settings

WAIT = 15_000  # ms: generous; conditions normally hold within milliseconds
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
