"""What a post offers in the window (issue 14, items 2, 5, 6 and 10), on a real home,
offscreen: reply counts that follow replies, the "…" menu (copy, select, edit, delete,
by mouse and by keyboard), "Replying to" in timelines, and #tags that list tagged posts.
Bob writes through ``node.replication.ingest``, as if his entries came from a peer."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.ui.context import AppContext
from p2psocial.ui.home_page import HomePage
from p2psocial.ui.post_delegate import Hit
from p2psocial.ui.post_menu import PostMenus
from p2psocial.ui.post_model import Roles
from p2psocial.ui.post_view import PostListView
from p2psocial.ui.search_page import SearchPage
from tests.uikit import BOB, WAIT, Bob, call, post


def find_hit(view: PostListView, row: int, kind: str) -> tuple[QPoint, Hit]:
    """A point of ``row`` where the view's own hit test finds a ``kind``."""
    rect = view.visualRect(view.model().index(row, 0))
    for y in range(rect.top(), rect.bottom(), 2):
        for x in range(rect.left(), rect.right(), 3):
            _index, hit = view.hit_at(QPoint(x, y))
            if hit is not None and hit.kind == kind:
                return QPoint(x, y), hit
    raise AssertionError(f"row {row} shows no {kind}")


def row_of(view: PostListView, text: str) -> int:
    model = view.model()
    return next(r for r in range(model.rowCount()) if model.index(r).data(Roles.Text) == text)


def label(act: QAction) -> str:
    """What a menu item says: without its mnemonic's '&' nor its key hint."""
    return act.text().split("\t")[0].replace("&", "")


def action(menu: QMenu, text: str) -> QAction:
    for act in menu.actions():
        if label(act) == text:
            return act
    raise AssertionError(f"no {text!r} in {[label(a) for a in menu.actions()]}")


def open_menu_by_keyboard(qtbot: QtBot, view: PostListView, row: int) -> QMenu:
    menus = view.findChild(PostMenus)
    assert menus is not None
    view.setFocus()
    view.setCurrentIndex(view.model().index(row))
    qtbot.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: menus.menu is not None and menus.menu.isVisible(), timeout=WAIT)
    assert menus.menu is not None
    return menus.menu


# --- 2: reply counts -------------------------------------------------------------------


def test_a_reply_updates_its_parents_count_at_once(qtbot: QtBot, app_ctx: AppContext,
                                                   home: HomePage) -> None:
    parent = post(qtbot, app_ctx, "ask me")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)
    assert home.model.posts[0].reply_count == 0

    home.start_reply(parent)
    home.composer.text_edit.setPlainText("an answer")
    home.composer.send()
    qtbot.waitUntil(lambda: len(home.model.posts) == 2, timeout=WAIT)
    view = home.timeline_view
    row = row_of(view, "ask me")
    qtbot.waitUntil(lambda: view.model().index(row).data(Roles.ReplyCount) == 1,
                    timeout=WAIT)
    # what the row paints: the count's chip says so
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(view.model().index(row))
    lay = view.delegate.layout(option, view.model().index(row))
    assert [label for hit, _r, label, _on in lay.actions if hit.kind == "thread"] == ["1 reply"]

    # and a reply from a peer, and its deletion, the same
    bob = Bob(qtbot, app_ctx)
    gone = bob.reply(parent, "Bob answers too")
    qtbot.waitUntil(lambda: home.model.posts[row_of(view, "ask me")].reply_count == 2,
                    timeout=WAIT)
    bob.write(content.Delete(gone))
    qtbot.waitUntil(lambda: home.model.posts[row_of(view, "ask me")].reply_count == 1,
                    timeout=WAIT)


# --- 6: replying to ----------------------------------------------------------------------


