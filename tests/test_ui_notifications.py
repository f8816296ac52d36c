"""The notifications page (ui/notifications_page.py) over a real home: Bob's mention and
reply (ingested as from a peer) show as two unread notifications, the badge count
follows, opening the page marks them read, and a click opens the thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.entry import Entry
from p2psocial.ui.context import AppContext
from p2psocial.ui.notifications_page import NotificationsPage, headline
from tests.uikit import WAIT, NamedBob, call


def mention_and_reply(qtbot: QtBot, ctx: AppContext) -> tuple[NamedBob, Entry, Entry]:
    alice = ctx.me
    mine = call(qtbot, ctx, ctx.node.posts.post, "my first post")
    bob = NamedBob(qtbot, ctx)
    mention = bob.add(content.Post(f"hello @{ids.account_text(alice)}", mentions=(alice,)))
    reply = bob.add(content.Post("nice post", reply_parent=mine.id, thread_root=mine.id))
    return bob, mention, reply


def test_mention_and_reply_are_two_unread_notifications(app_ctx: AppContext,
                                                        qtbot: QtBot) -> None:
    mention_and_reply(qtbot, app_ctx)
    page = NotificationsPage(app_ctx)
    qtbot.addWidget(page)
    counts: list[int] = []
    page.unread_changed.connect(counts.append)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and page.unread == 2, timeout=WAIT)
    items = page.model.items
    assert [headline(n) for n in items] == ["Bob replied to your post", "Bob mentioned you"]
    assert all(n.unread for n in items)
    assert not page.list.is_empty
    assert page.model.index(0).data() == "Bob replied to your post: nice post, unread"
    qtbot.waitUntil(lambda: page.model.index(1).data()  # our name, not our account id
                    == "Bob mentioned you: hello @Alice, unread", timeout=WAIT)

    with qtbot.waitSignal(app_ctx.notifications_changed, timeout=WAIT):
        page.activated()
    qtbot.waitUntil(lambda: page.unread == 0, timeout=WAIT)
    assert counts[-1] == 0
    assert call(qtbot, app_ctx, app_ctx.node.feeds.unread_notifications) == 0
    assert all(n.unread for n in page.model.items)  # still emphasised for this visit
    page.stop()


def test_a_new_notification_arrives_live(app_ctx: AppContext, qtbot: QtBot) -> None:
    bob, _mention, _reply = mention_and_reply(qtbot, app_ctx)
    page = NotificationsPage(app_ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    # marked read before Bob follows (``unread`` starts at 0, so it cannot tell: on a
    # loaded machine the mark came after the follow and took it along)
    with qtbot.waitSignal(app_ctx.notifications_changed, timeout=WAIT):
        page.activated()
    qtbot.waitUntil(lambda: page.unread == 0, timeout=WAIT)

    bob.add(content.Follow(app_ctx.me))
    qtbot.waitUntil(lambda: page.model.rowCount() == 3 and page.unread == 1, timeout=WAIT)
    first = page.model.items[0]
    assert headline(first) == "Bob followed you" and first.unread
    with qtbot.waitSignal(app_ctx.open_profile, timeout=WAIT) as opened:
        page.open_item(first)
    assert opened.args == [bob.ident.account_id]
    page.stop()


def test_click_and_enter_open_the_thread(app_ctx: AppContext, qtbot: QtBot) -> None:
    _bob, mention, reply = mention_and_reply(qtbot, app_ctx)
    page = NotificationsPage(app_ctx)
    qtbot.addWidget(page)
    page.resize(500, 400)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    view = page.view
    second = view.visualRect(page.model.index(1)).center()
    with qtbot.waitSignal(app_ctx.open_thread, timeout=WAIT) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert opened.args == [mention.id]

    view.setFocus()
    view.setCurrentIndex(page.model.index(0))
    with qtbot.waitSignal(app_ctx.open_thread, timeout=WAIT) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [reply.id]
    page.stop()


def test_no_notifications_shows_the_empty_line(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = NotificationsPage(app_ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.model.loading, timeout=WAIT)
    assert page.list.is_empty
    assert page.unread == 0
    page.stop()
