"""Open LAN communities in the window (ui/communities.py, People and Messages).

Over real back ends and real network services on 127.0.0.1, found by LAN discovery
(a DNS-SD type of each test's own): Alice starts a community; Bob's People section
lists it under Communities nearby; one click on Join opens it in his Messages; what
Bob writes there reaches Alice's Messages, though nobody follows anybody. Without a
network: a new community from Messages (a name only), marked as one, with Leave and
no member management; the empty states; German.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial import roster
from p2psocial.errors import UserError
from p2psocial.runtime import LAN_TYPE_ENV, Backend, NearbyRow, NetworkStatus
from p2psocial.settings import Settings
from p2psocial.ui.communities import (
    ACTION,
    CREATOR,
    MEMBERS,
    NAME,
    empty_text,
    full_text,
    nearby_members_text,
)
from p2psocial.ui.context import AppContext
from p2psocial.ui.conversation_list import kind_title, last_line
from p2psocial.ui.messages_page import MessagesPage
from p2psocial.ui.people_page import PeoplePage
from tests.helpers import make_joins
from tests.netkit import lan_type
from tests.uikit import WAIT, call, german, make_backend, start_network, texts

LAN = Settings(lan=True, relay=False)


@pytest.fixture
def lan(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own DNS-SD type: services of other tests are not neighbours."""
    monkeypatch.setenv(LAN_TYPE_ENV, lan_type())


def device_of(backend: Backend) -> bytes:
    assert backend.node.identity is not None
    return backend.node.identity.device_id


def messages_page(qtbot: QtBot, ctx: AppContext) -> MessagesPage:
    page = MessagesPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page.model.loaded and not page.model.loading, timeout=WAIT)
    return page


@pytest.fixture
def two(lan: None, trio_host: Any, tmp_path: Path,
        qtbot: QtBot) -> Iterator[tuple[AppContext, AppContext]]:
    """Alice and Bob, strangers on one LAN, each with the network running."""
    alice = AppContext(trio_host, make_backend(tmp_path / "alice", "Alice", LAN))
    bob = AppContext(trio_host, make_backend(tmp_path / "bob", "Bob", LAN))
    try:
        yield alice, bob
    finally:
        assert trio_host.stop()  # the networks end with the host; then the nodes close
        alice.backend.close()
        bob.backend.close()


def test_bob_joins_alices_community_from_people_and_they_talk_in_messages(
        two: tuple[AppContext, AppContext], qtbot: QtBot) -> None:
    from p2psocial.ui.main_window import MainWindow

    alice, bob = two
    cid = call(qtbot, alice, alice.node.communities.create, "Village hall")
    call(qtbot, alice, alice.node.groups.post, cid, "Welcome, neighbours")
    start_network(qtbot, alice)
    start_network(qtbot, bob)
    # no wait for each to see the other: announcements name nobody (lan_identity.py);
    # People asks the strangers nearby, again and again, until Alice answers

    window = MainWindow()
    qtbot.addWidget(window)
    window.attach(bob)
    window.show()
    people = window.show_section("people")
    assert isinstance(people, PeoplePage)
    nearby = people.communities
    qtbot.waitUntil(lambda: cid in nearby.rows, timeout=WAIT)
    item = nearby.tree.topLevelItem(0)
    assert (item.text(NAME), item.text(MEMBERS)) == ("Village hall", "1 member")
    assert item.text(CREATOR)  # Alice's short id: her profile has not reached Bob yet
    button = nearby.tree.itemWidget(item, ACTION)
    assert (button.text(), button.accessibleName()) == ("Join", "Join Village hall")
    assert not nearby.empty.isVisible()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # one click
    qtbot.waitUntil(lambda: isinstance(window.pages.currentWidget(), MessagesPage),
                    timeout=WAIT)
    messages = window.pages.currentWidget()
    assert isinstance(messages, MessagesPage)
    qtbot.waitUntil(lambda: messages.current == cid, timeout=WAIT)
    assert messages.pane.title.text() == "Village hall"
    bar = messages.pane.group_bar
    assert bar.kind.isVisible() and bar.leave_button.isVisible()
    assert not bar.add_button.isVisible() and not bar.remove_button.isVisible()
    assert kind_title(messages.model.find(cid), bob.me) == "Community: Village hall"
    qtbot.waitUntil(lambda: texts(messages) == ["Welcome, neighbours"], timeout=WAIT)

    qtbot.keyClicks(messages.pane.input, "Thanks! Bread on Saturday?")
    qtbot.keyClick(messages.pane.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(messages)[-1:] == ["Thanks! Bread on Saturday?"],
                    timeout=WAIT)

    theirs = messages_page(qtbot, alice)
    qtbot.waitUntil(lambda: theirs.model.find(cid) is not None
                    and theirs.model.find(cid).last_text == "Thanks! Bread on Saturday?",
                    timeout=WAIT)
    theirs.open_conversation(cid)
    qtbot.waitUntil(lambda: texts(theirs) == ["Welcome, neighbours",
                                              "Thanks! Bread on Saturday?"], timeout=WAIT)
    qtbot.waitUntil(lambda: theirs.pane.group_bar.members_button.text() == "2 members",
                    timeout=WAIT)
    assert call(qtbot, alice, alice.node.feeds.following) == []
    assert call(qtbot, bob, bob.node.feeds.following) == []

    # back in People the row says Bob is in, and its button opens it
    window.show_section("people")
    nearby.timer.setInterval(100)  # and not wait for the poll: Alice's name comes too
    qtbot.waitUntil(lambda: nearby.tree.topLevelItem(0).text(MEMBERS) == "2 members · joined"
                    and nearby.tree.topLevelItem(0).text(CREATOR) == "Alice", timeout=WAIT)
    button = nearby.tree.itemWidget(nearby.tree.topLevelItem(0), ACTION)
    assert (button.text(), button.accessibleName()) == ("Open",
                                                        "Open Village hall in Messages")
    window.show_section("home")
    button.click()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is messages
                    and messages.current == cid, timeout=WAIT)
    theirs.stop()
    window.stop_pages()


