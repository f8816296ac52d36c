"""Onboarding in the window (ui/onboarding.py), offscreen, on real homes in tmp_path:
create a profile and confirm its phrase; restore from a phrase and from a backup; the
error paths show one line and keep what was typed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSysInfo, Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from p2psocial import ids, keyfile, link_code, phrase
from p2psocial.backup import export_backup
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.ui.app import Launcher
from p2psocial.ui.onboarding import CREATE, LINK, PHRASE, RESTORE, Onboarding
from tests.uikit import ARGON_WAIT, FAST_KDF, Launches, call, opened, start_onboarding

WAIT = ARGON_WAIT


def shows_account(launcher: Launcher, account: str) -> bool:
    """The home is open in the window, with ``account``'s keys."""
    return opened(launcher) and ids.account_text(launcher.ctx.me) == account


def own_name(qtbot: QtBot, launcher: Launcher) -> str | None:
    ctx = launcher.ctx
    return call(qtbot, ctx, ctx.node.feeds.profile, ctx.me).name


def test_create_a_profile_then_confirm_the_phrase(qtbot: QtBot, tmp_path: Path,
                                                  launch: Launches) -> None:
    home = tmp_path / "home"
    launcher, ob = start_onboarding(launch, home)
    ob.name.setText("Zoë")
    ob.passphrase.setText("correct horse")
    ob.passphrase2.setText("correct horse")
    qtbot.mouseClick(ob.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ob.currentIndex() == PHRASE, timeout=WAIT)

    identity = keyfile.load(Home(home).read_keys(), "correct horse")
    shown = ob.phrase_label.text()
    assert phrase.from_phrase(shown) == identity.require_root().root_seed  # numbered, 24 words
    assert "\n" in shown  # in rows, easy to copy onto paper
    assert keyfile.is_encrypted(Home(home).read_keys())
    with Node.open(Home(home), readonly=True) as node:
        assert node.account_id == identity.account_id
        assert node.store.profile(node.account_id).name == "Zoë"

    # continuing needs the confirmation
    assert not ob.continue_button.isEnabled()
    qtbot.mouseClick(ob.continue_button, Qt.MouseButton.LeftButton)
    assert launcher.window.stage() is ob
    ob.wrote_it.setChecked(True)
    assert ob.continue_button.isEnabled()
    with qtbot.waitSignal(ob.completed, timeout=WAIT):
        qtbot.mouseClick(ob.continue_button, Qt.MouseButton.LeftButton)
    account = ids.account_text(identity.account_id)
    qtbot.waitUntil(lambda: shows_account(launcher, account), timeout=WAIT)
    assert own_name(qtbot, launcher) == "Zoë"


def test_passphrases_that_differ_are_refused(qtbot: QtBot, tmp_path: Path,
                                             launch: Launches) -> None:
    home = tmp_path / "home"
    _, ob = start_onboarding(launch, home)
    ob.name.setText("Zoë")
    ob.passphrase.setText("one")
    ob.passphrase2.setText("two")
    qtbot.mouseClick(ob.create_button, Qt.MouseButton.LeftButton)
    assert ob.create_error.text() == "The two passphrases are not the same"
    assert (ob.name.text(), ob.passphrase.text(), ob.passphrase2.text()) == ("Zoë", "one", "two")
    assert ob.currentIndex() == CREATE and not Home(home).exists()
    assert ob.create_error.font().bold() and ob.create_error.isVisible()


def test_no_style_sheet_freezes_the_first_run_pages(qtbot: QtBot, tmp_path: Path,
                                                    launch: Launches) -> None:
    """Titles by font and errors in bold: the pages follow a dark palette."""
    _, ob = start_onboarding(launch, tmp_path / "home")
    assert [w.objectName() for w in ob.findChildren(QWidget) if w.styleSheet()] == []
    title = ob.create_page.findChild(QLabel)
    assert title is not None and title.font().bold()
    assert title.font().pointSizeF() > ob.name.font().pointSizeF()


def test_a_home_in_use_shows_one_line(qtbot: QtBot, tmp_path: Path,
                                      launch: Launches) -> None:
    home = tmp_path / "home"
    holder = Home(home)
    holder.lock()
    try:
        _, ob = start_onboarding(launch, home)
        ob.name.setText("Zoë")
        qtbot.mouseClick(ob.create_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "in use" in ob.create_error.text(), timeout=WAIT)
        assert "\n" not in ob.create_error.text()
        assert ob.create_page.isEnabled() and ob.name.text() == "Zoë"
    finally:
        holder.unlock()


def test_restore_from_the_recovery_phrase(qtbot: QtBot, tmp_path: Path,
                                          launch: Launches) -> None:
    with Node.init(Home(tmp_path / "old"), "Zoë") as old:
        assert old.identity is not None
        words = phrase.to_phrase(old.identity.require_root().root_seed)
        account = ids.account_text(old.account_id)
    home = tmp_path / "home"
    launcher, ob = start_onboarding(launch, home)
    qtbot.mouseClick(ob.have_account, Qt.MouseButton.LeftButton)
    assert ob.currentIndex() == RESTORE

    # a typo: one line, nothing written, everything typed kept
    wrong = words.split()
    wrong[2] = "zzzzz"
    typed = " ".join(wrong)
    ob.restore_phrase.setPlainText(typed)
    ob.restore_name.setText("Zoë")
    qtbot.mouseClick(ob.restore_button, Qt.MouseButton.LeftButton)
    assert ob.restore_error.text().startswith("Word 3, 'zzzzz', is not a recovery phrase word")
    # shown under the phrase box, not under "From a backup file" further down
    assert ob.from_phrase.isAncestorOf(ob.restore_error) and ob.restore_error.isVisible()
    assert "\n" not in ob.restore_error.text()
    assert ob.restore_phrase.toPlainText() == typed and ob.restore_name.text() == "Zoë"
    assert not Home(home).exists()

    ob.restore_phrase.setPlainText(words.upper())
    with qtbot.waitSignal(ob.completed, timeout=WAIT):
        qtbot.mouseClick(ob.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shows_account(launcher, account), timeout=WAIT)
    with Node.open(Home(home), readonly=True) as node:
        assert ids.account_text(node.account_id) == account


