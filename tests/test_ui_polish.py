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
from p2psocial.ui.messages_page import MessagesPage
from tests.uikit import WAIT, call, make_backend


@pytest.fixture
def bob(tmp_path: Path) -> Iterator[Backend]:
    backend = make_backend(tmp_path / "bob", "Bob")
    yield backend
    backend.close()


@pytest.fixture
def dark(qapp: Any) -> Iterator[QApplication]:
    theme.apply_theme(qapp, "dark")
    yield qapp
    theme.apply_theme(qapp, "system")


def new_message_panel(qtbot: QtBot, ctx: AppContext, bob: Backend) -> Any:
    call(qtbot, ctx, ctx.node.follow, bob.node.account_id)
    for device, _account, _seq in call(qtbot, ctx, bob.node.logs):
        call(qtbot, ctx, ctx.node.ingest,
             call(qtbot, ctx, bob.node.log_entries, device, 0, 10_000))
    page = MessagesPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.activated()
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
    from tests.test_ui_onboarding import WAIT as SLOW
    from tests.test_ui_onboarding import start

    home = tmp_path / "home"
    _launcher, ob = start(launch, home)
    assert ob.choose_picture.isVisibleTo(ob) and not ob.picture_preview.isVisibleTo(ob)
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture")
    ob.load_picture(str(notes))
    qtbot.waitUntil(lambda: ob.create_error.text().startswith("notes.jpg: "), timeout=SLOW)
    assert ob.picture is None and ob.choose_picture.isEnabled()

    photo = tmp_path / "me.png"
    Image.new("RGB", (300, 200), "orange").save(photo)
    ob.load_picture(str(photo))
    qtbot.waitUntil(lambda: ob.picture is not None, timeout=SLOW)
    assert ob.picture_preview.isVisibleTo(ob) and not ob.create_error.text()
    ob.name.setText("Zoë")
    qtbot.mouseClick(ob.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ob.currentIndex() == PHRASE, timeout=SLOW)
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