def test_a_reply_says_whom_it_answers_and_opens_that_post(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    bob = Bob(qtbot, app_ctx)
    bob.write(content.Profile(name="Bob"))
    call(qtbot, app_ctx, app_ctx.node.posts.follow, BOB.account_id)
    bobs_id = bob.write(content.Post("Bob asks"))
    bobs = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, bobs_id)
    post(qtbot, app_ctx, "Alice answers", reply_to=bobs.id)
    qtbot.waitUntil(lambda: len(home.model.posts) == 2, timeout=WAIT)
    view = home.timeline_view
    row = row_of(view, "Alice answers")
    assert home.model.posts[row].reply_author == bobs.author

    qtbot.waitUntil(lambda: replying_of(view, row_of(view, "Alice answers"))
                    == "↪ Replying to Bob", timeout=WAIT)
    assert replying_of(view, row_of(view, "Bob asks")) is None  # not a reply: no line
    spoken = view.model().index(row_of(view, "Alice answers")).data(
        Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("Alice, replying to Bob, ")  # what a screen reader hears
    opened: list[bytes] = []
    app_ctx.open_thread.connect(opened.append)
    at, _hit = find_hit(view, row, "parent")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert opened == [bobs.id]


def replying_of(view: PostListView, row: int) -> str | None:
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(view.model().index(row))
    lay = view.delegate.layout(option, view.model().index(row))
    return lay.replying[1] if lay.replying else None


# --- 5: the "…" menu ----------------------------------------------------------------------


def test_the_more_button_opens_the_menu_and_copies(qtbot: QtBot, app_ctx: AppContext,
                                                   home: HomePage) -> None:
    mine = post(qtbot, app_ctx, "copy me, please")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)
    view = home.timeline_view
    menus = view.findChild(PostMenus)
    assert menus is not None
    at, _hit = find_hit(view, 0, "more")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: menus.menu is not None and menus.menu.isVisible(), timeout=WAIT)
    menu = menus.menu
    assert menu is not None
    texts = [label(a) for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Reply", "Open the conversation", "React", "Copy text", "Copy link",
                     "Select text…", "Mute this thread", "Edit…", "Delete…"]
    action(menu, "Copy text").trigger()
    assert QGuiApplication.clipboard().text() == "copy me, please"
    menu.close()

    menu = open_menu_by_keyboard(qtbot, view, 0)
    action(menu, "Copy link").trigger()
    link = QGuiApplication.clipboard().text()
    assert link == ids.entry_text(mine.id)
    menu.close()
    # the link opens the post: Search takes it
    search = SearchPage(app_ctx)
    qtbot.addWidget(search)
    opened: list[bytes] = []
    app_ctx.open_thread.connect(opened.append)
    search.search(link)
    assert opened == [mine.id]

    menu = open_menu_by_keyboard(qtbot, view, 0)
    action(menu, "Select text…").trigger()
    reader = menus.reader
    assert reader is not None
    qtbot.waitUntil(reader.isVisible, timeout=WAIT)
    reader.text.selectAll()
    cursor = reader.text.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(7, cursor.MoveMode.KeepAnchor)  # "copy me"
    reader.text.setTextCursor(cursor)
    reader.text.copy()
    assert QGuiApplication.clipboard().text() == "copy me"
    assert reader.text.isReadOnly()
    reader.close()


