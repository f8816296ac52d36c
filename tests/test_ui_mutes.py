"""Mutes and word filters in the window (issue 17), on a real home, offscreen: "Mute
Bob" in a post's menu empties the home of his posts and publishes nothing, Settings →
Muted and filtered lists the mute and undoes it, a warn filter added there collapses
his post behind "Hidden: contains …" with Show post, a thread keeps a muted reply
collapsed, and the profile's Mute button turns into Unmute. Bob writes through
``node.replication.ingest``, as if his entries came from a peer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial import content, ids, muting
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.context import AppContext
from p2psocial.ui.home_page import HomePage
from p2psocial.ui.mutes_section import MutesSection
from p2psocial.ui.post_delegate import RowLayout
from p2psocial.ui.post_menu import PostMenus
from p2psocial.ui.post_view import PostListView
from p2psocial.ui.profile_page import ProfilePage
from p2psocial.ui.thread_page import ThreadPage
from p2psocial.ui.tray import Notifier
from tests.uikit import BOB, WAIT, Bob, TrayStandIn, call, post

LEFT = Qt.MouseButton.LeftButton


def action(menu: QMenu, text: str) -> QAction:
    """The menu's item that says ``text`` (without its '&' and key hint)."""
    for act in menu.actions():
        if act.text().split("\t")[0].replace("&", "") == text:
            return act
    raise AssertionError(f"no {text!r} in the menu")


def texts(page: HomePage) -> list[str]:
    return [p.text for p in page.model.posts]


def own_head(ctx: AppContext) -> tuple[int, bytes] | None:
    identity = ctx.node.require_identity()
    return ctx.node.store.head(identity.device_id)


def layout_of(view: PostListView, row: int) -> RowLayout:
    index = view.model().index(row, 0)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    return view.delegate.layout(option, index)


