"""The desktop app's entry point: a window painted first, then everything else.

PySide6 is imported inside the functions, so importing this module (and running the
command line) stays fast. Without a display Qt would abort the process with no
report, so ``run`` checks for one first and explains what to do instead.

One app per home: before any window, ``one_per_home`` asks the home's control
endpoint whether a copy of the app (or a serve) runs there already; a window that
answers comes to the front and this copy exits (docs/ui.md, "Start-up").

Start-up order, chosen so that the window shows at once: the QApplication, the
theme and language from the home's settings (a small JSON file), the main window
saying "Opening your home…", painted; only then Trio in guest mode on Qt's loop
(loop.py) and, through it, ``Launcher``: onboarding for an empty home, the
passphrase page for a sealed one, then ``Backend.open`` (node and SQLite) in a worker
thread, the shell with the home timeline, and last the network (runtime.py imports
libp2p in a worker thread). Closing the window ends Qt's loop (unless the tray keeps
the app running); ``run`` then cancels the pages' calls, stops the Trio run (the
network shuts down cleanly inside it) and closes the node.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..home import Home

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ..control import Claim
    from ..runtime import Actions, Backend, Endpoint, NetworkStatus
    from ..settings import Settings
    from .context import AppContext
    from .loop import Call, TrioHost
    from .main_window import MainWindow
    from .unlock import UnlockPage

PROBE_ENV = "P2PSOCIAL_PROBE"
TITLE = "p2psocial"
APP_ID = "org.p2psocial.p2psocial"  # reverse DNS, as in packaging/linux/ (its .desktop file)
NO_DISPLAY = ("p2psocial: No display found; use the command line (p2psocial --help) "
              "or set QT_QPA_PLATFORM")


# the Debian/Ubuntu packages of the system libraries Qt's X11 plugin loads
_DEBIAN = {"libxcb-cursor": "libxcb-cursor0", "libxcb-icccm": "libxcb-icccm4",
           "libxcb-keysyms": "libxcb-keysyms1", "libxcb-image": "libxcb-image0",
           "libxcb-render-util": "libxcb-render-util0", "libxkbcommon-x11": "libxkbcommon-x11-0",
           "libxcb-xkb": "libxcb-xkb1", "libxcb-randr": "libxcb-randr0",
           "libxcb-shape": "libxcb-shape0", "libxcb-xinerama": "libxcb-xinerama0",
           "libEGL": "libegl1", "libGL": "libgl1", "libfontconfig": "libfontconfig1"}


def missing_system_library() -> str | None:
    """One line naming a system library without which Qt's X11 plugin would abort.

    PySide6 wheels do not bundle the X11 (xcb) libraries; when one is missing Qt aborts
    the whole process with a message few people can act on. Loading the plugin with
    ctypes first makes the dynamic loader name the first missing library instead.
    """
    if not sys.platform.startswith("linux") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return None
    import ctypes

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return explain_missing(str(exc))
    return None


def explain_missing(loader_error: str) -> str:
    found = re.search(r"(lib[\w.+-]+?)\.so[.\d]*(?=: cannot open)", loader_error)
    if not found:
        return f"p2psocial: the window cannot start: {loader_error.splitlines()[0]}"
    package = _DEBIAN.get(found.group(1))
    hint = f" (Debian/Ubuntu: sudo apt install {package})" if package else ""
    return f"p2psocial: The window needs the system library {found.group(0)}{hint}"


def has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass(frozen=True, slots=True)
class Instance:
    """What ``one_per_home`` found: this process is the home's app (``claimed``, the
    endpoint's claim; None if it could not be had), or another one answers for the home
    (``other_pid``; ``other_window``: it brought its window to the front)."""

    claimed: Claim | None = None
    other: bool = False
    other_pid: int | None = None
    other_window: bool = False


STARTING_WAIT = 5.0  # s: another copy that holds the claim answers within this


def one_per_home(home_dir: Path) -> Instance:
    """Before anything is asked or shown: have the copy of the app that runs on this
    home already bring its window to the front, or become that copy.

    A copy that is starting at this very moment holds the endpoint's claim but does not
    answer yet: ask again for ``STARTING_WAIT`` seconds. A process that holds the claim
    and never answers (hung) leaves us without an endpoint; the window then says
    whether the home is in use."""
    from .. import control

    deadline = time.monotonic() + STARTING_WAIT
    while True:
        try:
            running = control.ask_to_show(home_dir)
        except control.ControlError:  # it took the request and never answered
            running = None
        if running is not None:
            return Instance(other=True, other_pid=running[0], other_window=running[1])
        try:
            claimed = control.claim(home_dir)
        except OSError:  # no home directory can be made there: the window says why
            return Instance()
        if claimed is not None or time.monotonic() > deadline:
            return Instance(claimed)
        time.sleep(0.1)  # another process's start-up: no event of ours to wait on


def other_copy_line(home_dir: Path, found: Instance) -> str:
    """One line for the terminal about the other copy that answered."""
    pid = f" (pid {found.other_pid})" if found.other_pid else ""
    if found.other_window:
        return f"p2psocial: Already open for {home_dir}{pid}; its window is in front now"
    return (f"p2psocial: {home_dir} is kept open by 'p2psocial serve'{pid}, which has no "
            "window: stop it to open the home here, or use the command line "
            "(p2psocial --help)")


class Launcher:
    """Takes a painted window to an open home: onboarding or the passphrase first when
    needed, then ``Backend.open`` in a worker thread, then the shell and the network.

    From the start it serves the home's control endpoint (``runtime.Endpoint``): a
    second copy of the app asks it to bring the window to the front. ``claimed``: the
    endpoint's claim, taken before the window was made (``one_per_home``); without
    one, ``begin`` takes it if it can. ``kdf``: Argon2id limits for a new key file
    (tests pass the fastest).
    """

    def __init__(self, window: MainWindow, home: Path | None, host: TrioHost,
                 probe: Probe | None = None, claimed: Claim | None = None,
                 actions: Actions | None = None, **kdf: Any) -> None:
        self.window = window
        self.actions = actions
        self.home = home
        self.host = host
        self.probe = probe
        self.claimed = claimed
        self.kdf = kdf
        self.ctx: AppContext | None = None
        self.unlock: UnlockPage | None = None
        self.tray: Any = None
        self.endpoint: Endpoint | None = None
        self._calls: list[Call] = []

    def begin(self) -> None:
        from .. import control, runtime
        from .loop import one_line

        home_dir = Home(self.home).path
        try:
            claimed = self.claimed or control.claim(home_dir)
        except OSError:  # the home cannot be made: onboarding or opening says why
            claimed = None
        self.endpoint = runtime.Endpoint(home_dir, self.bring_to_front, claimed, self.actions)
        if claimed is not None:
            self._calls.append(self.host.call(self.endpoint.serve))
        if not Home(self.home).exists():
            self._onboard()
            return
        if (in_use := runtime.home_in_use(self.home)) is not None:  # before the passphrase
            self.window.show_status(in_use)
            return
        try:
            sealed = runtime.needs_passphrase(self.home)
        except Exception as exc:  # an unreadable key file: say why, in one line
            self.window.show_status(one_line(exc))
            return
        if sealed:
            self._ask_passphrase()
        else:
            self.open(None)

    def bring_to_front(self) -> None:
        """Another copy of the app was started on this home: show this window instead
        (from the tray, minimized or behind others), outside Trio's step."""
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self.window.show_normal)

    def _onboard(self) -> None:
        from .onboarding import Onboarding

        onboarding = Onboarding(self.home, self.host, **self.kdf)
        onboarding.completed.connect(
            lambda: self.open(onboarding.account.passphrase if onboarding.account else None))
        self.window.show_stage(onboarding, narrow=True)

    def _ask_passphrase(self) -> None:
        from .unlock import UnlockPage

        self.unlock = UnlockPage()
        self.unlock.submitted.connect(self.open)
        self.window.show_stage(self.unlock, narrow=True)

    def open(self, passphrase: str | None) -> None:
        from ..runtime import Backend
        from .context import tr
        from .loop import in_thread

        if self.unlock is None:
            self.window.show_status(tr("Opening your home…"))
        self.host.call(in_thread, Backend.open, self.home, passphrase,
                       on_result=self._opened, on_error=self._failed)

    def _failed(self, exc: Exception) -> None:
        from ..errors import PassphraseRequired, WrongPassphrase
        from .context import tr
        from .loop import one_line

        if isinstance(exc, (WrongPassphrase, PassphraseRequired)):
            if self.unlock is None:
                self._ask_passphrase()
            assert self.unlock is not None
            self.unlock.failed(tr("That passphrase does not open this home", "Unlock")
                               if isinstance(exc, WrongPassphrase) else one_line(exc))
            return
        self.window.show_status(one_line(exc))

    def _opened(self, backend: Backend) -> None:
        from .context import AppContext

        self.ctx = ctx = AppContext(self.host, backend)
        if self.endpoint is not None:  # the command line's writes run here from now on
            self.endpoint.backend = backend
        self.window.attach(ctx)
        home_page = self.window.section("home")
        view = getattr(home_page, "timeline_view", None)
        if self.probe is not None and view is not None:
            view.first_painted.connect(lambda: self.probe and self.probe("timeline_painted"))
        self._calls.append(self.host.call(backend.run, on_error=self._network_failed))
        self._calls.append(self.host.call(watch_network, backend, self.window.show_network))
        ctx.notifications_changed.connect(self.refresh_unread)
        self.refresh_unread()
        self._start_tray(ctx)

    def _network_failed(self, exc: Exception) -> None:
        from .loop import one_line

        self.window.statusBar().showMessage(one_line(exc))

    def refresh_unread(self) -> None:
        if self.ctx is None:
            return
        self.ctx.call(self.ctx.node.feeds.unread_notifications, on_result=self._show_unread)

    def _show_unread(self, count: int, key: str = "notifications") -> None:
        self.window.set_badge(key, count)
        if self.tray is not None:
            self.tray.set_unread(self.window.unread)

    def _start_tray(self, ctx: AppContext) -> None:
        from PySide6.QtWidgets import QApplication

        from .tray import Notifier, Tray

        self.tray = Tray(self.window, ctx)
        self.notifier = Notifier(ctx, self.tray)
        self.notifier.unread_messages_changed.connect(
            lambda count: self._show_unread(count, "messages"))
        self.notifier.start()

        def keep(settings: Settings) -> None:
            self.window.keep_in_tray = settings.keep_in_tray and self.tray.available
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(not self.window.keep_in_tray)

        keep(ctx.settings)
        ctx.settings_changed.connect(keep)

    def stop(self) -> None:
        """Cancel the pages' and our long-lived calls (before the host stops)."""
        self.window.stop_pages()
        if self.tray is not None:
            self.notifier.stop()
            self.tray.hide()
        for call in self._calls:
            call.cancel()

    def close(self) -> None:
        """After the host has stopped: close the node."""
        if self.ctx is not None:
            self.ctx.backend.close()


