"""The desktop app's entry point. For now one window that says who you are.

PySide6 is imported inside the functions, so importing this module (and running the
command line) stays fast. Without a display Qt would abort the process with no
report, so ``run`` checks for one first and explains what to do instead.

The window is shown first; then Trio starts in guest mode on Qt's loop (loop.py) and
the node is asked, through it, who this home belongs to; the answer (or a one-line
error) replaces the placeholder. A home without an account shows onboarding instead
(onboarding.py: create a profile or restore one), then the same identity view.
Closing the window ends Qt's loop, then ``run`` stops the Trio run before returning.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..home import Home

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QMainWindow

    from .loop import Call, TrioHost
    from .onboarding import Onboarding

TITLE = "p2psocial"
NO_DISPLAY = ("p2psocial: no display found; use the command line (p2psocial --help) "
              "or set QT_QPA_PLATFORM")
NO_ACCOUNT = "No account yet — run p2psocial init"
OPENING = "Opening your home…"


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
    return f"p2psocial: the window needs the system library {found.group(0)}{hint}"


def has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def who_am_i(home: Path | None) -> str:
    """One line about this home's account, read without its keys or its lock."""
    place = Home(home)
    if not place.exists():
        return NO_ACCOUNT
    from ..node import Node  # after the window is shown: it imports the store and Trio

    with Node.open(place, readonly=True) as node:
        profile = await node.profile(node.account_id)
    from ..ids import account_text

    return f"You are {profile.name or '(no name)'}\n{account_text(profile.account)}"


def build_window(home: Path | None) -> QMainWindow:
    """The window, with a placeholder where the account will be (no node work here)."""
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    window.setWindowTitle(TITLE)
    window.setCentralWidget(_identity_label(OPENING if Home(home).exists() else NO_ACCOUNT))
    window.resize(560, 220)
    return window


def _identity_label(text: str) -> QLabel:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    label = QLabel(text)
    label.setObjectName("identity")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMargin(24)
    return label


def show_onboarding(window: QMainWindow, home: Path | None, host: TrioHost,
                    **kdf: Any) -> Onboarding | None:
    """In a home without an account: onboarding in the window, then the identity view."""
    if Home(home).exists():
        return None
    from .onboarding import Onboarding

    onboarding = Onboarding(home, host, **kdf)

    def done() -> None:
        window.setCentralWidget(_identity_label(OPENING))  # the window deletes onboarding
        show_identity(window, home, host)

    onboarding.completed.connect(done)
    window.setCentralWidget(onboarding)
    window.resize(max(window.width(), 640), max(window.height(), 560))
    return onboarding


def show_identity(window: QMainWindow, home: Path | None, host: TrioHost) -> Call | None:
    """Ask the node, through ``host``, who this home belongs to, and show it."""
    from PySide6.QtWidgets import QLabel

    from .loop import one_line

    label = window.findChild(QLabel, "identity")
    if label is None or not Home(home).exists():
        return None
    return host.call(who_am_i, home, on_result=label.setText,
                     on_error=lambda exc: label.setText(one_line(exc)))


def run(home: Path | None) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    if (problem := missing_system_library()) is not None:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = build_window(home)
    window.show()
    from .loop import TrioHost

    host = TrioHost()
    status = window.statusBar()
    host.failed.connect(status.showMessage)
    host.crashed.connect(status.showMessage)
    host.interrupted.connect(app.quit)  # Ctrl-C in the terminal that started the app
    host.start()
    if show_onboarding(window, home, host) is None:
        show_identity(window, home, host)
    try:
        return int(app.exec())
    finally:
        host.stop()
