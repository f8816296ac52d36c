"""py-libp2p's noise stays out of the terminal (issue 14, item 3): the desktop app and
``serve``, each following a peer whose address nobody listens on (127.0.0.1), write
libp2p's "Failed to open TCP stream" lines into HOME/p2psocial.log, and none on
stderr. The log file rotates and caps libp2p's lines (logs.py)."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from p2psocial import invite, logs
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.settings import save_settings
from tests.uikit import QUIET
from tests.waitkit import poll

NOISE = "Failed to open TCP stream"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def home_with_an_offline_friend(tmp_path: Path) -> Path:
    """Alice follows Bob, whose only address is a port nobody listens on."""
    home = tmp_path / "alice"
    with Node.init(Home(tmp_path / "bob"), "Bob") as bob:
        assert bob.identity is not None
        code = invite.encode(invite.make(bob.identity.device_id, bob.identity.account_id,
                                         [f"/ip4/127.0.0.1/tcp/{free_port()}"]))
    Node.init(Home(home), "Alice").close()
    save_settings(home, QUIET)
    done = subprocess.run([sys.executable, "-m", "p2psocial", "--home", str(home), "join",
                           code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return home


def until_logged(process: subprocess.Popen, log: Path, what: str,
                 seconds: float = 60) -> None:
    """Until ``what`` is in the ``log`` file of ``process``, while it runs."""
    poll(lambda: log.exists() and what in log.read_text(encoding="utf-8"),
         f"{what!r} in {log}", within=seconds, alive=process)


def env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "P2PSOCIAL_LISTEN_IP": "127.0.0.1"}


def test_the_app_keeps_libp2p_noise_in_its_log_file(tmp_path: Path) -> None:
    home = home_with_an_offline_friend(tmp_path)
    app = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home)],
                           env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        until_logged(app, home / "p2psocial.log", NOISE)
    finally:
        app.terminate()
        _, err = app.communicate(timeout=30)
    assert app.returncode == 0, err
    assert NOISE not in err and "libp2p" not in err, err
    assert "ERROR libp2p." in (home / "p2psocial.log").read_text(encoding="utf-8")


def test_serve_keeps_libp2p_noise_in_its_log_file(tmp_path: Path) -> None:
    home = home_with_an_offline_friend(tmp_path)
    serve = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home), "serve",
                              "--listen", "127.0.0.1", "--no-lan"], env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until_logged(serve, home / "p2psocial.log", NOISE)
    finally:
        serve.send_signal(signal.SIGINT)
        _, err = serve.communicate(timeout=30)
    assert serve.returncode == 0, err
    assert NOISE not in err and " libp2p" not in err, err
    assert "INFO p2psocial.net.service: cannot reach" in err  # our own lines stay


def test_libp2p_lines_are_capped_and_the_file_rotates(tmp_path: Path) -> None:
    handler = logs.log_file(tmp_path)
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes == logs.LOG_BYTES and handler.backupCount == logs.LOG_BACKUPS
    noisy = logging.getLogger("libp2p.test")
    ours = logging.getLogger("p2psocial.test")
    for logger in (noisy, ours):
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
    try:
        for _ in range(logs.LIBP2P_BURST + 40):
            noisy.error(NOISE)
        ours.warning("ours, always")
        burst = next(f for f in handler.filters if isinstance(f, logs._Burst))
        burst.start -= burst.window  # a minute later
        noisy.error("and again")
    finally:
        for logger in (noisy, ours):
            logger.removeHandler(handler)
        handler.close()
    lines = (tmp_path / "p2psocial.log").read_text(encoding="utf-8").splitlines()
    assert sum(NOISE in line for line in lines) == logs.LIBP2P_BURST
    assert lines[-2].endswith("ours, always")
    assert lines[-1].endswith("and again (40 more libp2p lines left out)")


def test_our_warnings_stay_on_the_terminal_and_info_goes_to_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = logging.getLogger("p2psocial")
    saved = (list(ours.handlers), ours.level, ours.propagate, logs._file, logs._terminal)
    try:
        logs.setup(tmp_path / "home")
        logging.getLogger("p2psocial.runtime").warning("the network did not start: %s", "x")
        logging.getLogger("p2psocial.net.service").info("cannot reach a peer")
        assert logs._file is not None
        logs._file.close()
    finally:
        for handler in list(ours.handlers):
            ours.removeHandler(handler)
        for handler in saved[0]:
            ours.addHandler(handler)
        ours.setLevel(saved[1])
        ours.propagate = saved[2]
        logs._file, logs._terminal = saved[3], saved[4]
    err = capsys.readouterr().err
    assert err == "p2psocial: the network did not start: x\n"
    text = (tmp_path / "home" / "p2psocial.log").read_text(encoding="utf-8")
    assert "WARNING p2psocial.runtime: the network did not start: x" in text
    assert "INFO p2psocial.net.service: cannot reach a peer" in text
