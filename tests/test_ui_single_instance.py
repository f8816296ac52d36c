"""One app per home (issue 14, item 4). A second copy started on a home that a window
has open asked for the passphrase, then showed an empty window saying the home is in
use; now it asks the running one to bring its window to the front (from the tray, or
minimized) and exits 0 with one line, before asking anything. A headless serve says
it has no window. A socket and claim file left by a killed app block nobody; a home
whose lock another process holds is reported before the passphrase is asked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.pwhash
import trio
from pytestqt.qtbot import QtBot

from p2psocial import control
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.settings import save_settings
from p2psocial.ui.app import Instance, one_per_home, other_copy_line
from tests.uikit import QUIET, WAIT, Launches, opened
from tests.waitkit import poll

FAST_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
            "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


def in_thread(qtbot: QtBot, fn: Callable[[], Any]) -> Any:
    """``fn()`` in a worker thread while Qt's loop runs here (the app answers from it)."""
    box: list[Any] = []

    def work() -> None:
        try:
            box.append((fn(), None))
        except Exception as exc:
            box.append((None, exc))

    threading.Thread(target=work, daemon=True).start()
    qtbot.waitUntil(lambda: box != [], timeout=WAIT)
    value, error = box[0]
    if error is not None:
        raise error
    return value


def new_home(path: Path, passphrase: str | None = None) -> Path:
    Node.init(Home(path), "Zoë", passphrase, **FAST_KDF).close()
    save_settings(path, QUIET)
    return path