def test_restore_from_a_backup_file(qtbot: QtBot, tmp_path: Path,
                                    launch: Launches) -> None:
    backup = tmp_path / "zoe.backup"
    with Node.init(Home(tmp_path / "old"), "Zoë", "secret", **FAST_KDF) as old:
        account = ids.account_text(old.account_id)
        export_backup(old, backup)
    home = tmp_path / "home"
    launcher, ob = start_onboarding(launch, home)
    qtbot.mouseClick(ob.have_account, Qt.MouseButton.LeftButton)
    ob.backup_path.setText(str(backup))

    qtbot.mouseClick(ob.import_button, Qt.MouseButton.LeftButton)  # no passphrase yet
    qtbot.waitUntil(lambda: "protected by a passphrase" in ob.backup_error.text(),
                    timeout=WAIT)
    assert ob.from_backup.isAncestorOf(ob.backup_error) and not ob.restore_error.text()
    ob.backup_passphrase.setText("not it")
    qtbot.mouseClick(ob.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ob.backup_error.text() == "Wrong passphrase", timeout=WAIT)
    assert ob.backup_path.text() == str(backup) and not Home(home).exists()

    ob.backup_passphrase.setText("secret")
    with qtbot.waitSignal(ob.completed, timeout=WAIT):
        qtbot.mouseClick(ob.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shows_account(launcher, account), timeout=WAIT)
    assert own_name(qtbot, launcher) == "Zoë"


def test_a_damaged_backup_shows_one_line(qtbot: QtBot, tmp_path: Path,
                                         launch: Launches) -> None:
    backup = tmp_path / "zoe.backup"
    with Node.init(Home(tmp_path / "old"), "Zoë") as old:
        export_backup(old, backup)
    backup.write_bytes(backup.read_bytes()[:-10])
    _, ob = start_onboarding(launch, tmp_path / "home")
    qtbot.mouseClick(ob.have_account, Qt.MouseButton.LeftButton)
    ob.backup_path.setText(str(backup))
    qtbot.mouseClick(ob.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "zoe.backup" in ob.backup_error.text()
                    and ob.restore_page.isEnabled(), timeout=WAIT)
    assert "\n" not in ob.backup_error.text() and not Home(tmp_path / "home").exists()


def test_linking_with_a_bad_code_is_one_line_and_writes_nothing(
        qtbot: QtBot, tmp_path: Path, launch: Launches) -> None:
    home = tmp_path / "home"
    _, ob = start_onboarding(launch, home)
    qtbot.mouseClick(ob.other_device, Qt.MouseButton.LeftButton)
    assert ob.currentIndex() == LINK
    assert ob.device_name.text() == QSysInfo.machineHostName()  # a name to start with

    qtbot.mouseClick(ob.link_button, Qt.MouseButton.LeftButton)
    assert ob.link_error.text() == "Paste the code your other device shows first"
    ob.link_code.setText("  p2pslnk1notacode  ")
    qtbot.mouseClick(ob.link_button, Qt.MouseButton.LeftButton)
    assert ob.link_code.text() == "p2pslnk1notacode"  # trimmed
    assert ob.link_error.font().bold() and "\n" not in ob.link_error.text()
    assert "link code" in ob.link_error.text()
    expired = link_code.encode(link_code.make(b"\1" * 32, b"\2" * 32,
                                              ["/ip4/127.0.0.1/tcp/4001"], b"\3" * 16, 1000))
    ob.link_code.setText(expired)
    ob.device_name.setText("Laptop")
    qtbot.keyClick(ob.link_code, Qt.Key.Key_Return)
    assert ob.link_error.text().startswith("This link code expired at ")
    assert ob.link_page.isEnabled() and ob.device_name.text() == "Laptop"
    assert not ob.link_busy.isVisible() and not Home(home).exists()
    qtbot.mouseClick(ob.link_back, Qt.MouseButton.LeftButton)
    assert ob.currentIndex() == CREATE and not ob.link_error.text()


def test_a_home_with_an_account_skips_onboarding(qtbot: QtBot, tmp_path: Path,
                                                 launch: Launches) -> None:
    home = tmp_path / "home"
    Node.init(Home(home), "Zoë").close()
    launcher = launch(home)
    qtbot.waitUntil(lambda: opened(launcher), timeout=WAIT)
    assert launcher.window.findChild(Onboarding) is None


def test_onboarding_and_settings_go_through_the_back_end() -> None:
    """Creating, restoring and backing up are requests to the back end (accounts.py):
    neither page opens the node or the backup format itself."""
    import ast

    ui = Path(__file__).resolve().parent.parent / "p2psocial" / "ui"
    for name in ("onboarding.py", "settings_page.py"):
        found = set()
        for node in ast.walk(ast.parse((ui / name).read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                found.add((node.module or "").split(".")[0])
                found.update(alias.name for alias in node.names if node.module is None)
        assert not found & {"node", "backup", "home"}, (name, sorted(found))
