"""Refusing accounts in the app, on real widgets over a real home (issue 17): Settings →
Blocklists subscribes to Fay's public blocks, shows Sam refused "on Fay's list", and
makes and removes an exception; the profile page's "Block privately" refuses an
account with nothing published, and its Unblock lets it back; the post menu offers
"Block … privately…", which asks first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from p2psocial import content, ids
from p2psocial.entry import Entry
from p2psocial.ui.blocklists_section import BlocklistsSection
from p2psocial.ui.context import AppContext
from p2psocial.ui.post_menu import PostMenus
from p2psocial.ui.post_view import PostListView
from p2psocial.ui.profile_page import ProfilePage
from tests.helpers import T0, make_entry, make_identity
from tests.uikit import WAIT, call

LEFT = Qt.MouseButton.LeftButton


class Person:
    """An account named ``name`` whose entries reach Alice's home as if from a peer."""

    def __init__(self, qtbot: QtBot, ctx: Any, n: int, name: str) -> None:
        self.qtbot, self.ctx = qtbot, ctx
        self.ident = make_identity(n)
        self.id = self.ident.account_id
        self.log: list[Entry] = [make_entry(self.ident, None,
                                            content.DeviceAnnouncement(self.ident.cert), T0)]
        self.add(content.Profile(name))

    def add(self, value: Any) -> Entry:
        item = make_entry(self.ident, self.log[-1], value, self.log[-1].timestamp + 1000)
        self.log.append(item)
        call(self.qtbot, self.ctx, self.ctx.node.replication.ingest, self.log)
        return item


def row_texts(section: BlocklistsSection) -> list[str]:
    """What each line of the section says (headings and rows), in order."""
    out = []
    for i in range(section.rows.count()):
        item = section.rows.itemAt(i)
        widget = item.widget() if item is not None else None
        if widget is not None:
            out.append(widget.accessibleName() or getattr(widget, "text", lambda: "")())
    return out


def confirm(box: QMessageBox | None) -> None:
    assert box is not None and box.defaultButton() is box.button(
        QMessageBox.StandardButton.Cancel)  # Enter does not block by mistake
    next(b for b in box.buttons()
         if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()


def test_subscribe_review_and_except_in_settings(app_ctx: AppContext, qtbot: QtBot) -> None:
    fay, sam = Person(qtbot, app_ctx, 3, "Fay"), Person(qtbot, app_ctx, 4, "Sam")
    sam.add(content.Post("buy now"))
    fay.add(content.Block(sam.id))
    section = BlocklistsSection(app_ctx)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitUntil(lambda: section.view is not None, timeout=WAIT)
    assert "Nobody refused" in row_texts(section)[1]
    section.owner.setText("p2ps1nonsense")
    qtbot.mouseClick(section.subscribe_button, LEFT)
    assert section.outcome.isVisible() and "not an account id" in section.outcome.text()

    section.owner.setText(ids.account_text(fay.id))
    qtbot.mouseClick(section.subscribe_button, LEFT)
    qtbot.waitUntil(lambda: ("except", sam.id) in section.buttons, timeout=WAIT)
    assert "Sam — on Fay's list" in row_texts(section)
    assert call(qtbot, app_ctx, app_ctx.node.feeds.account_posts, sam.id).items == []

    qtbot.mouseClick(section.buttons["except", sam.id], LEFT)
    qtbot.waitUntil(lambda: ("unexcept", sam.id) in section.buttons, timeout=WAIT)
    assert "Sam — on Fay's list · kept: your exception" in row_texts(section)
    assert sam.id not in call(qtbot, app_ctx, app_ctx.backend.node.replication.refused)
    qtbot.mouseClick(section.buttons["unsubscribe", fay.id], LEFT)
    qtbot.waitUntil(lambda: ("unsubscribe", fay.id) not in section.buttons, timeout=WAIT)
    section.stop()


def test_block_privately_from_the_profile_and_unblock(app_ctx: AppContext,
                                                      qtbot: QtBot) -> None:
    sam = Person(qtbot, app_ctx, 4, "Sam")
    sam.add(content.Post("buy now"))
    page = ProfilePage(app_ctx, sam.id)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.block_private.isEnabled()
                    and page.posts.model is not None and page.posts.model.rowCount() == 1,
                    timeout=WAIT)
    assert page.block_private.text() == "Block privately" and not page.block.isHidden()
    me = app_ctx.node.identity.device_id  # type: ignore[union-attr]
    head = app_ctx.node.store.head(me)
    qtbot.mouseClick(page.block_private, LEFT)
    qtbot.waitUntil(lambda: page.confirm_block is not None
                    and page.confirm_block.isVisible(), timeout=WAIT)
    confirm(page.confirm_block)
    qtbot.waitUntil(lambda: page.block_private.text() == "Unblock", timeout=WAIT)
    assert page.block.isHidden() and not page.follow.isEnabled()
    qtbot.waitUntil(lambda: page.posts.model is not None and page.posts.model.rowCount() == 0,
                    timeout=WAIT)  # what the home held of Sam is gone
    assert app_ctx.node.store.head(me) == head  # nothing published
    assert call(qtbot, app_ctx, app_ctx.node.feeds.blocked) == []  # no public block
    qtbot.mouseClick(page.block_private, LEFT)  # Unblock: no question
    qtbot.waitUntil(lambda: page.block_private.text() == "Block privately", timeout=WAIT)
    assert app_ctx.node.store.head(me) == head
    page.stop()


def test_the_post_menu_blocks_privately(app_ctx: AppContext, qtbot: QtBot) -> None:
    sam = Person(qtbot, app_ctx, 4, "Sam")
    post = call(qtbot, app_ctx, app_ctx.node.feeds.post_view, sam.add(content.Post("hi")).id)
    view = PostListView()
    qtbot.addWidget(view)
    menus = PostMenus(app_ctx, view)
    menu = menus.open(post, QPoint(0, 0))
    [private] = [a for a in menu.actions() if a.text().replace("&", "") == "Block Sam privately…"]
    private.trigger()
    menu.close()
    confirm(menus.confirm)
    qtbot.waitUntil(lambda: call(qtbot, app_ctx, app_ctx.backend.privately_blocked, sam.id),
                    timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.feeds.blocked) == []


def test_a_long_list_shows_its_first_rows_and_counts_the_rest(app_ctx: AppContext,
                                                               qtbot: QtBot) -> None:
    from p2psocial.store.views import BlocklistsView, RefusalView
    from p2psocial.ui.blocklists_section import SHOWN

    section = BlocklistsSection(app_ctx)
    qtbot.addWidget(section)
    qtbot.waitUntil(lambda: section.view is not None, timeout=WAIT)
    owner = b"o" * 32
    rows = [RefusalView(n.to_bytes(32, "big"), ("list:" + owner.hex(),), None)
            for n in range(SHOWN + 50)]
    section.show_view(BlocklistsView(rows, [owner], {owner: "Fay"}))
    texts = row_texts(section)
    assert len(section.buttons) == SHOWN + 1  # Make an exception each, and Unsubscribe
    assert texts[-1] == "… and 50 more ('p2psocial blocklist show' lists them all)"
