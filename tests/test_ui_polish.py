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
