"""Settings → Devices (ui/devices_section.py, ui/link_dialog.py) on real homes: the list
of a home with a linked second device; the link dialog's code, QR and validity; revoking
from a device without the account key asks for the recovery phrase, says a wrong one in
one line and works with the right one; a device that keeps the key revokes at once.

The second device is made in-process, as tests/test_node_devices.py does: the first
device grants it (``Node.devices.grant``), ``Node.linked`` writes its home, and logs
travel through the nodes' verified ingest (``uikit.carry``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from p2psocial import link_code, phrase
from p2psocial.home import Home
from p2psocial.identity import DeviceKeys
from p2psocial.node import Node
from p2psocial.runtime import Backend
from p2psocial.settings import save_settings
from p2psocial.ui.context import AppContext
from p2psocial.ui.devices_section import DevicesSection
from p2psocial.ui.link_dialog import LinkDialog
from p2psocial.ui.settings_page import SettingsPage
from tests.uikit import QUIET, WAIT, call, carry, german


def link_laptop(qtbot: QtBot, ctx: Any, desk: Node, path: Path, name: str = "Laptop") -> Node:
    """A second device of ``desk``'s account in ``path``, whose log ``desk`` holds."""
    seed = os.urandom(32)
    granted = call(qtbot, ctx, desk.devices.grant, DeviceKeys(seed).device_id, name)
    laptop = Node.linked(Home(path), seed, granted)
    carry(qtbot, ctx, laptop, desk)
    carry(qtbot, ctx, desk, laptop)
    return laptop


def section_of(qtbot: QtBot, ctx: AppContext, count: int) -> DevicesSection:
    section = DevicesSection(ctx)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitUntil(lambda: len(section.rows) == count, timeout=WAIT)
    return section


def shown_rows(section: DevicesSection) -> list[tuple[str, str]]:
    """(name, details) of every row, in order."""
    names = [w.text() for w in section.findChildren(QLabel, "device_name") if w.isVisible()]
    details = [w.text() for w in section.findChildren(QLabel, "device_details")
               if w.isVisible()]
    return list(zip(names, details, strict=True))


def test_the_section_lists_this_device_and_a_linked_one(app_ctx: AppContext, qtbot: QtBot,
                                                        tmp_path: Path) -> None:
    laptop = link_laptop(qtbot, app_ctx, app_ctx.node, tmp_path / "laptop")
    laptop.close()
    section = section_of(qtbot, app_ctx, 2)
    rows = shown_rows(section)
    assert [name for name, _ in rows] == ["This device", "Laptop"]
    assert all(details.startswith("linked ") for _, details in rows)
    assert "last seen" in rows[1][1] and "last seen" not in rows[0][1]
    assert rows[0][1].endswith("keeps the account key")  # made the account
    assert "account key" not in rows[1][1]  # linked: never holds it
    # only the other device can be revoked, and nothing is revoked yet
    assert list(section.revoke_buttons) == [laptop.identity.device_id]  # type: ignore[union-attr]
    assert section.findChildren(QLabel, "revoked_badge") == []


def test_the_settings_page_holds_the_section(app_ctx: AppContext, qtbot: QtBot) -> None:
    page = SettingsPage(app_ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: len(page.devices.rows) == 1, timeout=WAIT)
    assert page.devices.isAncestorOf(page.devices.link_button)
    assert page.devices.rows[0].device == app_ctx.node.require_identity().device_id
    page.stop()


