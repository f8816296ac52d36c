"""The join message follows the connection (issue 14, item 3): it used to stay
"connecting…" for ever. Joining Bob, who is online, says connected (and up to date once
both have caught up); joining Carol, whose address in the code has nobody listening on
127.0.0.1, says "not reachable now, will keep trying" with the reason, then connected
once she starts; ``runtime.join_state`` decides it from the peer's row."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from p2psocial import invite
from p2psocial.runtime import JOIN_PATIENCE, Joined, PeerRow, join_state
from p2psocial.ui.context import AppContext
from p2psocial.ui.people_page import PeoplePage
from tests.uikit import QUIET, WAIT, make_backend, start_network

OFFLINE_REASON = "nothing answers at the addresses in the code; they may be offline"


def free_port() -> int:
    """A port nobody listens on at 127.0.0.1 (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def bob(app_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> Iterator[AppContext]:
    backend = make_backend(tmp_path / "bob", "Bob")
    ctx = AppContext(app_ctx.host, backend)
    start_network(qtbot, ctx)
    yield ctx
    assert app_ctx.host.stop()
    backend.close()


def people(qtbot: QtBot, ctx: AppContext) -> PeoplePage:
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    return page


def test_joining_a_peer_that_is_online_says_connected(app_ctx: AppContext, bob: AppContext,
                                                      qtbot: QtBot) -> None:
    start_network(qtbot, app_ctx)
    page = people(qtbot, app_ctx)
    page.code.setText(bob.backend.invite_code())
    page.join()
    qtbot.waitUntil(lambda: "connected" in page.join_outcome.text(), timeout=WAIT)
    assert page.join_outcome.text().startswith("Following ")
    qtbot.waitUntil(lambda: page.join_outcome.text().endswith("connected and up to date"),
                    timeout=WAIT)
    assert page.join_outcome.text() == "Following Bob: connected and up to date"
    page.stop()


def test_joining_a_peer_that_is_offline_says_why_then_connected_when_it_starts(
        app_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    port = free_port()
    carol = make_backend(tmp_path / "carol", "Carol", replace(QUIET, port=port))
    try:
        identity = carol.node.identity
        assert identity is not None
        code = invite.encode(invite.make(identity.device_id, identity.account_id,
                                         [f"/ip4/127.0.0.1/tcp/{port}"]))
        start_network(qtbot, app_ctx)
        page = people(qtbot, app_ctx)
        page.code.setText(code)
        page.join()
        qtbot.waitUntil(lambda: "not reachable" in page.join_outcome.text(), timeout=WAIT)
        name = page.join_outcome.text().split(":")[0]  # a short id: no profile of hers yet
        assert page.join_outcome.text() == (
            f"{name}: not reachable now, will keep trying — {OFFLINE_REASON}")
        assert name.startswith("Following ")

        start_network(qtbot, AppContext(app_ctx.host, carol))  # she opens her app
        qtbot.waitUntil(lambda: "connected" in page.join_outcome.text(), timeout=30_000)
        page.stop()
    finally:
        assert app_ctx.host.stop()
        carol.close()


def joined(failures: int = 0, connecting: bool = True) -> Joined:
    return Joined(b"d" * 32, b"a" * 32, ("/ip4/127.0.0.1/tcp/1",), True, False,
                  connecting, failures=failures)


def row(state: str = "dialing", failures: int = 0, caught_up: bool = False,
        why: str | None = "connecting") -> PeerRow:
    return PeerRow(b"d" * 32, None, None, state, False, "invite", 0, 0, caught_up, None,
                   True, why_not=why, failures=failures)


def test_join_state_follows_the_row() -> None:
    assert join_state(joined(connecting=False), None, 0) == "offline"
    # joined while the network was off, connected once it came on
    assert join_state(joined(connecting=False), row("connected", why=None), 0) == "syncing"
    assert join_state(joined(), None, 0) == "connecting"
    assert join_state(joined(), row(), 1) == "connecting"
    assert join_state(joined(), row("connected", why=None), 1) == "syncing"
    assert join_state(joined(), row("connected", caught_up=True, why=None), 1) == "up-to-date"
    # a failure that was there before the join is not this join's
    assert join_state(joined(failures=3), row("known", 3, why="unreachable"), 1) \
        == "connecting"
    assert join_state(joined(failures=3), row("known", 4, why="unreachable"), 1) \
        == "unreachable"
    # a dial that hangs (packets dropped) is not reachable after the patience
    assert join_state(joined(), row(), JOIN_PATIENCE) == "unreachable"
    # and a later connection wins over all of it
    assert join_state(joined(), row("connected", 0, why=None), 10 * JOIN_PATIENCE) \
        == "syncing"