async def watch_network(backend: Backend, show: Callable[[NetworkStatus], object]) -> None:
    """Show the network's status now and at every change, until cancelled."""
    while True:
        show(backend.status())
        await backend.changed()


class Probe:
    """Start-up milestones as JSON lines in the file named by ``P2PSOCIAL_PROBE`` (for
    bench/ui.py): ``{"event": name, "t": time.time()}``, each event once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[str] = set()

    def __call__(self, event: str) -> None:
        if event in self.seen:
            return
        self.seen.add(event)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"event": event, "t": time.time()}) + "\n")


def _apply_appearance(app: QApplication, home: Path | None) -> None:
    """Theme and language from the home's settings, before any widget is built."""
    from ..settings import load_settings
    from .i18n import install_translator
    from .icons import app_icon
    from .theme import apply_theme

    settings = load_settings(Home(home).path)
    app.setWindowIcon(app_icon())
    apply_theme(app, settings.theme)
    install_translator(app, settings.language)

def run(home: Path | None, verbose: bool = False, actions: Actions | None = None) -> int:
    """``actions``: what runs the command line's write requests once the home is open
    (the command line hands in its own; see runtime.Endpoint)."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    if (problem := missing_system_library()) is not None:
        print(problem, file=sys.stderr)
        return 1
    home_dir = Home(home).path
    found = one_per_home(home_dir)  # one app per home: before any window or question
    if found.other:
        print(other_copy_line(home_dir, found), file=sys.stderr)
        if found.other_window:
            return 0
    from .. import logs

    with contextlib.suppress(OSError):  # no home directory: the window says why
        logs.setup(home_dir, verbose=verbose)  # py-libp2p's noise to the file, not here
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    probe = Probe(os.environ[PROBE_ENV]) if os.environ.get(PROBE_ENV) else None
    launcher = start(app, home, probe, found, actions)
    try:
        return int(app.exec()) or (1 if found.other else 0)
    finally:
        shut_down(launcher)


def start(app: QApplication, home: Path | None, probe: Probe | None = None,
          found: Instance | None = None, actions: Actions | None = None) -> Launcher:
    """Paint the window for ``home``, then start Trio and the launcher behind it.
    ``found``: what ``one_per_home`` found (a headless serve keeps this home: the
    window says so, and asks nothing)."""
    app.setApplicationName(TITLE)
    app.setApplicationDisplayName(TITLE)
    app.setDesktopFileName(APP_ID)  # Wayland matches windows to APP_ID.desktop
    _apply_appearance(app, home)
    from .fonts import ensure_emoji_font

    ensure_emoji_font()  # emoji as emoji, not boxes, where the system has no such font
    from .context import tr
    from .main_window import MainWindow

    window = MainWindow()
    window.show_status(tr("Opening your home…"))
    window.show()
    app.processEvents()  # paint the window before anything slow is imported
    if probe is not None:
        probe("window_shown")
    from .loop import TrioHost

    host = TrioHost()
    host.failed.connect(lambda line: window.statusBar().showMessage(line, 10_000))
    host.crashed.connect(window.show_status)
    host.interrupted.connect(app.quit)  # Ctrl-C in the terminal that started the app
    window.closing.connect(app.quit)
    host.start()
    host.terminated.connect(app.quit)  # SIGTERM: a logout, a service manager
    launcher = Launcher(window, home, host, probe, found.claimed if found else None, actions)
    if found is not None and found.other:
        window.show_status(serve_text(found.other_pid))
    else:
        launcher.begin()
    return launcher


def serve_text(pid: int | None) -> str:
    from .context import tr

    return tr("This home is kept open by p2psocial serve (pid {0}), which has no window. "
              "Stop it to open your home here, or use the command line.").format(
        pid if pid is not None else "?")


def shut_down(launcher: Launcher) -> None:
    """Cancel the pages' calls, stop Trio (the network ends inside it), close the node."""
    launcher.stop()
    launcher.host.stop()
    launcher.close()
