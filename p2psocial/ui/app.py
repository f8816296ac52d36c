"""The desktop app's entry point. For now one window that says who you are.

PySide6 is imported inside the functions, so importing this module (and running the
command line) stays fast. Without a display Qt would abort the process with no
report, so ``run`` checks for one first and explains what to do instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from ..home import Home

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

TITLE = "p2psocial"
NO_DISPLAY = ("p2psocial: no display found; use the command line (p2psocial --help) "
              "or set QT_QPA_PLATFORM")
NO_ACCOUNT = "No account yet — run p2psocial init"


def has_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def who_am_i(home: Path | None) -> str:
    """One line about this home's account, read without its keys or its lock."""
    place = Home(home)
    if not place.exists():
        return NO_ACCOUNT
    from ..cli.session import run_async  # runs one node call; the app moves to guest mode
    from ..node import Node

    try:
        with Node.open(place, readonly=True) as node:
            profile = run_async(node.profile, node.account_id)
    except UserError as exc:
        return str(exc)
    from ..ids import account_text

    return f"You are {profile.name or '(no name)'}\n{account_text(profile.account)}"


def build_window(home: Path | None) -> QMainWindow:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QMainWindow

    window = QMainWindow()
    window.setWindowTitle(TITLE)
    label = QLabel(who_am_i(home))
    label.setObjectName("identity")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMargin(24)
    window.setCentralWidget(label)
    window.resize(560, 220)
    return window


def run(home: Path | None) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = build_window(home)
    window.show()
    return int(app.exec())
