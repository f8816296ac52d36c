"""The settings page (ui/settings_page.py) on Alice's real home: a new name is published
as her profile; an avatar is read in a worker thread and published; a wrong current
passphrase is one line and keeps the fields; the recovery phrase after the
passphrase; network changes wait for Apply and restart the network; the dark theme changes the
palette; an export writes a backup that restores."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from p2psocial import keyfile, phrase
from p2psocial.home import Home
from p2psocial.ui.context import AppContext
from p2psocial.ui.settings_page import SettingsPage
from tests.uikit import WAIT, call, start_network


def page_of(qtbot: QtBot, ctx: AppContext) -> SettingsPage:
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page.name.text() == "Alice", timeout=WAIT)  # profile read
    return page


def test_a_new_name_and_picture_are_published(app_ctx: AppContext, qtbot: QtBot,
                                              tmp_path: Path) -> None:
    page = page_of(qtbot, app_ctx)
    picture = tmp_path / "me.png"
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    assert image.save(str(picture))
    page.load_avatar(str(picture))
    qtbot.waitUntil(lambda: page.avatar_preview.isVisible(), timeout=WAIT)

    page.name.setText("Alice B.")
    page.bio.setPlainText("gardener")
    qtbot.mouseClick(page.save_profile_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.profile_outcome.text().startswith("Profile saved"),
                    timeout=WAIT)
    profile = call(qtbot, app_ctx, app_ctx.node.feeds.profile, app_ctx.me)
    assert (profile.name, profile.bio) == ("Alice B.", "gardener")
    assert profile.avatar is not None
    assert page.name.text() == "Alice B."


def test_a_file_that_is_no_image_and_an_empty_name_are_one_line(
        app_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    page = page_of(qtbot, app_ctx)
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    page.load_avatar(str(text))
    qtbot.waitUntil(lambda: "not an image" in page.profile_outcome.text(), timeout=WAIT)
    page.name.setText("  ")
    page.save_profile()
    assert page.profile_outcome.text() == "Choose the name others will see"
    assert page.profile_outcome.font().bold()


def test_a_wrong_current_passphrase_is_one_line_and_keeps_the_fields(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    page = page_of(qtbot, app_ctx)
    page.new.setText("first secret")
    page.new2.setText("first secret")
    page.change_passphrase()  # the home had none: no current one asked for
    qtbot.waitUntil(lambda: page.passphrase_outcome.text() == "Passphrase changed",
                    timeout=WAIT)
    assert keyfile.is_encrypted(Home(app_ctx.backend.home_dir).read_keys())
    assert page.has_passphrase and page.current.isEnabled()

    page.current.setText("wrong")
    page.new.setText("second secret")
    page.new2.setText("second secret")
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.passphrase_outcome.text()
                    == "That is not your current passphrase", timeout=WAIT)
    assert (page.current.text(), page.new.text(), page.new2.text()) == (
        "wrong", "second secret", "second secret")
    keyfile.load(Home(app_ctx.backend.home_dir).read_keys(), "first secret")  # unchanged

    page.phrase_passphrase.setText("wrong")
    page.show_phrase()
    qtbot.waitUntil(lambda: page.phrase_outcome.text() == "That is not your passphrase",
                    timeout=WAIT)
    page.phrase_passphrase.setText("first secret")
    page.show_phrase()
    qtbot.waitUntil(lambda: page.phrase.isVisible(), timeout=WAIT)
    identity = keyfile.load(Home(app_ctx.backend.home_dir).read_keys(), "first secret")
    assert phrase.from_phrase(page.phrase.text()) == identity.require_root().root_seed
    page.deactivated()
    assert page.phrase.text() == "" and not page.phrase.isVisible()


def test_network_changes_wait_for_apply_then_restart_the_network(app_ctx: AppContext,
                                                                  qtbot: QtBot) -> None:
    """LAN discovery stays off here (tests announce nothing on the real LAN): the
    restart is driven by the hops and checked to keep lan False."""
    start_network(qtbot, app_ctx)
    first, generation = app_ctx.backend.service, app_ctx.backend.generation
    page = page_of(qtbot, app_ctx)
    assert not page.lan.isChecked() and page.hops.value() == 2
    page.lan.setChecked(True)
    page.hops.setValue(3)
    assert page.port_mapping.isChecked()  # on by default (on loopback it maps nothing)
    page.port_mapping.setChecked(False)
    assert app_ctx.settings.lan is False and app_ctx.settings.hops == 2  # not yet
    page.lan.setChecked(False)
    qtbot.mouseClick(page.apply_network_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.network_outcome.text()
                    == "Applied: the network is online again", timeout=WAIT)
    assert (app_ctx.backend.settings.lan, app_ctx.backend.settings.hops) == (False, 3)
    assert app_ctx.backend.status().state == "online"
    assert app_ctx.backend.generation == generation + 1  # one restart, one new service
    assert app_ctx.backend.service is not None and app_ctx.backend.service is not first
    assert app_ctx.backend.service.hops == 3
    assert app_ctx.backend.settings.port_mapping is False
    assert app_ctx.backend.service.port_mapping is False
    assert page.port.value() == app_ctx.settings.port != 0
    page.apply_network()
    assert page.network_outcome.text() == "Nothing changed"


def test_dark_theme_changes_the_palette(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = page_of(qtbot, app_ctx)
    assert [w.objectName() for w in page.findChildren(QWidget) if w.styleSheet()] == []
    page.profile_outcome.show_error("an error line follows the theme")
    page.choose_theme("light")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette().window().color().lightness()
    page.choose_theme("dark")
    assert app_ctx.settings.theme == "dark"
    assert app.palette().window().color().lightness() < min(128, light)
    text = QPalette.ColorRole.WindowText
    qtbot.waitUntil(lambda: page.profile_outcome.palette().color(text)
                    == app.palette().color(text), timeout=WAIT)
    page.choose_theme("system")


def test_desktop_choices_apply_at_once(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = page_of(qtbot, app_ctx)
    assert page.notify.isChecked()
    page.notify.setChecked(False)
    assert app_ctx.settings.notify is False
    page.choose_language("system")
    assert app_ctx.settings.language == "system"


def test_export_writes_a_backup_that_restores(app_ctx: AppContext, qtbot: QtBot,
                                              tmp_path: Path) -> None:
    from p2psocial.backup import restore_backup

    call(qtbot, app_ctx, app_ctx.node.posts.post, "kept safe")
    page = page_of(qtbot, app_ctx)
    target = tmp_path / "alice.p2psbackup"
    page.export_to(target)
    qtbot.waitUntil(lambda: page.backup_outcome.text().startswith("Saved"), timeout=WAIT)
    assert str(target) in page.backup_outcome.text()
    node, summary = restore_backup(Home(tmp_path / "restored"), target, None)
    with node:
        assert node.account_id == app_ctx.me and summary.entries >= 3

    page.export_to(tmp_path / "no such folder" / "x.p2psbackup")
    qtbot.waitUntil(lambda: page.export_button.isEnabled()
                    and page.backup_outcome.text().startswith("Cannot write"), timeout=WAIT)
    assert "\n" not in page.backup_outcome.text()


def test_import_brings_back_what_another_device_of_the_account_had(
        app_ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    from p2psocial.backup import export_backup, restore_backup
    from p2psocial.node import Node

    # Alice's laptop: restored from a backup of this home, then it posted on its own
    page = page_of(qtbot, app_ctx)
    first = tmp_path / "home.p2psbackup"
    page.export_to(first)
    qtbot.waitUntil(lambda: page.backup_outcome.text().startswith("Saved"), timeout=WAIT)
    laptop, _ = restore_backup(Home(tmp_path / "laptop"), first, None)
    with laptop:
        posted = call(qtbot, app_ctx, laptop.posts.post, "written on the laptop")
        export_backup(laptop, tmp_path / "laptop.p2psbackup")

    page.import_from(tmp_path / "laptop.p2psbackup")
    qtbot.waitUntil(lambda: page.import_button.isEnabled()
                    and page.backup_outcome.text().startswith("Imported"), timeout=WAIT)
    assert call(qtbot, app_ctx, app_ctx.node.feeds.post_view, posted.id).text == \
        "written on the laptop"
    page.import_from(tmp_path / "laptop.p2psbackup")  # twice: nothing new, nothing wrong
    qtbot.waitUntil(lambda: page.import_button.isEnabled()
                    and page.backup_outcome.text() == "Imported: 0 entries new", timeout=WAIT)

    # a backup of somebody else is refused in one line
    with Node.init(Home(tmp_path / "bob"), "Bob") as bob:
        export_backup(bob, tmp_path / "bob.p2psbackup")
    page.import_from(tmp_path / "bob.p2psbackup")
    qtbot.waitUntil(lambda: "another account" in page.backup_outcome.text(), timeout=WAIT)
    assert "\n" not in page.backup_outcome.text()
