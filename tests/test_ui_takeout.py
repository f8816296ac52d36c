"""Settings → Readable copy (ui/takeout_section.py) on Alice's real home and real widgets:
the copy is written through the back end while the app holds the home, its outcome
line says what and where, the followed people's posts come with the box ticked, and a
folder that is not empty is one bold line with the button back; German too."""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox
from pytestqt.qtbot import QtBot

from p2psocial.ui.context import AppContext
from p2psocial.ui.settings_page import SettingsPage
from p2psocial.ui.takeout_section import TakeoutSection
from tests.uikit import WAIT, call, german


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_readable_copy_from_settings(app_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    first = call(qtbot, app_ctx, app_ctx.node.posts.post, "first")
    call(qtbot, app_ctx, functools.partial(app_ctx.node.posts.post, reply_to=first.id),
         "a reply")
    page = SettingsPage(app_ctx)
    qtbot.addWidget(page)
    page.show()
    section = page.takeout
    assert page.findChild(QGroupBox, "takeout_section") is section
    assert section.title() == "Readable copy"

    copy = tmp_path / "copy"
    section.write_to(copy)
    assert not section.write_button.isEnabled()  # one copy at a time
    qtbot.waitUntil(lambda: section.outcome.text().startswith("Wrote"), timeout=WAIT)
    assert section.outcome.text().startswith("Wrote 2 posts, 0 messages and 0 pictures")
    assert str(copy) in section.outcome.text() and section.write_button.isEnabled()
    assert count(copy / "p2psocial.db", "SELECT count(*) FROM posts WHERE is_reply = 1") == 1
    assert not (copy / "followed_posts.json").exists()

    qtbot.mouseClick(section.with_followed, Qt.MouseButton.LeftButton)
    assert section.with_followed.isChecked()
    section.write_to(tmp_path / "with followed")
    qtbot.waitUntil(lambda: "with followed" in section.outcome.text(), timeout=WAIT)
    assert count(tmp_path / "with followed" / "p2psocial.db",
                 "SELECT count(*) FROM followed_posts") == 0  # Alice follows nobody yet

    section.write_to(copy)  # not empty now
    qtbot.waitUntil(lambda: section.outcome.font().bold(), timeout=WAIT)
    assert "is not empty" in section.outcome.text()
    assert "\n" not in section.outcome.text() and section.write_button.isEnabled()
    assert count(copy / "p2psocial.db", "SELECT count(*) FROM posts") == 2  # left alone
    page.stop()


def test_the_section_and_its_outcome_come_out_german(app_ctx: AppContext, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    with german():
        section = TakeoutSection(app_ctx)
        qtbot.addWidget(section)
        assert section.title() == "Lesbare Kopie"
        assert section.write_button.text() == "Lesbare Kopie schreiben…"
        section.write_to(tmp_path / "kopie")
        qtbot.waitUntil(section.write_button.isEnabled, timeout=WAIT)
        assert section.outcome.text().startswith("0 Beiträge, 0 Nachrichten und 0 Bilder")
        section.stop()