def test_a_new_community_from_messages_is_marked_and_can_be_left(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    page = messages_page(qtbot, app_ctx)
    assert page.community_button.accessibleName() == "New community"
    qtbot.mouseClick(page.community_button, Qt.MouseButton.LeftButton)
    panel = page.community_panel
    assert page.right.currentWidget() is panel
    assert "Anyone on your local network can see this community" in panel.explanation.text()
    assert not panel.create_button.isEnabled()
    qtbot.keyClicks(panel.name_edit, "Book club")
    assert panel.create_button.isEnabled()
    qtbot.keyClick(panel.name_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: page.current is not None, timeout=WAIT)
    cid = page.current
    [info] = call(qtbot, app_ctx, app_ctx.node.communities.list)
    assert (info.id, info.name) == (cid, "Book club")
    row = page.model.find(cid)
    assert kind_title(row, app_ctx.me) == "Community: Book club"
    assert last_line(row, app_ctx.me) == "Community · 1 member"
    spoken = page.model.index(page.model.row_of(cid)).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken == "Community Book club, 1 member"
    assert page.pane.title.text() == "Book club"
    bar = page.pane.group_bar
    assert bar.kind.isVisible() and bar.members_button.text() == "1 member"
    # nobody adds or removes in an open community, its creator neither; anyone leaves
    assert not bar.add_button.isVisible() and not bar.remove_button.isVisible()
    assert bar.leave_button.isVisible()
    assert bar.leave_button.accessibleName() == "Leave the community"
    assert bar.members.item(0).text() == "Alice (you), started it"

    page.pane.input.setFocus()
    qtbot.keyClicks(page.pane.input, "first meeting on Monday")
    qtbot.keyClick(page.pane.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(page) == ["first meeting on Monday"], timeout=WAIT)
    qtbot.waitUntil(lambda: last_line(page.model.find(cid), app_ctx.me)
                    == "You: first meeting on Monday", timeout=WAIT)

    asked: list[str] = []
    bar.confirm = lambda title, question: asked.append(question) is None
    qtbot.mouseClick(bar.leave_button, Qt.MouseButton.LeftButton)
    assert asked[0].startswith("Leave Book club?")
    qtbot.waitUntil(lambda: not page.pane.input.isEnabled(), timeout=WAIT)
    assert page.pane.closed_line.text().startswith("You left this community.")
    assert call(qtbot, app_ctx, app_ctx.node.communities.list) == []
    page.stop()


def test_a_new_community_can_be_cancelled_and_a_refused_name_keeps_the_form(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    page = messages_page(qtbot, app_ctx)
    page.new_community()
    panel = page.community_panel
    panel.name_edit.setText("   ")
    panel.submit()  # nothing to create
    assert not panel.creating
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert page.right.currentWidget() is page.placeholder
    page.stop()


def test_the_empty_states_say_why_nothing_is_listed(app_ctx: AppContext,
                                                     qtbot: QtBot) -> None:
    assert empty_text(NetworkStatus("offline", error="no interface"), True, True) \
        .startswith("The network is off")
    assert empty_text(NetworkStatus("stopped"), True, False).startswith("The network is off")
    assert empty_text(NetworkStatus("online"), False, True).startswith(
        "Finding people on the local network is off")
    assert empty_text(NetworkStatus("starting"), True, False) == \
        "Looking for communities nearby…"
    assert empty_text(NetworkStatus("online"), True, True).startswith(
        "No community nearby yet. Start one in Messages")

    page = PeoplePage(app_ctx)  # the network is not started here, and LAN is off
    qtbot.addWidget(page)
    page.show()
    page.activated()
    nearby = page.communities
    qtbot.waitUntil(lambda: nearby.loaded, timeout=WAIT)
    assert nearby.empty.isVisible() and not nearby.tree.isVisible()
    assert nearby.empty.text().startswith("Finding people on the local network is off")
    assert call(qtbot, app_ctx, app_ctx.backend.nearby_communities) == []
    with pytest.raises(UserError, match="the network is off"):
        call(qtbot, app_ctx, app_ctx.backend.join_community, b"\x01" * 32)
    page.stop()


def test_online_with_nobody_around_says_how_to_start_one(
        lan: None, trio_host: Any, tmp_path: Path, qtbot: QtBot) -> None:
    ctx = AppContext(trio_host, make_backend(tmp_path / "alone", "Alone", LAN))
    try:
        start_network(qtbot, ctx)
        page = PeoplePage(ctx)
        qtbot.addWidget(page)
        page.show()
        page.activated()
        qtbot.waitUntil(lambda: page.communities.empty.text().startswith(
            "No community nearby yet"), timeout=WAIT)
        assert not page.communities.tree.isVisible()
        page.stop()
    finally:
        assert trio_host.stop()
        ctx.backend.close()


def test_a_full_community_cannot_be_joined_nor_carried_by_an_invite(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    """Finding 2: a community nearby whose roster is full says so, and its button is
    off; one of ours that is full gives no invite code, and the line says why."""
    page = PeoplePage(app_ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    nearby = page.communities
    cid = b"\x07" * 32
    nearby.show_rows([NearbyRow(cid, "Village hall", b"\x01" * 32, "Carol",
                                roster.MAX_MEMBERS, False)])
    item = nearby.tree.topLevelItem(0)
    assert item.text(MEMBERS) == "256 members · full"
    button = nearby.tree.itemWidget(item, ACTION)
    assert (button.text(), button.isEnabled()) == ("Full", False)
    full = "Village hall is full: nobody can join it any more."
    assert button.accessibleName() == full
    nearby._activate(cid)  # Enter on the row
    assert nearby.outcome.text() == full and not nearby._joins

    mine = call(qtbot, app_ctx, app_ctx.node.communities.create, "Village hall")
    call(qtbot, app_ctx, app_ctx.node.communities.merge_roster, mine,
         make_joins(mine, roster.MAX_MEMBERS - 1))
    page.read_my_communities()
    qtbot.waitUntil(lambda: page.invite_to.count() == 2, timeout=WAIT)
    page.invite_to.setCurrentIndex(1)
    assert page.invite_warning.text() == full
    assert page.invite.text() == "" and page.invite.placeholderText() == full
    with pytest.raises(roster.RosterFull):
        app_ctx.backend.invite_code(page.my_communities[mine])
    page.stop()


def test_communities_speak_german(app_ctx: AppContext, qtbot: QtBot) -> None:
    with german():
        people = PeoplePage(app_ctx)
        qtbot.addWidget(people)
        assert people.communities.title() == "Gemeinschaften in der Nähe"
        messages = MessagesPage(app_ctx)
        qtbot.addWidget(messages)
        assert messages.community_button.text() == "Neue Gemeinschaft"
        assert messages.community_panel.create_button.text() == "Gemeinschaft gründen"
        row = NearbyRow(b"\x07" * 32, "Chor", b"\x01" * 32, None, roster.MAX_MEMBERS, False)
        assert nearby_members_text(row) == "256 Mitglieder · voll"
        assert full_text("Chor") == "Chor ist voll: Niemand kann mehr beitreten."
        messages.stop()
        people.stop()
