"""The app opens its home the way people meet it (ui/app.py Launcher, offscreen): the
window is there before the home is open; a sealed home asks for its passphrase, a
wrong one is one line and can be tried again; a damaged home says so in one line;
the real ``p2psocial`` command paints the window, then the timeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nacl.pwhash
from pytestqt.qtbot import QtBot

from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.unlock import UnlockPage
from tests.uikit import WAIT, Launches, opened

FAST_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
            "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


def test_an_open_home_shows_the_home_section(qtbot: QtBot, tmp_path: Path,
                                             launch: Launches) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë").close()
    launcher = launch(home)
    assert launcher.window.isVisible() and launcher.window.windowTitle() == "p2psocial"
    qtbot.waitUntil(lambda: opened(launcher), timeout=WAIT)
    assert launcher.window.pages.currentWidget().objectName() == "page-home"
    # the network starts behind the window, on its own
    qtbot.waitUntil(lambda: "Online" in launcher.window.network_label.text(), timeout=WAIT)
    assert launcher.ctx.backend.status().state == "online"


def test_a_sealed_home_asks_for_its_passphrase(qtbot: QtBot, tmp_path: Path,
                                               launch: Launches) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë", "open sesame", **FAST_KDF).close()
    launcher = launch(home)
    page = launcher.window.stage()
    assert isinstance(page, UnlockPage) and launcher.ctx is None
    page.passphrase.setText("open says me")
    page.button.click()
    qtbot.waitUntil(lambda: page.isEnabled(), timeout=WAIT)
    assert page.error.text() == "That passphrase does not open this home"
    assert launcher.ctx is None
    page.passphrase.setText("open sesame")
    page.button.click()
    qtbot.waitUntil(lambda: opened(launcher), timeout=WAIT)


def test_a_damaged_home_says_so_in_one_line(qtbot: QtBot, tmp_path: Path,
                                            launch: Launches) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë").close()
    (home / "store.sqlite").write_bytes(b"not a database")
    launcher = launch(home)
    label = launcher.window.status_label
    qtbot.waitUntil(lambda: "damaged" in label.text(), timeout=WAIT)
    assert "\n" not in label.text() and launcher.ctx is None


def test_a_home_in_use_says_so(qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë").close()
    holder = Home(home)
    holder.lock()
    try:
        launcher = launch(home)
        label = launcher.window.status_label
        qtbot.waitUntil(lambda: "in use" in label.text(), timeout=WAIT)
        assert "\n" not in label.text()
    finally:
        holder.unlock()


def test_the_command_paints_the_window_then_the_timeline(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Node.init(Home(home), "Zoë") as node:
        import trio

        trio.run(node.posts.post, "a first post")
    probe = tmp_path / "probe.jsonl"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "P2PSOCIAL_PROBE": str(probe)}
    # no LAN announcements from a test: the settings file turns discovery off
    (home / "settings.json").write_text('{"lan": false, "relay": false}')
    process = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        events: list[str] = []
        while time.monotonic() < deadline and "timeline_painted" not in events:
            assert process.poll() is None, process.communicate()[1].decode()
            if probe.exists():
                events = [json.loads(line)["event"] for line in probe.read_text().splitlines()]
            time.sleep(0.05)  # polling another process's file: no event to wait on
        assert events[:2] == ["window_shown", "timeline_painted"]
    finally:
        process.terminate()  # SIGTERM, as a logout sends: the app closes as from its window
        _, err = process.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode()
    assert process.returncode == 0, err.decode()


def test_a_missing_x11_library_is_named_with_its_package() -> None:
    from p2psocial.ui.app import explain_missing

    line = explain_missing("/x/libqxcb.so: libxcb-icccm.so.4: cannot open shared object file: "
                           "No such file or directory")
    assert line == ("p2psocial: The window needs the system library libxcb-icccm.so.4 "
                    "(Debian/Ubuntu: sudo apt install libxcb-icccm4)")
    assert "\n" not in explain_missing("something odd\nsecond line")
