"""Shared test set-up. Qt must be offscreen before any QApplication exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the desktop app's network (runtime.py) listens and announces on loopback only in tests,
# under a DNS-SD type of this run's own, so no packet leaves the machine and parallel
# runs do not meet each other
os.environ.setdefault("P2PSOCIAL_LISTEN_IP", "127.0.0.1")
os.environ.setdefault("P2PSOCIAL_LAN_SERVICE_TYPE",
                      f"_p2ps-t{os.getpid() % 100_000}._udp.local.")


@pytest.fixture
def trio_host(qapp: Any) -> Iterator[Any]:
    """A started ``ui.loop.TrioHost`` (Trio in guest mode on Qt), stopped afterwards."""
    from p2psocial.ui.loop import TrioHost

    host = TrioHost()
    host.start()
    yield host
    assert host.stop()


@pytest.fixture
def app_ctx(trio_host: Any, tmp_path: Any) -> Iterator[Any]:
    """An ``AppContext`` over a new home called Alice (tests/uikit.py), network off."""
    from tests.uikit import app_context

    yield from app_context(trio_host, tmp_path / "alice")


@pytest.fixture
def launch(qtbot: Any, trio_host: Any) -> Iterator[Any]:
    """``launch(home)`` opens a window on ``home`` as the app does (tests/uikit.py)."""
    from tests.uikit import Launches

    launches = Launches(qtbot, trio_host)
    yield launches
    launches.close()
