"""The whole app on loopback: Alice's window (opened as the app opens it, network and
all) joins Bob's invite; Bob's post then appears in her home timeline, and once Bob follows
her back, her reply reaches Bob's node."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.settings import save_settings
from p2psocial.ui.context import AppContext
from tests.uikit import QUIET, WAIT, Launches, call, make_backend, opened, start_network


def test_a_post_from_a_second_node_appears_in_the_window(qtbot: QtBot, tmp_path: Path,
                                                         launch: Launches) -> None:
    Node.init(Home(tmp_path / "alice"), "Alice").close()
    save_settings(tmp_path / "alice", QUIET)
    alice = launch(tmp_path / "alice")
    qtbot.waitUntil(lambda: opened(alice), timeout=WAIT)
    qtbot.waitUntil(lambda: alice.ctx.backend.status().state == "online", timeout=WAIT)

    bob_backend = make_backend(tmp_path / "bob", "Bob")
    bob = AppContext(launch.host, bob_backend)
    try:
        start_network(qtbot, bob)
        joined = call(qtbot, alice.ctx, alice.ctx.backend.join, bob_backend.invite_code())
        assert joined.followed
        qtbot.waitUntil(lambda: alice.ctx.backend.status().connected == 1, timeout=WAIT)

        post = call(qtbot, bob, bob.node.posts.post, "hello from Bob's machine")
        view = alice.window.section("home").timeline_view
        model = view.model()

        def shown() -> bool:
            return any(p.id == post.id for p in model.posts)

        qtbot.waitUntil(shown, timeout=WAIT)
        assert model.posts[0].author_name == "Bob"

        call(qtbot, bob, bob.node.posts.follow, alice.ctx.me)  # Bob replicates Alice's log too
        reply = call(qtbot, alice.ctx, partial(alice.ctx.node.posts.post, "hi Bob",
                                               reply_to=post.id))

        def bob_has_reply() -> bool:
            thread = call(qtbot, bob, bob.node.feeds.thread, post.id)
            return any(p.id == reply.id for p in thread)

        qtbot.waitUntil(bob_has_reply, timeout=WAIT)
    finally:
        launch.launchers[0].stop()
        launch.host.stop()
        bob_backend.close()


def test_a_post_typed_in_a_terminal_is_made_by_the_running_app(
        qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    import subprocess
    import sys

    home = tmp_path / "alice"
    Node.init(Home(home), "Alice").close()
    save_settings(home, QUIET)
    alice = launch(home)
    qtbot.waitUntil(lambda: alice.ctx is not None
                    and alice.ctx.backend.status().state == "online", timeout=WAIT)
    # the app answers from this process's Qt loop: wait for the command with the loop running
    command = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home), "post",
                                "typed in a terminal"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: command.poll() is not None, timeout=60_000)
    out, err = command.communicate()
    assert command.returncode == 0 and out.startswith("Posted ent1"), err
    model = alice.window.section("home").timeline_view.model()
    qtbot.waitUntil(lambda: any(p.text == "typed in a terminal" for p in model.posts),
                    timeout=WAIT)


def test_a_message_shows_as_a_badge_on_messages(qtbot: QtBot, tmp_path: Path,
                                                launch: Launches) -> None:
    home = tmp_path / "alice"
    Node.init(Home(home), "Alice").close()
    save_settings(home, QUIET)
    alice = launch(home)
    qtbot.waitUntil(lambda: alice.ctx is not None, timeout=WAIT)
    ctx = alice.ctx
    with Node.init(Home(tmp_path / "bob"), "Bob") as bob:
        async def exchange() -> None:  # each holds the other's log: keys are known
            assert bob.identity is not None and ctx.node.identity is not None
            bobs, ours = bob.identity.device_id, ctx.node.identity.device_id
            await ctx.node.replication.ingest(await bob.replication.log_entries(bobs, 0, 100))
            await bob.replication.ingest(await ctx.node.replication.log_entries(ours, 0, 100))

        async def write() -> None:
            assert bob.identity is not None
            await bob.messages.send([ctx.me], "are you coming tonight?")
            log = await bob.replication.log_entries(bob.identity.device_id, 0, 100)
            await ctx.node.replication.ingest(log)

        call(qtbot, ctx, exchange)
        call(qtbot, ctx, write)
    nav = alice.window.nav
    row = next(r for r in range(nav.count())
               if nav.item(r).data(Qt.ItemDataRole.UserRole) == "messages")
    qtbot.waitUntil(lambda: nav.item(row).text().endswith("(1)"), timeout=WAIT)
    assert alice.window.windowTitle().startswith("(1)")


def test_help_says_what_stays_private(qtbot: QtBot, app_ctx: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from p2psocial.ui.help import PrivacyHelp
    from p2psocial.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.attach(app_ctx)
    window.help_button.click()
    dialog = window.findChild(PrivacyHelp)
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QLabel, "privacy_text").text()
    assert "no forward secrecy" in text and "follows are public" in text
    dialog.close()
    window.stop_pages()
