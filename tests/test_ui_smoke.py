"""The desktop window opens offscreen and says who you are (conftest sets offscreen;
its ``trio_host`` fixture runs Trio in guest mode on Qt)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui import app
from p2psocial.ui.loop import TrioHost


def test_window_shows_the_account(qtbot: QtBot, tmp_path: Path, trio_host: TrioHost) -> None:
    home = tmp_path / "home"
    with Node.init(Home(home), "Zoë") as node:
        account = ids.account_text(node.account_id)
    window = app.build_window(home)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "p2psocial"
    label = window.findChild(QLabel, "identity")
    assert label is not None and label.text() == app.OPENING
    assert app.show_identity(window, home, trio_host) is not None
    qtbot.waitUntil(lambda: label.text() != app.OPENING, timeout=10_000)
    assert "Zoë" in label.text() and account in label.text()


def test_a_failure_shows_as_one_line(qtbot: QtBot, tmp_path: Path, trio_host: TrioHost) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë").close()
    (home / "store.sqlite").write_bytes(b"not a database")
    window = app.build_window(home)
    qtbot.addWidget(window)
    label = window.findChild(QLabel, "identity")
    assert label is not None
    app.show_identity(window, home, trio_host)
    qtbot.waitUntil(lambda: label.text() != app.OPENING, timeout=10_000)
    assert "is damaged" in label.text() and "\n" not in label.text()


def test_window_without_an_account(qtbot: QtBot, tmp_path: Path) -> None:
    window = app.build_window(tmp_path / "empty")
    qtbot.addWidget(window)
    label = window.findChild(QLabel, "identity")
    assert label is not None and label.text() == app.NO_ACCOUNT
    assert not (tmp_path / "empty").exists()


def test_a_missing_x11_library_is_named_with_its_package() -> None:
    from p2psocial.ui.app import explain_missing

    line = explain_missing("/x/libqxcb.so: libxcb-icccm.so.4: cannot open shared object file: "
                           "No such file or directory")
    assert line == ("p2psocial: the window needs the system library libxcb-icccm.so.4 "
                    "(Debian/Ubuntu: sudo apt install libxcb-icccm4)")
    assert "\n" not in explain_missing("something odd\nsecond line")
