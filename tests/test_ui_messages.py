"""The Messages section (ui/messages_page.py, ui/conversation_view.py) over real homes.

Alice is the app's home (``app_ctx``); Bob is a second real home. They follow each
other and their logs travel between the homes the way a sync brings them
(``carry``: every entry of one node ingested by the other), so each knows the other's
encryption key. Then: a new conversation started from the page, messages sent with
Enter, a message of Bob's appearing live with its unread badge and read on opening,
an over-long text refused with the text kept, and the strings in German.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from p2psocial import content, private
from p2psocial.runtime import Backend
from p2psocial.ui.context import AppContext
from p2psocial.ui.conversation_list import last_line, title_of
from p2psocial.ui.message_list import OLDER_MARGIN
from p2psocial.ui.messages_page import MessagesPage
from p2psocial.ui.tray import Notifier, Target
from tests.uikit import (
    WAIT,
    TrayStandIn,
    call,
    carry,
    friends,
    german,
    make_backend,
    shown_page,
    texts,
)


def test_no_conversations_shows_the_empty_line(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = shown_page(qtbot, app_ctx)
    assert page.list.is_empty
    assert page.list.empty.text().startswith("No messages yet. Write to someone you follow")
    assert page.unread == 0
    page.stop()


def test_a_new_message_starts_a_conversation_and_enter_sends(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    page = shown_page(qtbot, app_ctx)
    page.new_message()
    panel = page.new_panel
    assert page.right.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.people.count() == 1, timeout=WAIT)
    assert panel.people.item(0).text().startswith("Bob")
    assert not panel.send_button.isEnabled()
    qtbot.keyClicks(panel.filter, "bo")
    qtbot.keyClick(panel.filter, Qt.Key.Key_Return)  # the one found is chosen
    assert panel.recipients == [bob.node.account_id]
    assert panel.input.hasFocus() or not QApplication.focusWidget()
    panel.input.setPlainText("hello Bob")
    assert panel.send_button.isEnabled()
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: page.current is not None and texts(page) == ["hello Bob"],
                    timeout=WAIT)
    assert page.pane.title.text() == "Bob"
    assert page.pane.model.items[0].own
    qtbot.waitUntil(lambda: page.view.currentIndex().row() == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    row = page.model.items[0]
    assert title_of(row, app_ctx.me) == "Bob" and last_line(row, app_ctx.me) == "You: hello Bob"
    assert not page.list.is_empty

    page.pane.input.setFocus()
    qtbot.keyClicks(page.pane.input, "two")
    qtbot.keyClick(page.pane.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(page.pane.input, "lines")
    assert page.pane.text == "two\nlines"
    qtbot.keyClick(page.pane.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(page) == ["hello Bob", "two\nlines"], timeout=WAIT)
    assert page.pane.text == ""
    stored = call(qtbot, app_ctx, app_ctx.node.messages.conversation, page.current)
    assert [m.text for m in stored.items] == ["two\nlines", "hello Bob"]  # newest first
    qtbot.waitUntil(lambda: last_line(page.model.items[0], app_ctx.me) == "You: two lines",
                    timeout=WAIT)
    page.stop()


def test_a_message_from_bob_arrives_live_unread_and_is_read_on_opening(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    page = shown_page(qtbot, app_ctx)
    counts: list[int] = []
    page.unread_changed.connect(counts.append)
    call(qtbot, app_ctx, bob.node.messages.send, [app_ctx.me], "are you there?")
    carry(qtbot, app_ctx, bob.node, app_ctx.node)

    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.unread == 1, timeout=WAIT)
    row = page.model.items[0]
    assert row.unread == 1 and last_line(row, app_ctx.me) == "are you there?"
    assert page.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole) == \
        "Bob, are you there?, 1 unread message"
    assert counts[-1] == 1

    with qtbot.waitSignal(app_ctx.notifications_changed, timeout=WAIT):
        page.view.setCurrentIndex(page.model.index(0))
        page.view.setFocus()
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(page) == ["are you there?"], timeout=WAIT)
    assert not page.pane.model.items[0].own
    qtbot.waitUntil(lambda: page.unread == 0 and page.model.items[0].unread == 0,
                    timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.messages.unread) == 0

    # the conversation is open and on screen: the next one is read as it comes
    call(qtbot, app_ctx, bob.node.messages.send, [app_ctx.me], "good")
    carry(qtbot, app_ctx, bob.node, app_ctx.node)
    qtbot.waitUntil(lambda: texts(page) == ["are you there?", "good"], timeout=WAIT)
    qtbot.waitUntil(lambda: call(qtbot, app_ctx, app_ctx.node.messages.unread) == 0,
                    timeout=WAIT)
    page.stop()


def test_older_messages_load_when_scrolled_to_the_top(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    for n in range(30):
        call(qtbot, app_ctx, app_ctx.node.messages.send, [bob.node.account_id], f"m{n}")
    page = shown_page(qtbot, app_ctx)
    page.pane.model._page_size = 10
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    page.open_conversation(page.model.items[0].id)
    qtbot.waitUntil(lambda: len(texts(page)) >= 10 and not page.pane.model.loading,
                    timeout=WAIT)
    assert texts(page)[-1] == "m29"  # newest at the bottom
    view = page.pane.view
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0, timeout=WAIT)
    assert view.at_bottom()
    while page.pane.model.has_older:
        before = len(texts(page))
        view.verticalScrollBar().setValue(0)
        qtbot.waitUntil(lambda b=before: not page.pane.model.loading and (
            len(texts(page)) > b or not page.pane.model.has_older), timeout=WAIT)
        if len(texts(page)) > before:  # the reader's place is kept, not thrown to the top
            qtbot.waitUntil(lambda: view.verticalScrollBar().value() > OLDER_MARGIN, timeout=WAIT)
    assert texts(page) == [f"m{n}" for n in range(30)]
    page.stop()


def test_an_over_long_message_is_refused_and_kept(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    call(qtbot, app_ctx, app_ctx.node.messages.send, [bob.node.account_id], "hi")
    page = shown_page(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    page.open_conversation(page.model.items[0].id)
    qtbot.waitUntil(lambda: texts(page) == ["hi"], timeout=WAIT)
    long = "x" * (content.TEXT_MAX + 1)
    page.pane.input.setPlainText(long)
    page.pane.send()
    qtbot.waitUntil(lambda: page.pane.error_line.isVisible(), timeout=WAIT)
    assert "\n" not in page.pane.error_line.text()
    assert str(content.TEXT_MAX) in page.pane.error_line.text().replace(",", "")
    assert page.pane.text == long
    assert page.pane.send_button.isEnabled()
    assert texts(page) == ["hi"]
    # and the draft keeps it over a switch away and back
    page.pane.save_draft()
    assert app_ctx.backend.drafts.get(f"message:{page.current.hex()}").text == long
    page.stop()


def test_the_tray_says_bob_wrote_and_counts_unread_messages(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    tray = TrayStandIn()
    notifier = Notifier(app_ctx, tray)
    counts: list[int] = []
    notifier.unread_messages_changed.connect(counts.append)
    notifier.start()
    call(qtbot, app_ctx, app_ctx.node.messages.send, [bob.node.account_id], "mine")
    call(qtbot, app_ctx, bob.node.messages.send, [app_ctx.me], "lunch at noon?")
    carry(qtbot, app_ctx, bob.node, app_ctx.node)
    qtbot.waitUntil(lambda: tray.messages != [] and counts and counts[-1] == 1, timeout=WAIT)
    assert tray.messages == [("p2psocial", "Bob: lunch at noon?")]  # never our own
    cid = private.conversation_id([app_ctx.me, bob.node.account_id])
    assert tray.targets == [Target("messages", cid)]  # a click opens the conversation
    notifier.stop()


@pytest.fixture
def carol(tmp_path: Path) -> Iterator[Backend]:
    backend = make_backend(tmp_path / "carol", "Carol")
    yield backend
    backend.close()


def test_a_group_is_created_shown_and_its_members_changed(
        app_ctx: AppContext, bob: Backend, carol: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    friends(qtbot, app_ctx, carol)
    page = shown_page(qtbot, app_ctx)
    page.new_group()
    panel = page.new_panel
    qtbot.waitUntil(lambda: panel.people.count() == 2, timeout=WAIT)
    assert panel.name_edit.isVisible() and panel.send_button.text() == "Create group"
    qtbot.keyClicks(panel.name_edit, "Picnic")
    panel.choose(bob.node.account_id)
    panel.choose(carol.node.account_id)
    panel.input.setPlainText("first!")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.current is not None and texts(page) == ["first!"],
                    timeout=WAIT)
    bar = page.pane.group_bar
    assert page.pane.title.text() == "Picnic" and bar.isVisible()
    assert bar.members_button.text() == "3 members"
    assert bar.add_button.isVisible() and not bar.leave_button.isVisible()  # the admin
    row = page.model.items[0]
    assert title_of(row, app_ctx.me) == "Picnic"
    assert page.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole).startswith(
        "Group Picnic, You: first!")

    qtbot.mouseClick(bar.members_button, Qt.MouseButton.LeftButton)
    carol_row = next(r for r in range(bar.members.count())
                     if bar.members.item(r).data(Qt.ItemDataRole.UserRole)
                     == carol.node.account_id)
    bar.members.setCurrentRow(carol_row)
    asked: list[str] = []
    bar.confirm = lambda title, question: asked.append(question) is None and False
    qtbot.mouseClick(bar.remove_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].startswith("Remove Carol from Picnic?")
    bar.confirm = lambda title, question: True
    qtbot.mouseClick(bar.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.members_button.text() == "2 members", timeout=WAIT)

    # Bob, in his own window, reads it and leaves
    carry(qtbot, app_ctx, app_ctx.node, bob.node)
    bob_ctx = AppContext(app_ctx.host, bob)
    bob_page = shown_page(qtbot, bob_ctx)
    qtbot.waitUntil(lambda: bob_page.model.rowCount() == 1, timeout=WAIT)
    bob_page.open_conversation(bob_page.model.items[0].id)
    qtbot.waitUntil(lambda: texts(bob_page) == ["first!"], timeout=WAIT)
    bob_bar = bob_page.pane.group_bar
    assert bob_bar.leave_button.isVisible() and not bob_bar.add_button.isVisible()
    bob_bar.confirm = lambda title, question: True
    qtbot.mouseClick(bob_bar.leave_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not bob_page.pane.input.isEnabled(), timeout=WAIT)
    assert bob_page.pane.closed_line.text() == "You are no longer a member of this group."
    bob_page.stop()
    page.stop()


def test_the_page_speaks_german(app_ctx: AppContext, qtbot: QtBot) -> None:
    with german():
        page = MessagesPage(app_ctx)
        qtbot.addWidget(page)
        assert page.new_button.text() == "Neue Nachricht"
        assert page.list.empty.text().startswith("Noch keine Nachrichten.")
        page.stop()


def test_message_on_a_profile_opens_a_new_message_to_them(
        app_ctx: AppContext, qtbot: QtBot, bob: Backend) -> None:
    from p2psocial.ui.main_window import MainWindow
    from p2psocial.ui.profile_page import ProfilePage

    friends(qtbot, app_ctx, bob)
    window = MainWindow()
    qtbot.addWidget(window)
    window.attach(app_ctx)
    window.show()
    window.open_profile(bob.node.account_id)
    profile = window.pages.currentWidget()
    assert isinstance(profile, ProfilePage) and profile.message.isVisible()
    profile.message.click()
    page = window.pages.currentWidget()
    assert isinstance(page, MessagesPage)
    qtbot.waitUntil(lambda: page.new_panel.recipients == [bob.node.account_id], timeout=WAIT)
    window.stop_pages()


def test_a_followers_only_post_appears_live_in_the_home_timeline(
        app_ctx: AppContext, qtbot: QtBot, bob: Backend) -> None:
    from p2psocial.ui.timeline import TimelineModel

    friends(qtbot, app_ctx, bob)
    model = TimelineModel(app_ctx.host, app_ctx.node)
    model.start()
    try:
        call(qtbot, app_ctx, bob.node.circles.approve, app_ctx.me)
        call(qtbot, app_ctx, bob.node.circles.post, "only for friends")
        carry(qtbot, app_ctx, bob.node, app_ctx.node)  # the scan opens it: PostAdded
        qtbot.waitUntil(lambda: any(p.text == "only for friends" for p in model.posts),
                        timeout=WAIT)
        assert next(p for p in model.posts if p.text == "only for friends").audience \
            == "circle"
    finally:
        model.stop()
