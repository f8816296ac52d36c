"""Settings: your profile, your keys, your devices (devices_section.py), the network,
how the app looks, the desktop, backups, a readable copy (takeout_section.py).

Theory of operation
-------------------

One scrolling column of sections. Each action sends one intent and shows its outcome
on the line under its section (``widgets.MessageLine``); a failure is one line there
and the fields keep what was typed. What decides lives below: the node publishes the
profile and seals the keys (``Node.posts.set_profile``, ``change_passphrase``,
``recovery_phrase``), the back end stores settings and restarts the network when a
value that shapes it changed (``ctx.update_settings``; ``Backend.generation`` says
when the new network is up), and the back end writes and merges backups
(``accounts.export_home``, ``import_backup``).

- Appearance and Desktop choices apply at once (a theme or a checkbox is cheap to
  undo); Network values wait for *Apply*, because applying restarts the network and
  drops every session for a moment.
- Files are read and written in worker threads (``in_thread``): an avatar is read
  and decoded for its preview there; an export opens its own read-only view of the
  home (as ``p2psocial export`` does), so the app's one writer is never held up.
- The recovery phrase is shown only after the passphrase (if the home has one), and
  forgotten by the widgets when hidden or when the page is left.
- Import brings a backup of this same account into the home (``accounts.import_backup``,
  through the node's ingest); a backup of another account is refused in one line (it
  can only be restored into an empty home, from the first screen).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from ..accounts import export_home, import_backup
from ..errors import WrongPassphrase
from ..settings import HOPS_MAX, PORT_MAX
from .avatar import Avatar
from .blocklists_section import BlocklistsSection
from .context import tr
from .devices_section import DevicesSection
from .i18n import install_translator, languages
from .image_decode import decode_image
from .loop import in_thread
from .mutes_section import MutesSection
from .storage_section import StorageSection
from .takeout_section import TakeoutSection
from .theme import apply_theme
from .widgets import MessageLine, PhraseLabel, note, plural

if TYPE_CHECKING:
    from ..accounts import Summary
    from ..runtime import Backend, NetworkStatus
    from ..settings import Settings
    from ..store.views import ProfileView
    from .context import AppContext
    from .loop import Call

AVATAR_SIDE = 64
THEME_CHOICES = ("system", "light", "dark")


# --- the work: blocking functions for a worker thread, and async helpers ---------------


def read_avatar(path: str) -> tuple[bytes, QImage]:
    """The file's bytes and a small preview of it, square and the right way up, as the
    profile will carry it (decoding a photo takes a while: a worker thread)."""
    data = Path(path).expanduser().read_bytes()
    image = decode_image(data, AVATAR_SIDE * 2, AVATAR_SIDE * 2, cover=True)
    if image is None:
        raise ValueError(tr("{0} is not an image this app can read").format(Path(path).name))
    return data, image


async def network_restarted(backend: Backend, before: int) -> NetworkStatus:
    """The status once a network newer than generation ``before`` is online, or the
    network failed to start (or stopped)."""
    while True:
        await backend.changed()
        status = backend.status()
        if status.state in ("offline", "stopped") or (backend.generation != before
                                                      and status.state == "online"):
            return status


def _application() -> QApplication | None:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else None


def _section(title: str, name: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    box.setObjectName(name)
    return box, QVBoxLayout(box)



def _secret(name: str, accessible: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(accessible)
    return edit


def _button(name: str, text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


class SettingsPage(QScrollArea):
    """Every setting of the app, each applied through the node or the back end."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.has_passphrase = False
        self._avatar_data: bytes | None = None
        self._calls: list[Call] = []
        self._restart: Call | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        self.devices = DevicesSection(ctx)  # devices_section.py
        self.takeout = TakeoutSection(ctx)  # takeout_section.py: "Readable copy"
        self.mutes = MutesSection(ctx)  # mutes_section.py
        self.blocklists = BlocklistsSection(ctx)  # blocklists_section.py
        for build in (self._build_profile, self._build_security, lambda: self.devices,
                      lambda: self.mutes, lambda: self.blocklists,
                      self._build_network, self._build_appearance, self._build_desktop,
                      self._build_backup, lambda: self.takeout):
            layout.addWidget(build())
        self.storage = StorageSection(ctx)  # storage_section.py
        layout.addWidget(self.storage)
        layout.addStretch()
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.show_settings()
        self._call(self.ctx.node.feeds.profile, self.ctx.me, on_result=self._fill_profile)
        self._call(self.ctx.node.keys.has_passphrase, on_result=self._set_has_passphrase)

    # --- life cycle -------------------------------------------------------------------

    def activated(self) -> None:
        self.show_settings()
        self.devices.refresh()
        self.mutes.refresh()
        self.storage.refresh()

    def deactivated(self) -> None:
        self.hide_phrase()

    def stop(self) -> None:
        self.hide_phrase()
        self.devices.stop()
        self.takeout.stop()
        self.mutes.stop()
        self.blocklists.stop()
        self.storage.stop()
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def _call(self, fn: Any, *args: Any, on_result: Any,
              on_error: Any = None) -> Call:
        self._calls = [c for c in self._calls if not c.finished]
        call = self.ctx.call(fn, *args, on_result=on_result, on_error=on_error)
        self._calls.append(call)
        return call

    # --- profile ----------------------------------------------------------------------

    def _build_profile(self) -> QGroupBox:
        box, layout = _section(tr("Profile"), "profile_section")
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("profile_name")
        self.name.setAccessibleName(tr("Your name"))
        self.bio = QPlainTextEdit()
        self.bio.setObjectName("profile_bio")
        self.bio.setAccessibleName(tr("About you"))
        self.bio.setTabChangesFocus(True)
        self.bio.setFixedHeight(72)
        avatar_row = QHBoxLayout()
        self.avatar = Avatar(self.ctx, AVATAR_SIDE)
        self.avatar_preview = QLabel()
        self.avatar_preview.setObjectName("avatar_preview")
        self.avatar_preview.setFixedSize(AVATAR_SIDE, AVATAR_SIDE)
        self.avatar_preview.setScaledContents(True)
        self.avatar_preview.hide()
        self.choose_avatar = _button("choose_avatar", tr("Choose a picture…"))
        self.choose_avatar.clicked.connect(self._choose_avatar)
        avatar_row.addWidget(self.avatar)
        avatar_row.addWidget(self.avatar_preview)
        avatar_row.addWidget(self.choose_avatar)
        avatar_row.addStretch()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("About you"), self.bio)
        form.addRow(tr("Picture"), avatar_row)
        layout.addLayout(form)
        self.save_profile_button = _button("save_profile", tr("Save profile"))
        self.save_profile_button.clicked.connect(self.save_profile)
        layout.addWidget(self.save_profile_button, 0, Qt.AlignmentFlag.AlignRight)
        self.profile_outcome = MessageLine("profile_outcome")
        layout.addWidget(self.profile_outcome)
        return box

    def _fill_profile(self, profile: ProfileView) -> None:
        if not self.name.isModified() and not self.name.text():
            self.name.setText(profile.name or "")
        if not self.bio.toPlainText():
            self.bio.setPlainText(profile.bio)
        self.avatar.set_person(profile.account, profile.name, profile.avatar)

    def _choose_avatar(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Choose a picture"), str(Path.home()),
            tr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)"))
        if path:
            self.load_avatar(path)

    def load_avatar(self, path: str) -> None:
        """Read the chosen picture (in a worker thread) and preview it; Save publishes it."""
        self.profile_outcome.show_text(tr("Reading the picture…"))
        self._call(in_thread, read_avatar, path, on_result=self._avatar_read,
                   on_error=self.profile_outcome.show_error)

    def _avatar_read(self, value: tuple[bytes, QImage]) -> None:
        self._avatar_data, preview = value
        self.avatar_preview.setPixmap(QPixmap.fromImage(preview))
        self.avatar.hide()
        self.avatar_preview.show()
        self.profile_outcome.show_text(tr("Save the profile to use this picture"))

    def save_profile(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.profile_outcome.show_error(tr("Choose the name others will see"))
            self.name.setFocus()
            return
        publish = functools.partial(self.ctx.node.posts.set_profile, name=name,
                                    bio=self.bio.toPlainText(), avatar_data=self._avatar_data)
        self.save_profile_button.setEnabled(False)
        self.profile_outcome.show_text(tr("Saving…"))
        self._call(publish, on_result=self._profile_saved, on_error=self._profile_failed)

    def _profile_saved(self, _: Any) -> None:
        self.save_profile_button.setEnabled(True)
        self._avatar_data = None
        self.name.setModified(False)
        self.profile_outcome.show_text(tr("Profile saved; your followers get it at their "
                                          "next sync"))
        self._call(self.ctx.node.feeds.profile, self.ctx.me, on_result=self._show_saved_avatar)

    def _show_saved_avatar(self, profile: ProfileView) -> None:
        self.avatar.set_person(profile.account, profile.name, profile.avatar)
        self.avatar_preview.hide()
        self.avatar.show()

    def _profile_failed(self, exc: Exception) -> None:
        self.save_profile_button.setEnabled(True)
        self.profile_outcome.show_error(exc)

    # --- security ---------------------------------------------------------------------

    def _build_security(self) -> QGroupBox:
        box, layout = _section(tr("Security"), "security_section")
        form = QFormLayout()
        self.current = _secret("current_passphrase", tr("Current passphrase"))
        self.new = _secret("new_passphrase", tr("New passphrase"))
        self.new2 = _secret("new_passphrase2", tr("New passphrase again"))
        form.addRow(tr("Current passphrase"), self.current)
        form.addRow(tr("New passphrase"), self.new)
        form.addRow(tr("Repeat the new one"), self.new2)
        layout.addLayout(form)
        layout.addWidget(note(tr("Leave both new fields empty to remove the passphrase: "
                                  "anyone with this computer could then act as you.")))
        self.change_button = _button("change_passphrase", tr("Change passphrase"))
        self.change_button.clicked.connect(self.change_passphrase)
        layout.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignRight)
        self.passphrase_outcome = MessageLine("passphrase_outcome")
        layout.addWidget(self.passphrase_outcome)

        self.holds_key = self.ctx.backend.holds_account_key()
        layout.addWidget(note(tr("Your recovery phrase brings your account back on a new "
                                  "computer. Show it only where nobody can see your "
                                  "screen.") if self.holds_key else
                               tr("This device does not keep your account key, so it cannot "
                                  "show your recovery phrase: it was shown when you made "
                                  "the account. You need it to revoke a lost device.")))
        row = QHBoxLayout()
        self.phrase_passphrase = _secret("phrase_passphrase",
                                         tr("Passphrase to show the recovery phrase"))
        self.phrase_passphrase.setPlaceholderText(tr("Your passphrase"))
        self.show_phrase_button = _button("show_phrase", tr("Show recovery phrase"))
        self.show_phrase_button.clicked.connect(self.show_phrase)
        self.phrase_passphrase.returnPressed.connect(self.show_phrase)
        self.hide_phrase_button = _button("hide_phrase", tr("Hide"))
        self.hide_phrase_button.clicked.connect(self.hide_phrase)
        self.hide_phrase_button.hide()
        row.addWidget(self.phrase_passphrase, 1)
        row.addWidget(self.show_phrase_button)
        row.addWidget(self.hide_phrase_button)
        layout.addLayout(row)
        self.show_phrase_button.setVisible(self.holds_key)
        self.phrase = PhraseLabel("recovery_phrase")
        self.phrase.hide()
        layout.addWidget(self.phrase)
        self.phrase_outcome = MessageLine("phrase_outcome")
        layout.addWidget(self.phrase_outcome)
        return box

    def _set_has_passphrase(self, sealed: bool) -> None:
        self.has_passphrase = sealed
        self.current.setEnabled(sealed)
        self.current.setPlaceholderText("" if sealed else tr("None set"))
        self.phrase_passphrase.setVisible(sealed and self.holds_key)

    def change_passphrase(self) -> None:
        if self.new.text() != self.new2.text():
            self.passphrase_outcome.show_error(tr("The two new passphrases are not the same"))
            self.new2.setFocus()
            return
        if not self.new.text() and not self.has_passphrase:
            self.passphrase_outcome.show_error(tr("Type the new passphrase twice"))
            self.new.setFocus()
            return
        old = self.current.text() if self.has_passphrase else None
        self.change_button.setEnabled(False)
        self.passphrase_outcome.show_text(tr("Sealing your keys…"))
        self._call(self.ctx.node.keys.change_passphrase, old, self.new.text() or None,
                   on_result=self._passphrase_changed, on_error=self._passphrase_failed)

    def _passphrase_changed(self, _: Any) -> None:
        self.change_button.setEnabled(True)
        removed = not self.new.text()
        for edit in (self.current, self.new, self.new2):
            edit.clear()  # used: nothing left to keep
        self._set_has_passphrase(not removed)
        self.passphrase_outcome.show_text(tr("Passphrase removed") if removed
                                          else tr("Passphrase changed"))

    def _passphrase_failed(self, exc: Exception) -> None:
        self.change_button.setEnabled(True)
        if isinstance(exc, WrongPassphrase):
            self.passphrase_outcome.show_error(tr("That is not your current passphrase"))
            self.current.setFocus()
            self.current.selectAll()
        else:
            self.passphrase_outcome.show_error(exc)

    def show_phrase(self) -> None:
        secret = self.phrase_passphrase.text() if self.has_passphrase else None
        self.phrase_outcome.show_text(tr("Opening your keys…"))
        self._call(self.ctx.node.keys.recovery_phrase, secret, on_result=self._phrase_shown,
                   on_error=self._phrase_failed)

    def _phrase_shown(self, words: str) -> None:
        self.phrase_passphrase.clear()
        self.phrase.set_words(words)
        self.phrase.show()
        self.hide_phrase_button.show()
        self.phrase_outcome.clear()

    def _phrase_failed(self, exc: Exception) -> None:
        self.phrase_outcome.show_error(tr("That is not your passphrase")
                                       if isinstance(exc, WrongPassphrase) else exc)

    def hide_phrase(self) -> None:
        self.phrase.clear()
        self.phrase.hide()
        self.hide_phrase_button.hide()

    # --- network ----------------------------------------------------------------------

    def _build_network(self) -> QGroupBox:
        box, layout = _section(tr("Network"), "network_section")
        form = QFormLayout()
        self.hops = QSpinBox()
        self.hops.setObjectName("hops")
        self.hops.setRange(1, HOPS_MAX)
        self.hops.setAccessibleName(tr("Replication hops"))
        self.port = QSpinBox()
        self.port.setObjectName("port")
        self.port.setRange(0, PORT_MAX)
        self.port.setSpecialValueText(tr("Automatic"))
        self.port.setAccessibleName(tr("Listen port, 0 for automatic"))
        self.lan = QCheckBox(tr("Find people on this local network, and be found"))
        self.lan.setObjectName("lan")
        self.relay = QCheckBox(tr("Relay for friends who cannot be reached directly"))
        self.relay.setObjectName("relay")
        self.port_mapping = QCheckBox(tr("Ask the router to open the port for friends outside "
                                         "(UPnP, NAT-PMP)"))
        self.port_mapping.setObjectName("port_mapping")
        form.addRow(tr("Carry posts of people up to this many follows away"), self.hops)
        form.addRow(tr("Listen port (0 = automatic)"), self.port)
        layout.addLayout(form)
        layout.addWidget(self.lan)
        layout.addWidget(self.relay)
        layout.addWidget(self.port_mapping)
        layout.addWidget(note(tr("Applying restarts the network: connections drop for a "
                                  "moment.")))
        self.apply_network_button = _button("apply_network", tr("Apply"))
        self.apply_network_button.setAccessibleName(tr("Apply the network settings"))
        self.apply_network_button.clicked.connect(self.apply_network)
        layout.addWidget(self.apply_network_button, 0, Qt.AlignmentFlag.AlignRight)
        self.network_outcome = MessageLine("network_outcome")
        layout.addWidget(self.network_outcome)
        return box

    def apply_network(self) -> None:
        settings = self.ctx.settings
        new = replace(settings, hops=self.hops.value(), port=self.port.value(),
                      lan=self.lan.isChecked(), relay=self.relay.isChecked(),
                      port_mapping=self.port_mapping.isChecked())
        if new.network == settings.network:
            self.network_outcome.show_text(tr("Nothing changed"))
            return
        before = self.ctx.backend.generation
        if self._restart is not None:
            self._restart.cancel()
        self.ctx.update_settings(new)
        self.network_outcome.show_text(tr("Restarting the network…"))
        self._restart = self._call(network_restarted, self.ctx.backend, before,
                                   on_result=self._network_restarted)

    def _network_restarted(self, status: NetworkStatus) -> None:
        self._restart = None
        if status.state == "online":
            self.network_outcome.show_text(tr("Applied: the network is online again"))
        else:
            self.network_outcome.show_error(status.error or tr("The network is offline"))
        self.port.setValue(self.ctx.settings.port)  # the port picked, if automatic

    # --- appearance and desktop --------------------------------------------------------

    def _build_appearance(self) -> QGroupBox:
        box, layout = _section(tr("Appearance"), "appearance_section")
        form = QFormLayout()
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        self.theme.setAccessibleName(tr("Theme"))
        labels = {"system": tr("Follow the system"), "light": tr("Light"), "dark": tr("Dark")}
        for value in THEME_CHOICES:
            self.theme.addItem(labels[value], value)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setAccessibleName(tr("Language"))
        self.language.addItem(tr("System default"), "system")
        for code, native in languages():
            self.language.addItem(native, code)
        form.addRow(tr("Theme"), self.theme)
        form.addRow(tr("Language"), self.language)
        layout.addLayout(form)
        layout.addWidget(note(tr("Some text changes language only after a restart.")))
        self.theme.activated.connect(lambda _: self.choose_theme(self.theme.currentData()))
        self.language.activated.connect(
            lambda _: self.choose_language(self.language.currentData()))
        return box

    def choose_theme(self, theme: str) -> None:
        self.ctx.update_settings(replace(self.ctx.settings, theme=theme))
        app = _application()
        if app is not None:
            apply_theme(app, theme)

    def choose_language(self, code: str) -> None:
        self.ctx.update_settings(replace(self.ctx.settings, language=code))
        app = _application()
        if app is not None:
            install_translator(app, code)

    def _build_desktop(self) -> QGroupBox:
        box, layout = _section(tr("Desktop"), "desktop_section")
        self.keep_in_tray = QCheckBox(tr("Keep running in the system tray when the window "
                                         "closes"))
        self.keep_in_tray.setObjectName("keep_in_tray")
        if not QSystemTrayIcon.isSystemTrayAvailable():
            self.keep_in_tray.setEnabled(False)
            self.keep_in_tray.setToolTip(tr("Your desktop has no system tray"))
        self.notify = QCheckBox(tr("Show desktop notifications for mentions, replies and "
                                   "reactions"))
        self.notify.setObjectName("notify")
        layout.addWidget(self.keep_in_tray)
        layout.addWidget(self.notify)
        self.keep_in_tray.toggled.connect(
            lambda on: self._keep(replace(self.ctx.settings, keep_in_tray=on)))
        self.notify.toggled.connect(lambda on: self._keep(replace(self.ctx.settings, notify=on)))
        return box

    def _keep(self, new: Settings) -> None:
        if new != self.ctx.settings:
            self.ctx.update_settings(new)

    def show_settings(self) -> None:
        """Show the stored settings in the widgets (without applying anything)."""
        s = self.ctx.settings
        self.hops.setValue(max(1, s.hops))
        self.port.setValue(s.port)
        self.lan.setChecked(s.lan)
        self.relay.setChecked(s.relay)
        self.port_mapping.setChecked(s.port_mapping)
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        for box, value in ((self.keep_in_tray, s.keep_in_tray), (self.notify, s.notify)):
            box.blockSignals(True)
            box.setChecked(value)
            box.blockSignals(False)

    # --- backup -----------------------------------------------------------------------

    def _build_backup(self) -> QGroupBox:
        box, layout = _section(tr("Backup"), "backup_section")
        layout.addWidget(note(tr("A backup holds your keys (sealed with your passphrase, "
                                  "if you set one), your posts and everything you "
                                  "carry. Restore it from the first screen of a new "
                                  "installation, or import it here to bring back what "
                                  "another computer of yours had.")))
        self.export_button = _button("export_backup", tr("Export backup…"))
        self.export_button.clicked.connect(self._choose_export)
        self.import_button = _button("import_backup", tr("Import backup…"))
        self.import_button.clicked.connect(self._choose_import)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.backup_outcome = MessageLine("backup_outcome")
        layout.addWidget(self.backup_outcome)
        return box

    def _choose_export(self) -> None:
        name = f"p2psocial-backup-{datetime.date.today().isoformat()}.p2psbackup"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export backup"),
                                              str(Path.home() / name))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self.export_button.setEnabled(False)
        self.backup_outcome.show_text(tr("Writing the backup…"))
        self._call(in_thread, export_home, self.ctx.backend.home_dir, path,
                   on_result=functools.partial(self._exported, path),
                   on_error=self._export_failed)

    def _exported(self, path: Path, summary: Summary) -> None:
        self.export_button.setEnabled(True)
        locale = QLocale()
        self.backup_outcome.show_text(
            tr("Saved {0} and {1} ({2}) to {3}").format(
                plural(tr("%n entry(ies)", None, summary.entries), summary.entries),
                plural(tr("%n image(s)", None, summary.blobs), summary.blobs),
                locale.formattedDataSize(summary.size), path))

    def _export_failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        self.backup_outcome.show_error(exc)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import backup"), str(Path.home()))
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        self.import_button.setEnabled(False)
        self.backup_outcome.show_text(tr("Reading the backup…"))
        self._call(import_backup, self.ctx.node, path, on_result=self._imported,
                   on_error=self._import_failed)

    def _imported(self, summary: Summary) -> None:
        self.import_button.setEnabled(True)
        self.backup_outcome.show_text(tr("Imported: {0} new").format(
            plural(tr("%n entry(ies)", None, summary.entries), summary.entries)))

    def _import_failed(self, exc: Exception) -> None:
        self.import_button.setEnabled(True)
        self.backup_outcome.show_error(exc)
