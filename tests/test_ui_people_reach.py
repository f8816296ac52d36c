"""The people page says where you stand: whether others can reach you, how each peer
is connected, and why one is not (ui/people_page.py), in English and in German.

The rows are the back end's (runtime.PeerRow) as a running service would give them;
``P2PSOCIAL_SHOT=path.png`` saves the page as it looks (run under Xvfb to see fonts)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from pytestqt.qtbot import QtBot

from p2psocial.runtime import NetworkStatus, PeerRow
from p2psocial.ui.context import AppContext
from p2psocial.ui.peer_words import how_text, reach_text, why_text
from p2psocial.ui.people_page import HOW, NAME, PeoplePage

HOUR = 3_600_000


def peer(n: int, name: str, state: str, **kw: object) -> PeerRow:
    base = PeerRow(device=bytes([n]) * 32, account=bytes([n + 100]) * 32, name=name,
                   state=state, nearby=False, source="invite", received=0, sent=0,
                   caught_up=state == "connected", last_seen=None, following=True)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_words_for_each_path_reason_and_reachability() -> None:
    now = 10 * HOUR
    rows = {
        "lan": peer(1, "Ann", "connected", path="lan"),
        "relayed": peer(2, "Ben", "connected", path="relayed"),
        "gone": peer(3, "Cy", "known", why_not="unreachable", last_seen=now - 3 * HOUR),
        "nat": peer(4, "Di", "known", why_not="neither-accepts"),
    }
    assert how_text(rows["lan"], now) == "on your home network"
    assert how_text(rows["relayed"], now) == "through a friend's relay"
    assert how_text(rows["gone"], now) == "not reachable now"
    assert why_text(rows["gone"], now) == \
        "Not reachable now: last seen 3 hours ago; will keep trying."
    assert how_text(rows["nat"], now) == "both behind routers, no relay"
    assert why_text(rows["nat"], now).startswith(
        "Neither of you accepts incoming connections and no common friend can relay: ")
    for why in ("connecting", "banned", "no-address"):
        assert why_text(peer(5, "Ed", "known", why_not=why), now).endswith(").")
    assert why_text(peer(5, "Ed", "known"), now) == ""
    online = NetworkStatus("online", reach="behind-nat", reach_confirmed=True)
    assert reach_text(online) == ("Others on the internet cannot connect to you: your router "
                                  "stands in the way. You connect to them, or through a "
                                  "friend who relays. (A friend checked.)")
    assert reach_text(replace(online, reach="port-mapped", reach_confirmed=False)).endswith(
        "(Not checked by a friend yet.)")
    assert reach_text(replace(online, reach="unknown")) == \
        "Not known yet whether others on the internet can connect to you."
    assert reach_text(NetworkStatus("offline")) == ""


ROWS = [
    peer(1, "Rita's box", "connected", path="direct", received=12, sent=3, caught_up=False),
    peer(2, "Bob", "connected", path="hole-punched"),
    peer(3, "Carol", "connected", path="relayed"),
    peer(4, "Dan", "connected", path="lan"),
    peer(5, "Erin", "known", why_not="unreachable", last_seen=None),
    peer(6, "Frank", "known", why_not="neither-accepts"),
]


def test_the_page_shows_reachability_paths_and_reasons(app_ctx: AppContext,
                                                       qtbot: QtBot) -> None:
    page = PeoplePage(app_ctx)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    now = app_ctx.node.clock()
    rows = [replace(r, last_seen=now - 3 * HOUR) if r.state == "known" else r for r in ROWS]
    page.show_peers(rows)
    page.reach.setText(reach_text(NetworkStatus("online", reach="behind-nat",
                                                reach_confirmed=True)))
    page.reach.show()
    shown = {item.text(NAME): item.text(HOW) for item in page._rows.values()}
    assert shown == {"Rita's box": "directly", "Bob": "directly, through both routers",
                     "Carol": "through a friend's relay", "Dan": "on your home network",
                     "Erin": "not reachable now", "Frank": "both behind routers, no relay"}
    frank = page._rows[bytes([6]) * 32]
    assert frank.toolTip(HOW).startswith("Neither of you accepts incoming connections")
    assert page.why.isHidden()
    page.tree.setCurrentItem(frank)  # chosen: the whole sentence below the list
    assert page.why.text() == "Frank: " + frank.toolTip(HOW)
    assert page.why.isVisible()
    shot = os.environ.get("P2PSOCIAL_SHOT")
    if shot:
        qtbot.waitExposed(page)
        page.grab().save(shot)
    page.stop()


def test_german_words(qtbot: QtBot) -> None:
    translator = QTranslator()
    here = os.path.dirname(__file__)
    qm = os.path.join(here, "..", "p2psocial", "ui", "translations", "p2psocial_de.qm")
    if not translator.load(qm):
        pytest.fail("the German translations are missing: run 'make translations'")
    QCoreApplication.installTranslator(translator)
    try:
        assert how_text(peer(1, "Ann", "connected", path="relayed"), 0) != \
            "through a friend's relay"
        assert reach_text(NetworkStatus("online", reach="public")) != \
            "Others on the internet can connect to you."
    finally:
        QCoreApplication.removeTranslator(translator)
