"""The profile and search pages (ui/profile_page.py, ui/search_page.py) and the post
actions they share (ui/post_actions.py), over a real home with Bob's log ingested as
from a peer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from p2psocial import content
from p2psocial.ui.avatar import short_account
from p2psocial.ui.context import AppContext
from p2psocial.ui.post_model import HEART
from p2psocial.ui.profile_page import ProfilePage
from p2psocial.ui.search_page import SearchPage
from tests.helpers import make_entry, make_identity
from tests.uikit import WAIT, NamedBob, call

LEFT = Qt.MouseButton.LeftButton


def bob_with_posts(qtbot: QtBot, ctx: AppContext) -> NamedBob:
    bob = NamedBob(qtbot, ctx)
    bob.add(content.Profile("Bob Builder", bio="I fix things."))
    bob.add(content.Post("I love #rust and cheese", tags=("rust",)))
    bob.add(content.Post("gardening today"))
    bob.add(content.Post("a third post"))
    return bob


def profile_page(qtbot: QtBot, ctx: AppContext, account: bytes) -> ProfilePage:
    page = ProfilePage(ctx, account)
    qtbot.addWidget(page)
    page.resize(600, 500)
    page.show()
    return page


def test_another_account_s_profile_follow_and_block(app_ctx: AppContext,
                                                     qtbot: QtBot) -> None:
    bob = bob_with_posts(qtbot, app_ctx)
    account = bob.ident.account_id
    page = profile_page(qtbot, app_ctx, account)
    qtbot.waitUntil(lambda: page.header.name.text() == "Bob Builder"
                    and page.posts.model is not None and page.posts.model.rowCount() == 3
                    and page.follow.isEnabled(), timeout=WAIT)
    assert page.header.bio.text() == "I fix things."
    assert page.header.counts.text().startswith("3 posts · ")
    assert page.posts.model.posts[0].text == "a third post"
    assert page.follow.text() == "Follow" and page.edit.isHidden()

    qtbot.mouseClick(page.follow, LEFT)
    qtbot.waitUntil(lambda: page.follow.text() == "Unfollow" and page.follow.isEnabled(),
                    timeout=WAIT)
    assert account in call(qtbot, app_ctx, app_ctx.node.feeds.following)

    # Block asks first: Cancel changes nothing
    qtbot.mouseClick(page.block, LEFT)
    qtbot.waitUntil(lambda: page.confirm_block is not None
                    and page.confirm_block.isVisible(), timeout=WAIT)
    box = page.confirm_block
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert page.block.text() == "Block"
    assert call(qtbot, app_ctx, app_ctx.node.feeds.blocked) == []

    qtbot.mouseClick(page.block, LEFT)
    qtbot.waitUntil(lambda: page.confirm_block is not None
                    and page.confirm_block.isVisible(), timeout=WAIT)
    box = page.confirm_block
    assert box is not None
    [confirm] = [b for b in box.buttons()
                 if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole]
    confirm.click()
    qtbot.waitUntil(lambda: page.block.text() == "Unblock", timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.feeds.blocked) == [account]
    assert not page.follow.isEnabled()  # no following someone blocked
    page.stop()


def test_their_new_post_shows_live(app_ctx: AppContext, qtbot: QtBot) -> None:
    bob = bob_with_posts(qtbot, app_ctx)
    page = profile_page(qtbot, app_ctx, bob.ident.account_id)
    qtbot.waitUntil(lambda: page.posts.model is not None
                    and page.posts.model.rowCount() == 3, timeout=WAIT)
    bob.add(content.Post("fresh news"))
    qtbot.waitUntil(lambda: page.posts.model is not None
                    and page.posts.model.rowCount() == 4
                    and page.header.counts.text().startswith("4 posts · "), timeout=WAIT)
    assert page.posts.model.posts[0].text == "fresh news"
    page.stop()


def test_own_profile_has_edit_and_no_follow(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = profile_page(qtbot, app_ctx, app_ctx.me)
    qtbot.waitUntil(lambda: page.header.name.text() == "Alice", timeout=WAIT)
    assert page.follow.isHidden() and page.block.isHidden()
    assert not page.edit.isHidden()
    with qtbot.waitSignal(page.edit_profile_requested, timeout=WAIT):
        qtbot.mouseClick(page.edit, LEFT)
    page.stop()


def test_an_account_without_profile_or_posts(app_ctx: AppContext, qtbot: QtBot) -> None:
    stranger = make_identity(3).account_id
    page = profile_page(qtbot, app_ctx, stranger)
    qtbot.waitUntil(lambda: page.profile is not None and page.posts.is_empty, timeout=WAIT)
    assert page.header.name.text() == short_account(stranger)
    assert page.posts.empty.text() == "No posts yet"
    page.stop()


def search_page(qtbot: QtBot, ctx: AppContext) -> SearchPage:
    page = SearchPage(ctx)
    qtbot.addWidget(page)
    page.resize(600, 500)
    page.show()
    return page


def found(page: SearchPage) -> list[str]:
    model = page.posts.model
    return [] if model is None else [p.text for p in model.posts]


def test_search_by_word_tag_and_typing(app_ctx: AppContext, qtbot: QtBot) -> None:
    bob_with_posts(qtbot, app_ctx)
    page = search_page(qtbot, app_ctx)
    assert page.posts.is_empty  # the hint, before any search

    page.search("cheese")
    qtbot.waitUntil(lambda: found(page) == ["I love #rust and cheese"], timeout=WAIT)
    page.search("#rust")
    qtbot.waitUntil(lambda: found(page) == ["I love #rust and cheese"]
                    and page.query == "#rust", timeout=WAIT)
    assert page.field.text() == "#rust"

    page.field.clear()
    page.focus_search()
    qtbot.keyClicks(page.field, "gardening")  # searched after the pause, no Enter
    qtbot.waitUntil(lambda: found(page) == ["gardening today"], timeout=WAIT)

    page.search("")  # cleared: back to the hint
    assert page.posts.model is None and page.posts.is_empty
    assert page.posts.empty.text().startswith("Search posts by words")
    page.stop()


def test_search_finds_people_and_says_when_nothing(app_ctx: AppContext,
                                                   qtbot: QtBot) -> None:
    bob = bob_with_posts(qtbot, app_ctx)
    page = search_page(qtbot, app_ctx)
    page.search("builder")
    qtbot.waitUntil(lambda: len(page.people.buttons) == 1, timeout=WAIT)
    assert page.people.buttons[0].text().startswith("Bob Builder")
    with qtbot.waitSignal(app_ctx.open_profile, timeout=WAIT) as opened:
        qtbot.mouseClick(page.people.buttons[0], LEFT)
    assert opened.args == [bob.ident.account_id]

    page.search("zebra")
    qtbot.waitUntil(lambda: page.posts.is_empty and page.people.isHidden()
                    and page.posts.empty.text() == "No results for “zebra”.", timeout=WAIT)
    page.stop()


def test_post_actions_react_and_navigate(app_ctx: AppContext, qtbot: QtBot) -> None:
    bob_with_posts(qtbot, app_ctx)
    page = search_page(qtbot, app_ctx)
    page.search("cheese")
    qtbot.waitUntil(lambda: len(found(page)) == 1, timeout=WAIT)
    assert page.posts.model is not None
    post = page.posts.model.posts[0]
    view = page.posts.view
    with qtbot.waitSignal(app_ctx.open_search, timeout=WAIT) as searched:
        view.tag_requested.emit("rust")
    assert searched.args == ["#rust"]
    with qtbot.waitSignal(app_ctx.open_thread, timeout=WAIT) as opened:
        view.thread_requested.emit(post.id)
    assert opened.args == [post.id]
    view.react_requested.emit(post, HEART, False)
    qtbot.waitUntil(lambda: HEART in call(qtbot, app_ctx, app_ctx.node.feeds.post_view,
                                          post.id).reacted, timeout=WAIT)
    page.stop()


def test_approve_and_revoke_a_follower_for_followers_only_posts(app_ctx: AppContext,
                                                                qtbot: QtBot) -> None:
    bob = bob_with_posts(qtbot, app_ctx)
    account = bob.ident.account_id
    page = profile_page(qtbot, app_ctx, account)
    qtbot.waitUntil(lambda: page.follow.isEnabled(), timeout=WAIT)
    assert page.approve.isHidden()  # Bob does not follow us: nothing to approve

    bob.add(content.Follow(app_ctx.me))
    qtbot.waitUntil(lambda: page.approve.isVisible() and page.approve.isEnabled(),
                    timeout=WAIT)
    assert page.approve.text() == "Approve for followers-only posts"
    qtbot.mouseClick(page.approve, LEFT)
    qtbot.waitUntil(lambda: page.approve.text() == "Revoke" and page.approve.isEnabled(),
                    timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.circles.members) == [account]

    # Revoke asks first: Cancel changes nothing
    qtbot.mouseClick(page.approve, LEFT)
    qtbot.waitUntil(lambda: page.confirm_revoke is not None
                    and page.confirm_revoke.isVisible(), timeout=WAIT)
    box = page.confirm_revoke
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert page.approve.text() == "Revoke"
    assert call(qtbot, app_ctx, app_ctx.node.circles.members) == [account]

    qtbot.mouseClick(page.approve, LEFT)
    qtbot.waitUntil(lambda: page.confirm_revoke is not None
                    and page.confirm_revoke.isVisible(), timeout=WAIT)
    box = page.confirm_revoke
    assert box is not None
    [confirm] = [b for b in box.buttons()
                 if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole]
    confirm.click()
    qtbot.waitUntil(lambda: page.approve.text() == "Approve for followers-only posts"
                    and page.approve.isEnabled(), timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.circles.members) == []
    page.stop()


def test_a_forked_device_is_said_on_the_profile(app_ctx: AppContext, qtbot: QtBot) -> None:
    bob = bob_with_posts(qtbot, app_ctx)
    page = profile_page(qtbot, app_ctx, bob.ident.account_id)
    qtbot.waitUntil(lambda: page.header.name.text() == "Bob Builder", timeout=WAIT)
    assert page.header.forked.isHidden()
    # Bob's device signs another entry after his second one: a second history
    other = make_entry(bob.ident, bob.log[1], content.Post("the other story"),
                       bob.log[2].timestamp)
    call(qtbot, app_ctx, app_ctx.node.replication.ingest, [other])
    qtbot.waitUntil(lambda: page.header.forked.isVisible(), timeout=WAIT)  # live
    assert "two different versions" in page.header.forked.text()
