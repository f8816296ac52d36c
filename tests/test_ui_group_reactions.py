"""Reactions in group conversations (ui/conversation_view.py) over real homes.

Alice (the app's home) and Bob (a second real home) share a group; their logs travel
by hand (``carry``: what a sync would bring, then the private scan). Bob reacts to
Alice's message from his window, with the keyboard; Alice's open conversation shows
the chip live, with its count, and says it to screen readers; a click on a chip adds
one's own (highlighted) or takes it back. A direct conversation offers no reactions.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial.runtime import Backend
from p2psocial.ui.context import AppContext
from p2psocial.ui.message_list import REACT_MARK, MessageList
from p2psocial.ui.messages_page import MessagesPage
from tests.uikit import WAIT, call, carry, friends, german, shown_page, texts

THUMBS = "👍"


def chips(page: MessagesPage, row: int = 0) -> list[tuple[str, bool]]:
    """The chips under a message as painted: label and whether it is ours."""
    view = page.pane.view
    index = view.model().index(row, 0)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    parts = view.delegate.parts(option, index.data(Qt.ItemDataRole.UserRole + 1))
    return [(label, ours) for _hit, _rect, label, ours in parts.chips]


def click_chip(qtbot: QtBot, view: MessageList, label: str, row: int = 0) -> None:
    index = view.model().index(row, 0)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    parts = view.delegate.parts(option, index.data(Qt.ItemDataRole.UserRole + 1))
    where = next(rect for _hit, rect, text, _ours in parts.chips if text == label)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where.center())


def group_with_bob(qtbot: QtBot, ctx: AppContext, bob: Backend) -> bytes:
    """Alice's group with Bob, where she wrote; Bob holds it."""
    friends(qtbot, ctx, bob)
    gid: bytes = call(qtbot, ctx, ctx.node.groups.create, "Lunch", [bob.node.account_id])
    call(qtbot, ctx, ctx.node.groups.post, gid, "Pizza at noon?")
    carry(qtbot, ctx, ctx.node, bob.node)
    return gid


def opened(qtbot: QtBot, page: MessagesPage, conversation: bytes, text: list[str]) -> None:
    page.open_conversation(conversation)
    qtbot.waitUntil(lambda: page.current == conversation and texts(page) == text,
                    timeout=WAIT)


def test_bob_reacts_from_his_window_and_alice_sees_the_chip_live(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    gid = group_with_bob(qtbot, app_ctx, bob)
    alice_page = shown_page(qtbot, app_ctx)
    opened(qtbot, alice_page, gid, ["Pizza at noon?"])
    assert chips(alice_page) == [] and alice_page.pane.model.reactable

    bob_page = shown_page(qtbot, AppContext(app_ctx.host, bob))
    opened(qtbot, bob_page, gid, ["Pizza at noon?"])
    view = bob_page.pane.view
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)  # the menu
    menu = view.menu
    assert menu is not None and menu.isVisible()
    choices = [a.text() for a in menu.actions() if a.text()]
    assert choices[0] == THUMBS and choices[-1] == "Copy text"
    next(a for a in menu.actions() if a.text() == THUMBS).trigger()
    menu.close()
    qtbot.waitUntil(lambda: chips(bob_page) == [(f"{THUMBS} 1", True)], timeout=WAIT)

    carry(qtbot, app_ctx, bob.node, app_ctx.node)  # Alice's scan: MessageReacted
    qtbot.waitUntil(lambda: chips(alice_page) == [(f"{THUMBS} 1", False)], timeout=WAIT)
    accessible = alice_page.pane.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert accessible.endswith(f": Pizza at noon?. Reactions: {THUMBS} 1")

    click_chip(qtbot, alice_page.pane.view, f"{THUMBS} 1")  # Alice too
    qtbot.waitUntil(lambda: chips(alice_page) == [(f"{THUMBS} 2", True)], timeout=WAIT)
    assert alice_page.pane.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole) \
        .endswith(f"Reactions: {THUMBS} 2 (yours among them)")

    click_chip(qtbot, view, f"{THUMBS} 1")  # Bob takes his back
    qtbot.waitUntil(lambda: chips(bob_page) == [], timeout=WAIT)
    carry(qtbot, app_ctx, bob.node, app_ctx.node)
    qtbot.waitUntil(lambda: chips(alice_page) == [(f"{THUMBS} 1", True)], timeout=WAIT)
    click_chip(qtbot, alice_page.pane.view, f"{THUMBS} 1")  # and Alice hers
    qtbot.waitUntil(lambda: chips(alice_page) == [], timeout=WAIT)
    assert alice_page.pane.error_line.text() == ""
    bob_page.stop()
    alice_page.stop()


def test_the_smiley_beside_a_message_opens_the_reactions(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    gid = group_with_bob(qtbot, app_ctx, bob)
    page = shown_page(qtbot, app_ctx)
    opened(qtbot, page, gid, ["Pizza at noon?"])
    view = page.pane.view
    index = view.model().index(0, 0)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    parts = view.delegate.parts(option, index.data(Qt.ItemDataRole.UserRole + 1))
    assert parts.react.right() < parts.bubble.left()  # her own message: on its left
    qtbot.mouseMove(view.viewport(), parts.bubble.center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=parts.react.center())
    menu = view.menu
    assert menu is not None and menu.isVisible()
    party = next(a for a in menu.actions() if a.text() == "🎉")
    assert party.isCheckable() and not party.isChecked()
    party.trigger()
    menu.close()
    qtbot.waitUntil(lambda: chips(page) == [("🎉 1", True)], timeout=WAIT)
    assert REACT_MARK == "☺"
    page.stop()


def test_a_direct_conversation_offers_no_reactions(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    friends(qtbot, app_ctx, bob)
    call(qtbot, app_ctx, app_ctx.node.messages.send, [bob.node.account_id], "just us")
    page = shown_page(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    opened(qtbot, page, page.model.items[0].id, ["just us"])
    view = page.pane.view
    assert not page.pane.model.reactable
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Menu)
    menu = view.menu
    assert menu is not None
    assert [a.text() for a in menu.actions()] == ["Copy text"]
    menu.actions()[0].trigger()
    menu.close()
    clipboard: Any = QApplication.clipboard()
    assert clipboard.text() == "just us"
    assert view.delegate.hit_at(QStyleOptionViewItem(), view.model().index(0, 0),
                                QPoint(0, 0)) is None
    page.stop()


def test_reactions_speak_german(qapp: QApplication) -> None:
    from p2psocial.ui.message_model import reactions_text

    with german():
        assert reactions_text([(THUMBS, 2, True), ("🎉", 1, False)]) == \
            f"Reaktionen: {THUMBS} 2 (deine darunter), 🎉 1"
