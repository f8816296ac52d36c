"""Invites that carry a community (People, ui/people_page.py), over real back ends and
real network services on 127.0.0.1, with LAN discovery off: nobody is a neighbour, the
code is the only way in.

Alice's People section offers "Invite to" with her community; choosing it shows a code
that also joins it, with a line saying who may then read and write there. Bob pastes
that code under "Join with a code" in his own window: People says he joined the
community and Messages opens it; what he writes there reaches Alice's Messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial.ui.context import AppContext
from p2psocial.ui.messages_page import MessagesPage
from p2psocial.ui.people_page import PeoplePage
from tests.uikit import WAIT, call, german, make_backend, start_network, texts


@pytest.fixture
def two(trio_host: Any, tmp_path: Path) -> Iterator[tuple[AppContext, AppContext]]:
    """Alice and Bob, strangers, neither looking for the other on the LAN."""
    alice = AppContext(trio_host, make_backend(tmp_path / "alice", "Alice"))
    bob = AppContext(trio_host, make_backend(tmp_path / "bob", "Bob"))
    try:
        yield alice, bob
    finally:
        assert trio_host.stop()  # the networks end with the host; then the nodes close
        alice.backend.close()
        bob.backend.close()


def test_bob_joins_alices_community_with_her_invite_and_they_talk(
        two: tuple[AppContext, AppContext], qtbot: QtBot) -> None:
    from p2psocial.ui.main_window import MainWindow

    alice, bob = two
    assert not alice.settings.lan and not bob.settings.lan
    cid = call(qtbot, alice, alice.node.communities.create, "Village hall")
    call(qtbot, alice, alice.node.groups.post, cid, "Welcome, neighbours")
    start_network(qtbot, alice)
    start_network(qtbot, bob)

    people = PeoplePage(alice)
    qtbot.addWidget(people)
    people.show()
    people.activated()
    qtbot.waitUntil(lambda: people.invite_to.count() == 2 and people.invite.text() != "",
                    timeout=WAIT)
    assert people.invite_to_row.isVisible() and not people.invite_warning.isVisible()
    assert people.invite_to.itemText(0) == "Just me"
    assert people.invite_to.accessibleName() == "Invite to"
    just_me = people.invite.text()
    people.invite_to.setCurrentIndex(people.invite_to.findText("Village hall"))
    code = people.invite.text()
    assert code != just_me and people.qr_text == code
    assert people.invite_warning.isVisible()
    assert people.invite_warning.text() == ("This code also joins Village hall: whoever "
                                            "gets it can read and write in that community.")

    window = MainWindow()
    qtbot.addWidget(window)
    window.attach(bob)
    window.show()
    theirs = window.show_section("people")
    assert isinstance(theirs, PeoplePage)
    theirs.code.setText(code)
    qtbot.mouseClick(theirs.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(window.pages.currentWidget(), MessagesPage),
                    timeout=WAIT)
    assert theirs.join_outcome.text().startswith("Joined the community Village hall: ")
    messages = window.pages.currentWidget()
    assert isinstance(messages, MessagesPage)
    qtbot.waitUntil(lambda: messages.current == cid, timeout=WAIT)
    assert messages.pane.title.text() == "Village hall"
    assert messages.pane.group_bar.kind.isVisible()
    qtbot.waitUntil(lambda: texts(messages) == ["Welcome, neighbours"], timeout=WAIT)

    qtbot.keyClicks(messages.pane.input, "Thanks! Bread on Saturday?")
    qtbot.keyClick(messages.pane.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: texts(messages)[-1:] == ["Thanks! Bread on Saturday?"],
                    timeout=WAIT)

    hers = MessagesPage(alice)
    qtbot.addWidget(hers)
    hers.show()
    hers.activated()
    qtbot.waitUntil(lambda: hers.model.find(cid) is not None
                    and hers.model.find(cid).last_text == "Thanks! Bread on Saturday?",
                    timeout=WAIT)
    hers.open_conversation(cid)
    qtbot.waitUntil(lambda: texts(hers) == ["Welcome, neighbours",
                                            "Thanks! Bread on Saturday?"], timeout=WAIT)
    assert alice.backend.nearby() == [] and bob.backend.nearby() == []  # nobody on the LAN

    # Bob's own People now offers his new community in his invites
    window.show_section("people")
    qtbot.waitUntil(lambda: theirs.invite_to.findText("Village hall") == 1, timeout=WAIT)
    hers.stop()
    people.stop()
    window.stop_pages()


def test_just_me_without_communities_hides_the_choice(app_ctx: AppContext,
                                                      qtbot: QtBot) -> None:
    start_network(qtbot, app_ctx)
    page = PeoplePage(app_ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page._communities_call is None and page.invite.text() != "",
                    timeout=WAIT)
    assert not page.invite_to_row.isVisible() and not page.invite_warning.isVisible()
    assert page.invite.text() == app_ctx.backend.invite_code()
    page.stop()


def test_the_invite_choice_speaks_german(app_ctx: AppContext, qtbot: QtBot) -> None:
    with german():
        page = PeoplePage(app_ctx)
        qtbot.addWidget(page)
        assert page.invite_to.itemText(0) == "Nur mir"
        assert page.invite_to.accessibleName() == "Einladen zu"
        page.stop()
