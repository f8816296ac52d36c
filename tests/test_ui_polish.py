"""Rough edges of the window that issue 14 found (items 11-14), each over real widgets:
a click on a person's name in New message chooses them; check boxes show in the dark
theme; the sizes that cut text off; errors that start with a capital; pictures checked
by content when picked; the colour emoji font."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyleOptionViewItem,
)
from pytestqt.qtbot import QtBot

from p2psocial.runtime import Backend
from p2psocial.ui import theme
from p2psocial.ui.context import AppContext
from tests.uikit import WAIT, call, shown_page


@pytest.fixture
def dark(qapp: Any) -> Iterator[QApplication]:
    theme.apply_theme(qapp, "dark")
    yield qapp
    theme.apply_theme(qapp, "system")


def new_message_panel(qtbot: QtBot, ctx: AppContext, bob: Backend) -> Any:
    call(qtbot, ctx, ctx.node.posts.follow, bob.node.account_id)
    for device, _account, _seq in call(qtbot, ctx, bob.node.replication.logs):
        call(qtbot, ctx, ctx.node.replication.ingest,
             call(qtbot, ctx, bob.node.replication.log_entries, device, 0, 10_000))
    page = shown_page(qtbot, ctx)
    page.new_message()
    panel = page.new_panel
    qtbot.waitUntil(lambda: panel.people.count() == 1, timeout=WAIT)
    return page, panel


def item_point(view: QListWidget, item: QListWidgetItem, on_box: bool) -> QPoint:
    rect = view.visualItemRect(item)
    if not on_box:
        return QPoint(rect.right() - 20, rect.center().y())  # on the name, far from the box
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = rect
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator,
                                      option, view)
    return box.center()


def test_clicking_a_persons_name_chooses_them_and_send_can_be_pressed(
        app_ctx: AppContext, bob: Backend, qtbot: QtBot) -> None:
    page, panel = new_message_panel(qtbot, app_ctx, bob)
    panel.input.setPlainText("hello Bob")
    item = panel.people.item(0)
    viewport = panel.people.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=item_point(panel.people, item, on_box=False))
    assert panel.recipients == [bob.node.account_id]
    assert panel.send_button.isEnabled()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=item_point(panel.people, item, on_box=False))
    assert panel.recipients == [] and not panel.send_button.isEnabled()
    # a click on the box itself toggles once, not twice
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=item_point(panel.people, item, on_box=True))
    assert panel.recipients == [bob.node.account_id]
    page.stop()


def contrast(a: QColor, b: QColor) -> int:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()))


def test_an_unchecked_box_shows_in_the_dark_theme(dark: QApplication, qtbot: QtBot) -> None:
    view = QListWidget()
    qtbot.addWidget(view)
    item = QListWidgetItem("Bob")
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    view.addItem(item)
    view.resize(300, 120)
    view.show()
    qtbot.waitExposed(view)
    assert theme.is_dark(view.palette())
    image: QImage = view.viewport().grab().toImage()
    centre = item_point(view, item, on_box=True)
    base = view.palette().color(view.viewport().backgroundRole())
    around = [QColor(image.pixel(centre.x() + dx, centre.y() + dy))
              for dx in range(-8, 9) for dy in range(-8, 9)
              if 0 <= centre.x() + dx < image.width() and 0 <= centre.y() + dy < image.height()]
    assert max(contrast(colour, base) for colour in around) > 60, "the box is invisible"


def test_onboarding_offers_a_picture_checked_when_picked(
        qtbot: QtBot, tmp_path: Path, launch: Any) -> None:
    from PIL import Image

    from p2psocial.home import Home
    from p2psocial.node import Node
    from p2psocial.ui.onboarding import PHRASE
    from tests.uikit import ARGON_WAIT, start_onboarding

    home = tmp_path / "home"
    _launcher, ob = start_onboarding(launch, home)
    assert ob.choose_picture.isVisibleTo(ob) and not ob.picture_preview.isVisibleTo(ob)
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture")
    ob.load_picture(str(notes))
    qtbot.waitUntil(lambda: ob.create_error.text().startswith("notes.jpg: "), timeout=ARGON_WAIT)
    assert ob.picture is None and ob.choose_picture.isEnabled()

    photo = tmp_path / "me.png"
    Image.new("RGB", (300, 200), "orange").save(photo)
    ob.load_picture(str(photo))
    qtbot.waitUntil(lambda: ob.picture is not None, timeout=ARGON_WAIT)
    assert ob.picture_preview.isVisibleTo(ob) and not ob.create_error.text()
    ob.name.setText("Zoë")
    qtbot.mouseClick(ob.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ob.currentIndex() == PHRASE, timeout=ARGON_WAIT)
    with Node.open(Home(home), readonly=True) as node:
        profile = node.store.profile(node.account_id)
        assert profile.name == "Zoë" and profile.avatar is not None
        picture = node.store.get_blob(profile.avatar)
    assert picture is not None and QImage.fromData(picture).size().width() == 200  # square
    assert QImage.fromData(picture).size().height() == 200


def test_errors_are_shown_as_sentences() -> None:
    from p2psocial.errors import UserError, sentence
    from p2psocial.ui.loop import one_line

    assert sentence("wrong passphrase") == "Wrong passphrase"
    assert sentence("that invite code is too long") == "That invite code is too long"
    assert sentence("notes.jpg: this is not a readable image") == \
        "notes.jpg: this is not a readable image"  # a file name stays as it is
    assert sentence("/tmp/x is damaged") == "/tmp/x is damaged"
    assert sentence("p2ps1qqq is not an id") == "p2ps1qqq is not an id"
    assert sentence("'abc' is not an id") == "'abc' is not an id"
    assert one_line(UserError("nobody called 'zoe' is known")) == "Nobody called 'zoe' is known"


# --- item 13: sizes that cut text off, words that say the wrong thing ------------------


def shell(qtbot: QtBot, launch: Any, tmp_path: Path) -> Any:
    """The main window on a new home (network as the app starts it, LAN discovery off)."""
    from p2psocial.home import Home
    from p2psocial.node import Node
    from p2psocial.settings import save_settings
    from tests.uikit import QUIET, opened

    home = tmp_path / "home"
    Node.init(Home(home), "Alice").close()
    save_settings(home, QUIET)
    launcher = launch(home)
    qtbot.waitUntil(lambda: opened(launcher), timeout=WAIT)
    return launcher


def peer_row(n: int, name: str, state: str, **kw: Any) -> Any:
    from dataclasses import replace

    from p2psocial.runtime import PeerRow

    base = PeerRow(device=bytes([n]) * 32, account=bytes([n + 100]) * 32, name=name,
                   state=state, nearby=False, source="invite", received=0, sent=0,
                   caught_up=False, last_seen=None, following=False)
    return replace(base, **kw)


def test_the_peers_table_fits_a_window_of_980_px(qtbot: QtBot, launch: Any,
                                                 tmp_path: Path) -> None:
    from p2psocial.ui.people_page import PeoplePage

    launcher = shell(qtbot, launch, tmp_path)
    window = launcher.window
    window.resize(980, 720)
    people = window.show_section("people")
    assert isinstance(people, PeoplePage)
    qtbot.waitUntil(lambda: people._fetch is None, timeout=WAIT)
    people.timer.stop()  # the rows below stay as they are
    now = people.ctx.node.clock()
    people.show_peers([
        peer_row(1, "Bartholomew", "connected", nearby=True, path="lan", received=1234,
                 sent=56),
        peer_row(2, "Carol", "connected", path="port-mapped", caught_up=True),
        peer_row(3, "Dan", "known", why_not="neither-accepts", last_seen=now - 7_200_000),
    ])
    QApplication.processEvents()
    tree = people.tree
    header = tree.header()
    for column in range(header.count() - 1):  # every column but the button's
        assert header.sectionSize(column) >= tree.sizeHintForColumn(column), column
    assert header.length() <= tree.viewport().width()
    assert people._follow_buttons  # not followed yet: each row has its button, whole
    for button in people._follow_buttons.values():
        assert button.width() >= button.sizeHint().width()
    assert not tree.horizontalScrollBar().isVisible()


def test_unlock_passphrase_box_is_wide_enough(qtbot: QtBot) -> None:
    from p2psocial.ui.unlock import UnlockPage

    page = UnlockPage()
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    assert page.passphrase.width() >= 250  # was its size hint alone: 120 px


def test_back_does_not_touch_the_title_and_status_says_peers_are_offline(
        qtbot: QtBot, launch: Any, tmp_path: Path) -> None:
    from p2psocial.runtime import NetworkStatus

    window = shell(qtbot, launch, tmp_path).window
    window.resize(980, 720)
    from PySide6.QtWidgets import QLabel

    window.push(QLabel("a detail"), "Conversation")  # as a thread or a profile opens
    qtbot.waitUntil(lambda: window.back.isVisible(), timeout=WAIT)
    QApplication.processEvents()
    assert window.title.geometry().left() - window.back.geometry().right() >= 10

    window.show_network(NetworkStatus("online", connected=0, known=2))
    assert window.network_label.text() == "Online · 2 known peers, none reachable now"
    window.show_network(NetworkStatus("online", connected=0, known=1))
    assert window.network_label.text() == "Online · 1 known peer, none reachable now"
    window.show_network(NetworkStatus("online"))
    assert window.network_label.text() == "Online · no peers yet"


def test_the_empty_peers_list_does_not_promise_lan_discovery_when_it_is_off(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    from p2psocial.ui.people_page import PeoplePage

    assert not app_ctx.settings.lan
    page = PeoplePage(app_ctx)
    qtbot.addWidget(page)
    page.show()
    page.show_peers([])
    assert "appear here by themselves" not in page.empty.text()
    assert "Finding people on the same network is off" in page.empty.text()
    page.stop()


def test_the_message_placeholder_shows_whole(app_ctx: AppContext, bob: Backend,
                                            qtbot: QtBot) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    page, panel = new_message_panel(qtbot, app_ctx, bob)
    for width in (640, 780, 900):  # the page in windows of about 830 to 1,100 px
        page.resize(width, 600)
        QApplication.processEvents()
        for box in (panel.input, page.pane.input):
            margin = int(box.document().documentMargin())
            room = box.viewport().width() - 2 * margin
            needed = QFontMetrics(box.font()).boundingRect(
                QRect(0, 0, room, 10_000), int(Qt.TextFlag.TextWordWrap),
                box.placeholderText())
            assert needed.height() <= box.viewport().height() - 2 * margin + 2, width
    page.stop()


def test_reaction_emoji_are_as_tall_as_the_text(qapp: QApplication) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFont, QFontMetrics, QPainter

    from p2psocial.ui.post_delegate import chip_width, paint_chip

    base = qapp.font()
    small = QFont(base)
    small.setPointSizeF(base.pointSizeF() * 0.85)  # the chips' font
    width = chip_width(small, "👍 2", emoji=True)
    image = QImage(width + 4, 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_chip(painter, qapp.palette(), QRect(2, 2, width, 40), "👍 2", False, small,
               framed=False, emoji=True)
    painter.end()
    inked = [y for y in range(image.height()) for x in range(8, image.width() // 2)
             if QColor(image.pixel(x, y)).lightness() < 200]
    assert inked, "nothing drawn"
    assert max(inked) - min(inked) + 1 >= QFontMetrics(base).ascent()
