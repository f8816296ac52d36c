"""The home page, the thread page and the image viewer (ui/home_page.py, thread_page.py,
image_viewer.py) on a real home, offscreen. A second person (Bob) writes through
``node.replication.ingest``, as if his entries came from a peer."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial.store.views import PostView
from p2psocial.ui.context import AppContext
from p2psocial.ui.home_page import HomePage
from p2psocial.ui.image_viewer import ImageViewer
from p2psocial.ui.post_model import HEART
from p2psocial.ui.post_view import PostListView
from p2psocial.ui.thread_page import DEPTH_ROLE, INDENT, ThreadPage, conversation
from tests.uikit import WAIT, Bob, call, post


def thread_page(qtbot: QtBot, ctx: AppContext, post_id: bytes) -> ThreadPage:
    page = ThreadPage(ctx, post_id)
    qtbot.addWidget(page)
    page.resize(700, 800)
    page.show()
    return page


def click_image(qtbot: QtBot, view: PostListView, row: int) -> None:
    """A real mouse click on the first image of ``row`` (found by the view's hit test)."""
    rect = view.visualRect(view.model().index(row, 0))
    for y in range(rect.top(), rect.bottom(), 3):
        for x in range(rect.left(), rect.right(), 3):
            _index, hit = view.hit_at(QPoint(x, y))
            if hit is not None and hit.kind == "image":
                qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
                return
    raise AssertionError(f"row {row} shows no image")


def picture(qtbot: QtBot, ctx: AppContext, text: str) -> PostView:
    data = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(data, "PNG")
    return post(qtbot, ctx, text, images_data=[data.getvalue()], alt=["a blue rectangle"])


# --- home ------------------------------------------------------------------------------


def test_an_empty_home_says_what_to_do_then_a_post_shows_on_top(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    qtbot.waitUntil(lambda: not home.model.loading, timeout=WAIT)
    assert home.posts.is_empty and "follow someone" in home.posts.empty.text()

    home.composer.text_edit.setPlainText("my first post")
    with qtbot.waitSignal(home.timeline_view.first_painted, timeout=WAIT):
        home.composer.send()
        qtbot.waitUntil(lambda: [p.text for p in home.model.posts] == ["my first post"],
                        timeout=WAIT)
    assert not home.posts.is_empty and home.composer.text == ""

    post(qtbot, app_ctx, "an older one? no: a newer one")
    home.composer.text_edit.setPlainText("the newest")
    home.composer.send()
    qtbot.waitUntil(lambda: home.model.posts[0].text == "the newest", timeout=WAIT)
    assert len(home.model.posts) == 3


def test_react_and_reply_from_the_home_timeline(qtbot: QtBot, app_ctx: AppContext,
                                                 home: HomePage) -> None:
    first = post(qtbot, app_ctx, "react to me")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)

    home.timeline_view.react_requested.emit(home.model.posts[0], HEART, False)
    qtbot.waitUntil(lambda: HEART in home.model.posts[0].reacted, timeout=WAIT)

    replies: list[PostView] = []
    app_ctx.reply_to.connect(replies.append)  # the main window routes it to start_reply
    home.timeline_view.reply_requested.emit(home.model.posts[0])
    assert [p.id for p in replies] == [first.id]
    home.start_reply(replies[0])
    assert home.composer.reply_to == first.id and home.composer.reply_bar.isVisible()
    home.composer.text_edit.setPlainText("replying")
    home.composer.send()
    qtbot.waitUntil(lambda: home.model.posts[0].text == "replying", timeout=WAIT)
    assert home.model.posts[0].reply_parent == first.id
    assert home.composer.reply_to is None  # back to a new post


def test_an_image_opens_in_the_viewer_with_its_description(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    shown = picture(qtbot, app_ctx, "a picture")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)

    click_image(qtbot, home.timeline_view, 0)
    viewers = home.findChildren(ImageViewer)
    assert len(viewers) == 1  # one click, one viewer (the page does not wire it twice)
    viewer = viewers[0]
    assert viewer.post.id == shown.id
    qtbot.waitUntil(lambda: viewer.loaded, timeout=WAIT)
    assert not viewer.picture.pixmap().isNull()
    assert viewer.alt_label.text() == "a blue rectangle"
    assert viewer.picture.accessibleName() == "a blue rectangle"
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


# --- the thread ------------------------------------------------------------------------


def test_conversation_order_and_depth() -> None:
    def view(n: int, parent: int | None) -> PostView:
        from p2psocial.store.views import Cursor

        return PostView(bytes([n]) * 32, b"a" * 32, None, n, str(n), None, (), (), (),
                        bytes([parent]) * 32 if parent is not None else None, b"\1" * 32,
                        0, (), False, False, Cursor(n, n))

    # 1 is the root; 2 and 4 answer it; 3 answers 2; 5 answers a post not held (9)
    posts = [view(1, None), view(2, 1), view(3, 2), view(4, 1), view(5, 9)]
    assert [(p.text, d) for p, d in conversation(posts)] == [
        ("1", 0), ("2", 1), ("3", 2), ("4", 1), ("5", 1)]


def test_the_thread_shows_the_conversation_and_takes_a_reply(
        qtbot: QtBot, app_ctx: AppContext) -> None:
    bob = Bob(qtbot, app_ctx)
    root = post(qtbot, app_ctx, "a question")
    answer_id = bob.reply(root, "an answer from Bob")
    post(qtbot, app_ctx, "unrelated")
    page = thread_page(qtbot, app_ctx, answer_id)
    model = page.model
    qtbot.waitUntil(lambda: page.composer.isEnabled(), timeout=WAIT)

    assert [p.text for p in model.posts] == ["a question", "an answer from Bob"]
    assert [model.index(r).data(DEPTH_ROLE) for r in range(2)] == [0, 1]
    assert page.view.currentIndex().row() == 1  # the focused post, highlighted
    assert page.composer.reply_to == answer_id
    assert not page.composer.cancel_reply_button.isVisible()  # it answers this post

    page.composer.text_edit.setPlainText("thanks, Bob")
    with qtbot.waitSignal(page.composer.posted, timeout=WAIT):
        page.composer.send()
    qtbot.waitUntil(lambda: len(model.posts) == 3, timeout=WAIT)
    assert model.posts[2].text == "thanks, Bob" and model.posts[2].reply_parent == answer_id
    assert model.index(2).data(DEPTH_ROLE) == 2
    # an indented reply is laid out narrower by its indent: nothing runs off the right
    view, index = page.view, model.index(2)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    shifted = QStyleOptionViewItem(option)
    shifted.rect = option.rect.adjusted(2 * INDENT, 0, 0, 0)
    lay = view.delegate.layout(shifted, index)
    assert lay.doc is not None
    assert 2 * INDENT + lay.doc_at.x() + lay.doc.textWidth() <= view.viewport().width()
    page.stop()


def test_replies_arrive_live_and_unrelated_posts_reload_nothing(
        qtbot: QtBot, app_ctx: AppContext) -> None:
    bob = Bob(qtbot, app_ctx)
    root = post(qtbot, app_ctx, "tell me")
    page = thread_page(qtbot, app_ctx, root.id)
    qtbot.waitUntil(lambda: page.composer.isEnabled(), timeout=WAIT)
    resets: list[int] = []
    page.model.modelReset.connect(lambda: resets.append(1))

    post(qtbot, app_ctx, "elsewhere")  # a post of another thread
    qtbot.waitUntil(lambda: page.model._check_call is None, timeout=WAIT)
    bob.reply(root, "told you")
    qtbot.waitUntil(lambda: [p.text for p in page.model.posts] == ["tell me", "told you"],
                    timeout=WAIT)
    assert resets == [1]  # the reply reloaded; the unrelated post did not
    page.stop()


def test_one_click_on_an_image_in_a_thread_opens_one_viewer(qtbot: QtBot,
                                                             app_ctx: AppContext) -> None:
    shown = picture(qtbot, app_ctx, "a picture to talk about")
    page = thread_page(qtbot, app_ctx, shown.id)
    qtbot.waitUntil(lambda: page.model.row_of(shown.id) >= 0, timeout=WAIT)
    click_image(qtbot, page.view, page.model.row_of(shown.id))
    viewers = page.findChildren(ImageViewer)
    assert len(viewers) == 1 and viewers[0].post.id == shown.id
    qtbot.waitUntil(lambda: viewers[0].loaded, timeout=WAIT)
    viewers[0].close()
    page.stop()


def test_a_deleted_post_shows_as_deleted(qtbot: QtBot, app_ctx: AppContext) -> None:
    root = post(qtbot, app_ctx, "root")
    gone = post(qtbot, app_ctx, "regret", reply_to=root.id)
    call(qtbot, app_ctx, app_ctx.node.posts.delete, gone.id)
    page = thread_page(qtbot, app_ctx, root.id)
    qtbot.waitUntil(lambda: len(page.model.posts) == 2, timeout=WAIT)

    index = page.model.index(1)
    option = QStyleOptionViewItem()
    page.view.initViewItemOption(option)
    option.rect = page.view.visualRect(index)
    notice = page.view.delegate.layout(option, index).notice
    assert notice is not None and notice[1] == "This post was deleted."
    assert "regret" not in (index.data(Qt.ItemDataRole.AccessibleTextRole) or "")
    page.stop()


def test_a_thread_that_is_not_here_says_so(qtbot: QtBot, app_ctx: AppContext) -> None:
    page = thread_page(qtbot, app_ctx, b"\x42" * 32)
    qtbot.waitUntil(lambda: "no post" in page.list.empty.text(), timeout=WAIT)
    assert page.list.is_empty and not page.composer.isEnabled()
    page.stop()