def test_a_second_copy_brings_the_window_back_from_the_tray(
        qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    home = new_home(tmp_path / "home")
    first = launch(home)
    qtbot.waitUntil(lambda: opened(first), timeout=WAIT)
    first.window.hide()  # closed to the tray

    assert in_thread(qtbot, lambda: control.ask_to_show(home)) == (os.getpid(), True)
    qtbot.waitUntil(first.window.isVisible, timeout=WAIT)

    first.window.showMinimized()
    qtbot.waitUntil(first.window.isMinimized, timeout=WAIT)
    in_thread(qtbot, lambda: control.ask_to_show(home))
    qtbot.waitUntil(lambda: not first.window.isMinimized(), timeout=WAIT)


def test_the_window_answers_while_it_waits_for_the_passphrase(
        qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    home = new_home(tmp_path / "home", "open sesame")
    first = launch(home)
    assert first.unlock is not None and first.ctx is None
    qtbot.waitUntil(lambda: control.endpoint(home).exists(), timeout=WAIT)
    found = in_thread(qtbot, lambda: one_per_home(home))
    assert found == Instance(other=True, other_pid=os.getpid(), other_window=True)
    assert other_copy_line(home, found) == (
        f"p2psocial: Already open for {home} (pid {os.getpid()}); its window is in front now")
    # the command line's writes wait for the home to be open
    try:
        in_thread(qtbot, lambda: control.call(home, "post", ("hi", None, None, (), (), ())))
    except control.Refused as refused:
        assert str(refused).startswith("the app has not opened this home yet")
    else:
        raise AssertionError("a write ran before the home was open")


def test_a_socket_left_by_a_killed_app_blocks_nobody(qtbot: QtBot, tmp_path: Path,
                                                     launch: Launches) -> None:
    home = new_home(tmp_path / "home")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(control.endpoint(home)))  # bound, never listening, never removed
    stale.close()
    (home / control.CLAIM_FILE).write_text("")
    assert control.endpoint(home).exists()
    found = in_thread(qtbot, lambda: one_per_home(home))  # as a new app starts
    assert found.claimed is not None and not found.other
    found.claimed.release()

    first = launch(home)
    qtbot.waitUntil(lambda: opened(first), timeout=WAIT)
    assert in_thread(qtbot, lambda: control.ask_to_show(home)) == (os.getpid(), True)


def test_the_claim_is_one_process_at_a_time(tmp_path: Path) -> None:
    held = control.claim(tmp_path / "home")
    assert held is not None
    assert control.claim(tmp_path / "home") is None
    held.release()
    again = control.claim(tmp_path / "home")
    assert again is not None
    again.release()


def test_a_headless_serve_says_it_has_no_window(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    answered: list[Any] = []

    async def scenario() -> None:
        async def handler(command: str, args: tuple) -> Any:
            raise AssertionError("show is answered by the endpoint itself")

        async with trio.open_nursery() as nursery:
            await nursery.start(control.serve, home, handler)
            answered.append(await trio.to_thread.run_sync(control.ask_to_show, home))
            nursery.cancel_scope.cancel()

    trio.run(scenario)
    assert answered == [(os.getpid(), False)]
    line = other_copy_line(home, Instance(other=True, other_pid=42))
    assert line.startswith(f"p2psocial: {home} is kept open by 'p2psocial serve' (pid 42), "
                           "which has no window")
    # a serve cannot take the endpoint of a window waiting for its passphrase
    held = control.claim(home)
    try:
        async def taken() -> None:
            async def handler(command: str, args: tuple) -> Any:
                return None
            await control.serve(home, handler)

        try:
            trio.run(taken)
        except control.EndpointTaken as exc:
            assert "close it first" in str(exc)
        else:
            raise AssertionError("two processes served one home's endpoint")
    finally:
        assert held is not None
        held.release()


def test_a_home_in_use_is_said_before_the_passphrase_is_asked(
        qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    home = new_home(tmp_path / "home", "open sesame")
    holder = Home(home)
    holder.lock()  # a command line writing to it, say
    try:
        launcher = launch(home)
        assert launcher.unlock is None
        assert "in use by another p2psocial" in launcher.window.status_label.text()
    finally:
        holder.unlock()


# --- two real processes ------------------------------------------------------------------


def app_env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "P2PSOCIAL_LISTEN_IP": "127.0.0.1"}


def wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen,
             seconds: float = 60) -> None:
    """Until ``condition()``, while ``process`` runs: another process's files, no event."""
    poll(condition, what, within=seconds, every=0.05, alive=process)


def test_two_processes_on_one_home_the_second_raises_the_first_and_exits(
        tmp_path: Path) -> None:
    home = new_home(tmp_path / "home", "open sesame")
    command = [sys.executable, "-m", "p2psocial", "--home", str(home)]
    first = subprocess.Popen(command, env=app_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: control.endpoint(home).exists(), "the first app's endpoint", first)
        started = time.monotonic()
        # a terminal that would answer a passphrase prompt: nothing must read it
        second = subprocess.run(command, env=app_env(), input="open sesame\n",
                                capture_output=True, text=True, timeout=60)
        took = time.monotonic() - started
        assert second.returncode == 0, second.stderr
        assert second.stderr == (f"p2psocial: Already open for {home} (pid {first.pid}); "
                                 "its window is in front now\n")
        assert took < 10, took
        log = home / "p2psocial.log"
        wait_for(lambda: log.exists() and "asked for this window" in log.read_text(),
                 "the first app's raise", first)
        assert first.poll() is None  # still at its passphrase page
    finally:
        first.terminate()
        _, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "Traceback" not in err


def test_an_app_killed_leaves_nothing_that_blocks_the_next(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home", "open sesame")
    command = [sys.executable, "-m", "p2psocial", "--home", str(home)]
    first = subprocess.Popen(command, env=app_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: control.endpoint(home).exists(), "the first app's endpoint", first)
    first.kill()  # a crash: its socket file and claim file stay behind
    first.communicate(timeout=30)
    assert control.endpoint(home).exists()
    second = subprocess.Popen(command, env=app_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def serves() -> bool:
            try:
                return control.ask_to_show(home) == (second.pid, True)
            except control.ControlError:
                return False

        wait_for(serves, "the new app to answer", second)
    finally:
        second.terminate()
        _, err = second.communicate(timeout=30)
    assert second.returncode == 0 and "Traceback" not in err, err


def test_the_app_on_a_home_a_serve_keeps_says_so_and_asks_nothing(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    serve = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home), "serve",
                              "--listen", "127.0.0.1", "--no-lan"], env=app_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: control.endpoint(home).exists(), "the serve's endpoint", serve)
        app = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home)],
                               env=app_env(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert app.stderr is not None
            line = app.stderr.readline()  # printed before any window
        finally:
            app.terminate()
            app.communicate(timeout=30)
        assert line == (f"p2psocial: {home} is kept open by 'p2psocial serve' (pid "
                        f"{serve.pid}), which has no window: stop it to open the home "
                        "here, or use the command line (p2psocial --help)\n")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=30)
    assert serve.returncode == 0