class FakeService:
    """What ``Backend.link_code`` asks of the network: a link offer."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.offers = 0
        self.closed = 0  # the dialog closed its offer this many times

    def close_link_offer(self) -> None:
        self.closed += 1

    def link_offer(self) -> link_code.LinkCode:
        self.offers += 1
        identity = self.ctx.node.require_identity()
        return link_code.make(identity.device_id, identity.account_id,
                              ["/ip4/127.0.0.1/tcp/4001"], os.urandom(link_code.SECRET_LEN),
                              int(time.time() * 1000) + 10 * 60_000)


@pytest.fixture
def online(app_ctx: AppContext) -> Iterator[FakeService]:
    service = FakeService(app_ctx)
    app_ctx.backend.service = service  # type: ignore[assignment]
    try:
        yield service
    finally:
        app_ctx.backend.service = None


def test_the_link_dialog_shows_a_code_its_qr_and_until_when(
        app_ctx: AppContext, qtbot: QtBot, online: FakeService) -> None:
    section = section_of(qtbot, app_ctx, 1)
    qtbot.mouseClick(section.link_button, Qt.MouseButton.LeftButton)
    dialog = section.link_dialog
    assert isinstance(dialog, LinkDialog) and dialog.isVisible()
    text = dialog.code.toPlainText()
    code = link_code.decode(text, int(time.time() * 1000))
    assert code.device == app_ctx.node.require_identity().device_id
    assert dialog.qr.text() == text and dialog.qr.isVisible()
    assert dialog.code.isReadOnly() and dialog.explain.isVisible()
    assert dialog.validity.text().startswith("Valid until ")
    assert dialog.validity.text().endswith(", once")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text

    # a new device shows up while the dialog is open: said, and the list grows
    laptop = link_laptop(qtbot, app_ctx, app_ctx.node, app_ctx.backend.home_dir.parent / "lap")
    laptop.close()
    dialog._look()  # what the poll timer does
    qtbot.waitUntil(lambda: len(section.rows) == 2, timeout=WAIT)
    assert dialog.outcome.text().startswith("Linked Laptop")
    assert not dialog.qr.isVisible()  # used: it links no other
    dialog.reject()
    assert online.offers == 1 and online.closed == 1  # closing it ends the code


def test_the_link_dialog_without_the_network_is_one_line(app_ctx: AppContext,
                                                         qtbot: QtBot) -> None:
    section = section_of(qtbot, app_ctx, 1)
    section.open_link_dialog()
    dialog = section.link_dialog
    assert dialog is not None
    assert dialog.outcome.text().startswith("The network is not running")
    assert dialog.outcome.font().bold() and "\n" not in dialog.outcome.text()
    assert not dialog.qr.isVisible() and not dialog.code.isVisible()
    dialog.reject()


def test_an_expired_code_offers_a_new_one(app_ctx: AppContext, qtbot: QtBot,
                                          online: FakeService) -> None:
    dialog = LinkDialog(app_ctx, set())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._expired()  # what the expiry timer does
    assert dialog.outcome.text() == "This code has expired: make a new one"
    assert not dialog.qr.isVisible() and dialog.new_button.isVisible()
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert dialog.qr.isVisible() and online.offers == 2
    dialog.reject()


# --- revoking ----------------------------------------------------------------------------


@pytest.fixture
def on_laptop(trio_host: Any, tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[AppContext,
                                                                                Node, str]]:
    """The app's context on Ann's laptop (a linked device: no account key), her desk
    (which keeps it), and her recovery phrase."""
    desk = Node.init(Home(tmp_path / "desk"), "Ann")
    link_laptop(qtbot, trio_host, desk, tmp_path / "laptop").close()
    save_settings(tmp_path / "laptop", QUIET)
    backend = Backend.open(tmp_path / "laptop", None)
    ctx = AppContext(trio_host, backend)
    words = phrase.to_phrase(desk.require_identity().require_root().root_seed)
    try:
        yield ctx, desk, words
    finally:
        assert trio_host.stop()
        backend.close()
        desk.close()


def test_revoking_without_the_account_key_asks_for_the_phrase(
        on_laptop: tuple[AppContext, Node, str], qtbot: QtBot) -> None:
    ctx, desk, words = on_laptop
    assert not ctx.backend.holds_account_key()
    section = section_of(qtbot, ctx, 2)
    assert [name for name, _ in shown_rows(section)] == ["Laptop", "Unnamed device"]
    desk_id = desk.require_identity().device_id
    qtbot.mouseClick(section.revoke_buttons[desk_id], Qt.MouseButton.LeftButton)
    dialog = section.revoke_dialog
    assert dialog is not None and dialog.isVisible() and dialog.phrase.isVisible()
    explained = " ".join(label.text() for label in dialog.findChildren(QLabel))
    for said in ("refused", "cannot read what is sent to you", "groups get new keys"):
        assert said in explained

    dialog.confirm.click()  # nothing typed
    assert dialog.error.text() == "Type your recovery phrase first"
    other = phrase.to_phrase(os.urandom(32))  # a real phrase, of another account
    dialog.phrase.setPlainText(other)
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.error.font().bold(), timeout=WAIT)
    assert dialog.error.text() == "That recovery phrase is of another account"
    assert dialog.isVisible() and dialog.phrase.toPlainText() == other
    typo = words.split()
    typo[0] = "zzzzz"
    dialog.phrase.setPlainText(" ".join(typo))
    dialog.confirm.click()
    qtbot.waitUntil(lambda: "zzzzz" in dialog.error.text(), timeout=WAIT)
    assert "\n" not in dialog.error.text()

    dialog.phrase.setPlainText(words)
    dialog.confirm.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert dialog.phrase.toPlainText() == ""  # forgotten
    qtbot.waitUntil(lambda: any(r.revoked for r in section.rows), timeout=WAIT)
    assert section.outcome.text().startswith("Revoked Unnamed device: ")
    assert len(section.findChildren(QLabel, "revoked_badge")) == 1
    assert section.revoke_buttons == {}


def test_a_device_with_the_account_key_revokes_at_once(app_ctx: AppContext, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    laptop = link_laptop(qtbot, app_ctx, app_ctx.node, tmp_path / "laptop")
    laptop_id = laptop.require_identity().device_id
    laptop.close()
    section = section_of(qtbot, app_ctx, 2)
    section.ask_revoke(section.rows[1])
    dialog = section.revoke_dialog
    assert dialog is not None and not dialog.needs_phrase and not dialog.phrase.isVisible()
    dialog.confirm.click()
    qtbot.waitUntil(lambda: any(r.revoked for r in section.rows), timeout=WAIT)
    assert [r.device for r in section.rows if r.revoked] == [laptop_id]
    assert section.outcome.text().startswith("Revoked Laptop: ")


def test_the_section_comes_out_german(app_ctx: AppContext, qtbot: QtBot) -> None:
    with german():
        section = section_of(qtbot, app_ctx, 1)
        assert section.title() == "Geräte"
        assert section.link_button.text() == "Neues Gerät verbinden…"
        assert shown_rows(section)[0][0] == "Dieses Gerät"