def test_edit_and_delete_ones_own_post_from_its_menu(qtbot: QtBot, app_ctx: AppContext,
                                                    home: HomePage) -> None:
    post(qtbot, app_ctx, "a typo hier")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)
    view = home.timeline_view
    menus = view.findChild(PostMenus)
    assert menus is not None

    menu = open_menu_by_keyboard(qtbot, view, 0)
    action(menu, "Edit…").trigger()
    editor = menus.editor
    assert editor is not None
    qtbot.waitUntil(editor.isVisible, timeout=WAIT)
    assert editor.text.toPlainText() == "a typo hier" and not editor.save.isEnabled()
    editor.text.setPlainText("a typo here")
    assert editor.save.isEnabled()
    editor.save.click()
    qtbot.waitUntil(lambda: home.model.posts[0].text == "a typo here", timeout=WAIT)
    assert home.model.posts[0].edited
    qtbot.waitUntil(lambda: menus.editor is None, timeout=WAIT)  # closed by itself

    menu = open_menu_by_keyboard(qtbot, view, 0)
    action(menu, "Delete…").trigger()
    box = menus.confirm
    assert box is not None and box.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()  # Cancel: nothing happens
    assert not home.model.posts[0].deleted

    menu = open_menu_by_keyboard(qtbot, view, 0)
    action(menu, "Delete…").trigger()
    box = menus.confirm
    assert box is not None
    delete = next(b for b in box.buttons()
                  if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    delete.click()
    qtbot.waitUntil(lambda: not home.model.posts or home.model.posts[0].deleted,
                    timeout=WAIT)


def test_others_posts_offer_block_not_edit(qtbot: QtBot, app_ctx: AppContext) -> None:
    bob = Bob(qtbot, app_ctx)
    bob.write(content.Profile(name="Bob"))
    bobs = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, bob.write(content.Post("hi")))
    view = PostListView()
    qtbot.addWidget(view)
    menus = PostMenus(app_ctx, view)
    menu = menus.open(bobs, QPoint(0, 0))
    texts = [label(a) for a in menu.actions() if not a.isSeparator()]
    assert "Edit…" not in texts and "Delete…" not in texts
    assert texts[-2:] == ["Block Bob…", "Block Bob privately…"]
    action(menu, "Block Bob…").trigger()
    menu.close()
    box = menus.confirm
    assert box is not None and box.defaultButton() is box.button(
        QMessageBox.StandardButton.Cancel)  # Enter does not block by mistake
    next(b for b in box.buttons()
         if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()
    qtbot.waitUntil(lambda: BOB.account_id in call(qtbot, app_ctx, app_ctx.node.feeds.blocked),
                    timeout=WAIT)
    QApplication.processEvents()


# --- 10: #tags --------------------------------------------------------------------------


def test_a_clicked_tag_lists_the_posts_with_that_tag_only(
        qtbot: QtBot, app_ctx: AppContext, home: HomePage) -> None:
    post(qtbot, app_ctx, "rust on my old bike")  # the word, not the tag
    post(qtbot, app_ctx, "a #rustacean is not a #rustic")  # a longer tag
    post(qtbot, app_ctx, "learning #Rust today")
    post(qtbot, app_ctx, "more #rust, and #python")
    qtbot.waitUntil(lambda: len(home.model.posts) == 4, timeout=WAIT)
    view = home.timeline_view
    searched: list[str] = []
    app_ctx.open_search.connect(searched.append)
    at, hit = find_hit(view, row_of(view, "learning #Rust today"), "tag")
    assert hit.value == "rust"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert searched == ["#rust"]

    search = SearchPage(app_ctx)
    qtbot.addWidget(search)
    search.resize(700, 800)
    search.show()
    search.search(searched[0])  # what the main window does with open_search
    model = search.posts.model
    assert model is not None
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() > 0, timeout=WAIT)
    assert sorted(p.text for p in model.posts) == ["learning #Rust today",
                                                   "more #rust, and #python"]
    # a word search still finds the word wherever it is
    search.search("rust")
    word = search.posts.model
    assert word is not None
    qtbot.waitUntil(lambda: not word.loading and word.rowCount() > 0, timeout=WAIT)
    assert "rust on my old bike" in [p.text for p in word.posts]
    search.stop()


def test_the_menu_is_worked_by_keyboard(qtbot: QtBot, app_ctx: AppContext,
                                        home: HomePage) -> None:
    """Arrows and Enter choose in the menu (the Enter shown beside Open the
    conversation is a hint, not a shortcut that would take Enter away from the
    highlighted item); R, the item's letter, replies from it."""
    mine = post(qtbot, app_ctx, "keys only")
    qtbot.waitUntil(lambda: len(home.model.posts) == 1, timeout=WAIT)
    view = home.timeline_view
    opened: list[bytes] = []
    app_ctx.open_thread.connect(opened.append)
    menu = open_menu_by_keyboard(qtbot, view, 0)
    menu.setActiveAction(action(menu, "Copy link"))
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert QGuiApplication.clipboard().text() == ids.entry_text(mine.id) and opened == []

    replies: list[object] = []
    app_ctx.reply_to.connect(replies.append)
    menu = open_menu_by_keyboard(qtbot, view, 0)
    qtbot.keyClick(menu, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(replies) == 1, timeout=WAIT)

    menu = open_menu_by_keyboard(qtbot, view, 0)
    react = action(menu, "React").menu()
    assert isinstance(react, QMenu)
    action(react, "🎉").trigger()
    qtbot.waitUntil(lambda: "🎉" in home.model.posts[0].reacted, timeout=WAIT)