def test_mute_from_the_menu_undo_in_settings_and_a_warn_filter(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    bob = Bob(qtbot, app_ctx)
    bob.write(content.Profile(name="Bob"))
    call(qtbot, app_ctx, app_ctx.node.posts.follow, BOB.account_id)
    post(qtbot, app_ctx, "alice was here")
    bob.write(content.Post("big spoiler inside"))
    qtbot.waitUntil(lambda: len(texts(home)) == 2, timeout=WAIT)
    head = own_head(app_ctx)

    menus = home.timeline_view.findChild(PostMenus)
    assert menus is not None
    bobs = next(p for p in home.model.posts if p.author == BOB.account_id)
    menu = menus.open(bobs, QPoint(0, 0))
    action(menu, "Mute Bob").trigger()
    menu.close()
    qtbot.waitUntil(lambda: texts(home) == ["alice was here"], timeout=WAIT)
    assert own_head(app_ctx) == head  # nothing published

    section = MutesSection(app_ctx)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitUntil(lambda: [m.kind for m in section.mutes] == [muting.ACCOUNT], timeout=WAIT)
    labels = [b.accessibleName() for b in section.findChildren(QPushButton)
              if b.isVisible() and b.text() == "Unmute"]
    assert labels == ["Unmute Bob"]
    qtbot.mouseClick(section.buttons[(muting.ACCOUNT, BOB.account_id)], LEFT)
    qtbot.waitUntil(lambda: len(texts(home)) == 2 and section.mutes == [], timeout=WAIT)
    assert section.empty.isVisible()

    # a warn filter, added in Settings: Bob's post collapses behind the phrase
    section.phrase.setText("Spoiler")
    section.warn.setChecked(True)
    qtbot.mouseClick(section.add_button, LEFT)
    qtbot.waitUntil(lambda: [(f.phrase, f.action) for f in section.filters]
                    == [("spoiler", muting.WARN)], timeout=WAIT)
    assert section.outcome.text() == "Filter added" and section.phrase.text() == ""
    qtbot.waitUntil(lambda: any(p.filtered == "spoiler" for p in home.model.posts),
                    timeout=WAIT)
    row = next(n for n, p in enumerate(home.model.posts) if p.filtered)
    lay = layout_of(home.timeline_view, row)
    assert lay.notice is not None and lay.notice[1] == "Hidden: contains “spoiler”"
    assert lay.cw_toggle is not None and lay.doc is None  # collapsed, Show post beside
    home.timeline_view.delegate.toggle_warning(home.timeline_view.model().index(row, 0))
    assert layout_of(home.timeline_view, row).doc is not None  # shown on demand
    assert own_head(app_ctx) == head

    qtbot.mouseClick(section.buttons[("filter", "spoiler")], LEFT)  # Remove
    qtbot.waitUntil(lambda: section.filters == [] and not any(
        p.filtered for p in home.model.posts), timeout=WAIT)

    # a #tag typed in the same field mutes the tag
    section.phrase.setText("#Quiet")
    qtbot.mouseClick(section.add_button, LEFT)
    qtbot.waitUntil(lambda: [m.target for m in section.mutes] == ["quiet"], timeout=WAIT)
    section.stop()


def test_a_thread_keeps_a_muted_reply_collapsed_and_the_profile_says_unmute(
        qtbot: QtBot, app_ctx: AppContext) -> None:
    bob = Bob(qtbot, app_ctx)
    bob.write(content.Profile(name="Bob"))
    root = post(qtbot, app_ctx, "a question")
    bob.reply(root, "an answer")
    page = ProfilePage(app_ctx, BOB.account_id)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.mute.isEnabled() and page.mute.text() == "Mute",
                    timeout=WAIT)
    qtbot.mouseClick(page.mute, LEFT)
    qtbot.waitUntil(lambda: page.mute.text() == "Unmute" and page.mute.isEnabled(),
                    timeout=WAIT)
    assert page.mute.accessibleName() == "Unmute Bob"
    assert page.posts.model is not None  # his own page still lists him
    qtbot.waitUntil(lambda: page.posts.model.rowCount() == 1, timeout=WAIT)

    thread = ThreadPage(app_ctx, root.id)
    qtbot.addWidget(thread)
    thread.resize(600, 600)
    thread.show()
    qtbot.waitUntil(lambda: len(thread.model.posts) == 2, timeout=WAIT)
    assert [p.muted for p in thread.model.posts] == [False, True]
    lay = layout_of(thread.view, 1)
    assert lay.notice is not None and lay.notice[1].startswith("Hidden: you muted")
    assert lay.doc is None
    qtbot.mouseClick(page.mute, LEFT)  # unmute: the thread reloads, open
    qtbot.waitUntil(lambda: [p.muted for p in thread.model.posts] == [False, False],
                    timeout=WAIT)
    thread.stop()
    page.stop()


def test_a_muted_mention_makes_no_desktop_message_nor_repeats_an_old_one(
        qtbot: QtBot, app_ctx: AppContext, tmp_path: Path) -> None:
    def mention(node: Node, text: str) -> None:
        call(qtbot, app_ctx, node.posts.post, f"{text} @{ids.account_text(app_ctx.me)}")
        device = node.identity.device_id if node.identity else b""
        entries = call(qtbot, app_ctx, node.replication.log_entries, device, 0, 1000)
        call(qtbot, app_ctx, app_ctx.node.replication.ingest, entries)

    tray = TrayStandIn()
    notifier = Notifier(app_ctx, tray)
    notifier.start()
    with Node.init(Home(tmp_path / "bob"), "Bob") as bob, \
            Node.init(Home(tmp_path / "carol"), "Carol") as carol:
        mention(carol, "tea?")
        qtbot.waitUntil(lambda: len(tray.messages) == 1, timeout=WAIT)
        call(qtbot, app_ctx, app_ctx.backend.mute, muting.ACCOUNT, bob.account_id)
        mention(bob, "hello")  # muted: its batch's fetch reads Carol's old mention only
        mention(carol, "more tea?")
        qtbot.waitUntil(lambda: len(tray.messages) == 2, timeout=WAIT)
        assert tray.messages[1][1].startswith("Carol mentioned you: more tea?")
        page = call(qtbot, app_ctx, app_ctx.node.feeds.notifications)
        assert [n.actor for n in page.items] == [carol.account_id] * 2
    notifier.stop()
    assert len(tray.messages) == 2  # "Carol mentioned you: tea?" was not said again
