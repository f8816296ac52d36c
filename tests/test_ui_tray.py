"""Desktop notifications (ui/tray.py): the real Notifier on Alice's node shows "Bob
mentioned you: …" when Bob's mention is ingested, through a stand-in for the tray (an
offscreen session has no system tray); not while the window is active, nor with
notifications turned off. The Tray itself works without a system tray."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from p2psocial import ids, private
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.context import AppContext
from p2psocial.ui.tray import Notifier, Target, Tray, message_of
from tests.uikit import WAIT, TrayStandIn, call, opened


@pytest.fixture
def bob(tmp_path: Path) -> Iterator[Node]:
    node = Node.init(Home(tmp_path / "bob"), "Bob")
    yield node
    node.close()


def mention_alice(qtbot: QtBot, ctx: AppContext, bob: Node, text: str) -> None:
    """Bob mentions Alice; his log reaches Alice's node as a sync would bring it."""
    call(qtbot, ctx, bob.posts.post, f"{text} @{ids.account_text(ctx.me)}")
    device = bob.identity.device_id if bob.identity else b""
    entries = call(qtbot, ctx, bob.replication.log_entries, device, 0, 1000)
    call(qtbot, ctx, ctx.node.replication.ingest, entries)


def notifier_of(ctx: AppContext, tray: TrayStandIn) -> Notifier:
    notifier = Notifier(ctx, tray)
    notifier.start()
    return notifier


def test_a_mention_by_bob_shows_a_desktop_message(app_ctx: AppContext, bob: Node,
                                                   qtbot: QtBot) -> None:
    tray = TrayStandIn()
    notifier = notifier_of(app_ctx, tray)
    changed: list[bool] = []
    app_ctx.notifications_changed.connect(lambda: changed.append(True))
    mention_alice(qtbot, app_ctx, bob, "lunch at noon?")
    qtbot.waitUntil(lambda: tray.messages != [], timeout=WAIT)
    title, text = tray.messages[0]
    assert title == "p2psocial"
    assert text.startswith("Bob mentioned you: lunch at noon?")
    assert tray.targets == [Target("notifications")]  # a click opens Notifications
    assert changed
    notifier.stop()


def test_no_message_while_the_window_is_active_or_when_turned_off(
        app_ctx: AppContext, bob: Node, qtbot: QtBot) -> None:
    tray = TrayStandIn()
    tray.active = True
    notifier = notifier_of(app_ctx, tray)
    changed: list[bool] = []
    app_ctx.notifications_changed.connect(lambda: changed.append(True))
    mention_alice(qtbot, app_ctx, bob, "first")
    qtbot.waitUntil(lambda: len(changed) == 1, timeout=WAIT)  # the window was told

    tray.active = False
    app_ctx.update_settings(replace(app_ctx.settings, notify=False))
    mention_alice(qtbot, app_ctx, bob, "second")
    qtbot.waitUntil(lambda: len(changed) == 2, timeout=WAIT)
    # the fetch that would follow runs after the event: a third mention with
    # notifications on must be the first message shown
    app_ctx.update_settings(replace(app_ctx.settings, notify=True))
    mention_alice(qtbot, app_ctx, bob, "third")
    qtbot.waitUntil(lambda: tray.messages != [], timeout=WAIT)
    assert len(tray.messages) == 1 and "third" in tray.messages[0][1]
    notifier.stop()


def test_several_notifications_make_one_message(app_ctx: AppContext, bob: Node,
                                                qtbot: QtBot) -> None:
    for text in ("one", "two", "three", "four"):
        call(qtbot, app_ctx, bob.posts.post, f"{text} @{ids.account_text(app_ctx.me)}")
    tray = TrayStandIn()
    notifier = notifier_of(app_ctx, tray)
    device = bob.identity.device_id if bob.identity else b""
    entries = call(qtbot, app_ctx, bob.replication.log_entries, device, 0, 1000)
    call(qtbot, app_ctx, app_ctx.node.replication.ingest, entries)  # one batch: one Notified(4)
    qtbot.waitUntil(lambda: tray.messages != [], timeout=WAIT)
    title, text = tray.messages[0]
    assert title == "4 new notifications"
    assert text.splitlines()[0] == "Bob mentioned you: four @" + ids.account_text(app_ctx.me)
    assert text.splitlines()[-1] == "and 1 more"
    notifier.stop()
    page = call(qtbot, app_ctx, app_ctx.node.feeds.notifications)
    assert message_of(page.items[:1])[0] == "p2psocial"


def test_the_tray_works_without_a_system_tray(app_ctx: AppContext, qtbot: QtBot) -> None:
    from p2psocial.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.keep_in_tray = True
    window.show()
    tray = Tray(window, app_ctx)
    tray.set_unread(3)
    assert tray.unread == 3
    if tray.icon is not None:
        assert "3" in tray.icon.toolTip()
    tray.show_message("p2psocial", "nothing breaks")  # without a tray: does nothing
    opened: list[tuple[str, bytes | None]] = []
    window.open_target = lambda *target: opened.append(target)  # type: ignore[method-assign]
    tray.target = Target("messages", b"c" * 32)
    tray.message_clicked()  # what a click on the message does
    assert opened == [("messages", b"c" * 32)]
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Open p2psocial", "New post", "Quit"]
    tray.quit()  # closes for good although the window would hide to the tray
    assert not window.isVisible() and not window.keep_in_tray
    tray.hide()


def test_a_click_on_a_message_opens_its_conversation(launch: Any, bob: Node, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    """``open_target`` is what the tray calls: the window shows Messages with the
    conversation the message was about."""
    Node.init(Home(tmp_path / "alice"), "Alice").close()
    alice = launch(tmp_path / "alice")
    qtbot.waitUntil(lambda: opened(alice), timeout=WAIT)
    ctx = alice.ctx
    device = bob.identity.device_id if bob.identity else b""
    log = call(qtbot, ctx, bob.replication.log_entries, device, 0, 100)
    call(qtbot, ctx, ctx.node.replication.ingest, log)
    call(qtbot, ctx, ctx.node.messages.send, [bob.account_id], "see you at six")
    cid = private.conversation_id([ctx.me, bob.account_id])
    alice.window.open_target("messages", cid)
    page = alice.window.section("messages")
    qtbot.waitUntil(lambda: page.current == cid, timeout=WAIT)
