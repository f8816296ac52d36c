"""The people page (ui/people_page.py) on Alice's real home: joining Bob by his invite
code over loopback shows him connected, then by name, and Alice follows him; a bad
code shows one line and keeps the text; the invite and its QR code; the empty state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from p2psocial.ui.context import AppContext
from p2psocial.ui.people_page import ACTION, HOW, NAME, SECTIONS, STATE, PeoplePage
from tests.uikit import WAIT, call, make_backend, start_network


@pytest.fixture
def bob(app_ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> Iterator[AppContext]:
    """Bob's own back end, with its network on the same Trio host as Alice's."""
    backend = make_backend(tmp_path / "bob", "Bob")
    ctx = AppContext(app_ctx.host, backend)
    start_network(qtbot, ctx)
    yield ctx
    assert app_ctx.host.stop()  # Bob's network ends with the host; then his node closes
    backend.close()


def page_of(qtbot: QtBot, ctx: AppContext) -> PeoplePage:
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    return page


def rows(page: PeoplePage) -> list[QTreeWidgetItem]:
    found = []
    for key in SECTIONS:
        section = page.sections[key]
        found += [section.child(i) for i in range(section.childCount())]
    return found


def row_named(page: PeoplePage, name: str) -> QTreeWidgetItem | None:
    return next((r for r in rows(page) if r.text(NAME) == name), None)


def test_join_by_bobs_code_shows_him_connected_by_name_and_follows_him(
        app_ctx: AppContext, bob: AppContext, qtbot: QtBot) -> None:
    start_network(qtbot, app_ctx)
    page = page_of(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page.invite.text() != "", timeout=WAIT)
    assert page.status.text().startswith("Online")

    page.code.setText(bob.backend.invite_code())
    qtbot.mouseClick(page.join_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "connecting" in page.join_outcome.text(), timeout=WAIT)
    assert page.join_outcome.text().startswith("Following ")
    assert page.code.text() == ""

    qtbot.waitUntil(lambda: row_named(page, "Bob") is not None, timeout=WAIT)
    row = row_named(page, "Bob")
    assert row is not None and row.text(STATE).startswith("Connected")
    assert row.text(HOW) == "on your home network"  # loopback: this machine
    assert row.parent() is page.sections["connected"]
    assert bob.me in call(qtbot, app_ctx, app_ctx.node.feeds.following)
    assert page.tree.itemWidget(row, ACTION) is None  # followed already: no Follow button
    assert page.status.text() == "Online: connected to 1 peer"

    opened: list[bytes] = []
    app_ctx.open_profile.connect(opened.append)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.tree.visualRect(page.tree.indexFromItem(row, NAME)).center())
    assert opened == [bob.me]
    page.stop()


def test_a_malformed_code_shows_one_line_and_keeps_the_text(app_ctx: AppContext,
                                                            qtbot: QtBot) -> None:
    page = page_of(qtbot, app_ctx)
    page.code.setText("p2psinvite-not-a-real-code")
    page.join()
    qtbot.waitUntil(lambda: page.join_button.isEnabled()
                    and page.join_outcome.text() not in ("", "Joining…"), timeout=WAIT)
    assert "\n" not in page.join_outcome.text()
    assert "Traceback" not in page.join_outcome.text()
    assert page.join_outcome.font().bold()
    assert page.code.text() == "p2psinvite-not-a-real-code"
    page.stop()


def test_the_invite_shows_as_text_and_qr_code(app_ctx: AppContext, qtbot: QtBot) -> None:
    start_network(qtbot, app_ctx)
    page = page_of(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page.invite.text() != "", timeout=WAIT)
    assert page.invite.text() == app_ctx.backend.invite_code()
    page.copy_invite()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == page.invite.text()
    assert page.qr_text == page.invite.text()
    assert not page.qr.pixmap().isNull()
    page.stop()


def test_nobody_yet_explains_what_to_do_and_offline_has_no_invite(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    page = page_of(qtbot, app_ctx)
    qtbot.waitUntil(lambda: page._fetch is None, timeout=WAIT)  # the peers were read
    assert page.empty.isVisible() and not page.tree.isVisible()
    assert "send them your invite" in page.empty.text()
    assert page.invite.text() == ""
    assert not page.copy_button.isEnabled()
    assert page.status.text() == "Starting the network…"  # not started in this test
    page.deactivated()
    assert not page.timer.isActive()
    page.stop()
