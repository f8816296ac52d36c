"""First run: create a profile, or bring an existing account into this empty home.

Theory of operation
-------------------

The window shows ``Onboarding`` instead of the main view while the home holds no
account. It is a stack of four pages:

* **create** (the first page): a name, an optional picture (checked by its content
  and made square when picked, ``read_picture``), an optional passphrase typed twice,
  and one button. The back end makes the new account (``accounts.create_account``)
  in a worker thread (Argon2id with a passphrase takes about a second), started
  through ``TrioHost.call``; its node is closed again at once, so the main view can
  open the home as usual.
* **phrase**: the 24-word recovery phrase of the new account, shown this once, with a
  checkbox "I have written these words down" that must be ticked before *Continue*
  (the way wallet-style apps ask; friendlier than a quiz, and the phrase can be shown
  again later from the settings after the passphrase). The words are forgotten by the
  widget when the person continues.
* **restore**: "I already have an account" — from the recovery phrase (the words are
  checked by ``phrase.from_phrase`` before anything is written, so a typo is refused
  with its one-line reason) plus a name and an optional new passphrase; or from a
  backup file chosen with a file dialog (``accounts.restore_from_backup``; when the key
  file inside is sealed, the backup's passphrase is asked for).
* **link**: "I already use p2psocial on another device" — the link code that device
  shows (Settings → Devices), this device's name (the machine's host name to start
  with) and the same passphrase choice as creating. The code is read by
  ``link_code.decode`` first, so a typo or an expired code is one line before anything
  is written or any network is started; then ``accounts.join_device`` links over the
  network and catches up once (up to a minute), with a busy bar meanwhile.

Every slow or disk-touching step is a request to the back end (p2psocial/accounts.py),
blocking ones run by ``in_thread`` inside a call on the host; the widgets only collect
input and show outcomes. While a
call runs its page is disabled (so it cannot start twice); an error comes back as one
line on that page and every field keeps what was typed. ``completed`` fires once the
home holds an account and the person is done here; the window then shows the main
view. Every string the person sees goes through ``tr`` so it can be translated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSysInfo, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import images, link_code, phrase
from ..accounts import (
    Account,
    create_account,
    join_device,
    restore_from_backup,
    restore_from_seed,
)
from ..errors import BadImage, BadPhrase, PassphraseRequired, UserError
from .context import tr
from .image_decode import decode_image
from .loop import AsyncFn, TrioHost, in_thread, one_line
from .widgets import MessageLine, PhraseLabel, heading_font

CREATE, PHRASE, RESTORE, LINK = range(4)
PICTURE_SIDE = 64  # the preview of the chosen picture, in px
HEADING_POINTS = 18  # a first-run page's title: larger than a section's


# --- the work: a blocking function for a worker thread ---------------------------------


def read_picture(path: str) -> tuple[bytes, QImage]:
    """The picture at ``path`` as the profile will carry it (checked by its content,
    square, without its metadata) and a preview; ``BadImage`` names the file when it is
    not one. Blocking (decoding a photo takes a while): a worker thread."""
    with open(path, "rb") as handle:
        data = handle.read(images.MAX_INPUT + 1)
    try:
        picture = images.prepare(data, max_side=images.AVATAR_SIDE, square=True)
    except BadImage as exc:
        raise BadImage(f"{Path(path).name}: {exc}") from None
    preview = decode_image(picture.data, PICTURE_SIDE * 2, PICTURE_SIDE * 2)
    return picture.data, preview if preview is not None else QImage()


# --- the widget ---------------------------------------------------------------------


class Onboarding(QStackedWidget):
    """Create a profile or restore an account into the empty ``home``, through ``host``.

    ``kdf`` passes Argon2id limits to the key file (tests use the fastest).
    """

    completed = Signal()

    def __init__(self, home: Path | None, host: TrioHost, parent: QWidget | None = None,
                 **kdf: Any) -> None:
        super().__init__(parent)
        self.setObjectName("onboarding")
        self.home = home
        self.host = host
        self.kdf = kdf
        self.account: Account | None = None
        self.picture: bytes | None = None  # the chosen picture, ready for the profile
        self._build_create()
        self._build_phrase()
        self._build_restore()
        self._build_link()
        self.setCurrentIndex(CREATE)

    # --- pages ----------------------------------------------------------------------

    def _line(self, name: str, placeholder: str = "", secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        return button

    def _build_create(self) -> None:
        page, layout = _titled_page("create_page", tr("Welcome to p2psocial"))
        intro = QLabel(tr("Your posts live on this computer and travel directly to the "
                          "people you follow. Choose the name others will see."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = self._line("name", tr("Your name"))
        self.passphrase = self._line("passphrase", tr("Optional"), secret=True)
        self.passphrase2 = self._line("passphrase2", tr("Type it again"), secret=True)
        form.addRow(tr("Name"), self.name)
        picture_row = QHBoxLayout()
        self.picture_preview = QLabel()
        self.picture_preview.setObjectName("picture_preview")
        self.picture_preview.setFixedSize(PICTURE_SIDE, PICTURE_SIDE)
        self.picture_preview.setScaledContents(True)
        self.picture_preview.setAccessibleName(tr("Your picture"))
        self.picture_preview.hide()
        self.choose_picture = self._button("choose_picture", tr("Choose a picture…"))
        self.choose_picture.setToolTip(tr("Optional: a picture others see beside your name"))
        self.choose_picture.clicked.connect(self._choose_picture)
        picture_row.addWidget(self.picture_preview)
        picture_row.addWidget(self.choose_picture)
        picture_row.addStretch()
        form.addRow(tr("Picture"), picture_row)
        form.addRow(tr("Passphrase"), self.passphrase)
        form.addRow(tr("Repeat passphrase"), self.passphrase2)
        layout.addLayout(form)
        hint = QLabel(tr("A passphrase protects your keys on this computer; you will need "
                         "it each time the app starts."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.create_error = MessageLine("create_error")
        layout.addWidget(self.create_error)
        buttons = QHBoxLayout()
        self.have_account = self._button("have_account", tr("I already have an account"))
        self.other_device = self._button("other_device",
                                         tr("I already use p2psocial on another device"))
        self.create_button = self._button("create", tr("Create my profile"))
        self.create_button.setDefault(True)
        buttons.addWidget(self.have_account)
        buttons.addWidget(self.other_device)
        buttons.addStretch()
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        layout.addStretch()
        self.create_button.clicked.connect(self.create_profile)
        self.name.returnPressed.connect(self.create_profile)
        self.have_account.clicked.connect(lambda: self._go(RESTORE))
        self.other_device.clicked.connect(lambda: self._go(LINK))
        self.create_page = page
        self.addWidget(page)

    def _build_phrase(self) -> None:
        page, layout = _titled_page("phrase_page", tr("Your recovery phrase"))
        intro = QLabel(tr("Write these 24 words down on paper, in order, and keep them "
                          "somewhere safe. They bring your account back if this computer "
                          "is lost. Anyone who has them can act as you: never type them "
                          "into a website or send them to anyone."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.phrase_label = PhraseLabel("phrase")
        self.phrase_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phrase_label.setMargin(12)
        layout.addWidget(self.phrase_label)
        self.wrote_it = QCheckBox(tr("I have written these 24 words down"))
        self.wrote_it.setObjectName("wrote_it")
        layout.addWidget(self.wrote_it)
        buttons = QHBoxLayout()
        buttons.addStretch()
        self.continue_button = self._button("continue", tr("Continue"))
        self.continue_button.setEnabled(False)
        buttons.addWidget(self.continue_button)
        layout.addLayout(buttons)
        layout.addStretch()
        self.wrote_it.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self._phrase_confirmed)
        self.addWidget(page)

    def _build_restore(self) -> None:
        page, layout = _titled_page("restore_page", tr("Bring your account to this computer"))

        from_phrase = QGroupBox(tr("From your recovery phrase"))
        form = QFormLayout(from_phrase)
        self.restore_phrase = QPlainTextEdit()
        self.restore_phrase.setObjectName("restore_phrase")
        self.restore_phrase.setPlaceholderText(tr("The 24 words, in order"))
        self.restore_phrase.setTabChangesFocus(True)
        self.restore_phrase.setFixedHeight(80)
        self.restore_name = self._line("restore_name", tr("Your name"))
        self.restore_passphrase = self._line("restore_passphrase", tr("Optional"), secret=True)
        self.restore_passphrase2 = self._line("restore_passphrase2", tr("Type it again"),
                                              secret=True)
        self.restore_button = self._button("restore", tr("Restore"))
        form.addRow(tr("Recovery phrase"), self.restore_phrase)
        form.addRow(tr("Name"), self.restore_name)
        form.addRow(tr("New passphrase"), self.restore_passphrase)
        form.addRow(tr("Repeat passphrase"), self.restore_passphrase2)
        form.addRow("", self.restore_button)
        self.restore_error = MessageLine("restore_error")  # under the words it is about
        form.addRow(self.restore_error)
        self.from_phrase = from_phrase
        layout.addWidget(from_phrase)

        from_backup = QGroupBox(tr("From a backup file"))
        form = QFormLayout(from_backup)
        row = QHBoxLayout()
        self.backup_path = self._line("backup_path", tr("The file made by Export backup"))
        self.choose_backup = self._button("choose_backup", tr("Choose…"))
        row.addWidget(self.backup_path)
        row.addWidget(self.choose_backup)
        self.backup_passphrase = self._line("backup_passphrase",
                                            tr("Only if the backup has one"), secret=True)
        self.import_button = self._button("import_backup", tr("Restore from backup"))
        form.addRow(tr("Backup file"), row)
        form.addRow(tr("Backup passphrase"), self.backup_passphrase)
        form.addRow("", self.import_button)
        self.backup_error = MessageLine("backup_error")
        form.addRow(self.backup_error)
        self.from_backup = from_backup
        layout.addWidget(from_backup)

        buttons = QHBoxLayout()
        back = self._button("back", tr("Back"))
        buttons.addWidget(back)
        buttons.addStretch()
        layout.addLayout(buttons)
        back.clicked.connect(lambda: self._go(CREATE))
        self.restore_button.clicked.connect(self.restore)
        self.choose_backup.clicked.connect(self._choose_backup)
        self.import_button.clicked.connect(self.import_backup)
        self.restore_page = page
        self.addWidget(page)

    def _build_link(self) -> None:
        page, layout = _titled_page("link_page", tr("Link this computer to your account"))
        intro = QLabel(tr("On a device where you already use p2psocial, open Settings → "
                          "Devices → “Link a new device…” and paste its code here. That "
                          "device must stay online until this one has linked."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.link_code = self._line("link_code", tr("The code starting with p2pslnk1"))
        self.device_name = self._line("device_name", tr("How you will know this computer"))
        self.device_name.setText(QSysInfo.machineHostName())
        self.link_passphrase = self._line("link_passphrase", tr("Optional"), secret=True)
        self.link_passphrase2 = self._line("link_passphrase2", tr("Type it again"),
                                           secret=True)
        form.addRow(tr("Link code"), self.link_code)
        form.addRow(tr("Device name"), self.device_name)
        form.addRow(tr("Passphrase"), self.link_passphrase)
        form.addRow(tr("Repeat passphrase"), self.link_passphrase2)
        layout.addLayout(form)
        hint = QLabel(tr("A passphrase protects your keys on this computer; you will need "
                         "it each time the app starts."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.link_busy = QProgressBar()
        self.link_busy.setObjectName("link_busy")
        self.link_busy.setRange(0, 0)  # busy, with no known end
        self.link_busy.setTextVisible(False)
        self.link_busy.hide()
        layout.addWidget(self.link_busy)
        self.link_error = MessageLine("link_error")
        layout.addWidget(self.link_error)
        buttons = QHBoxLayout()
        self.link_back = self._button("link_back", tr("Back"))
        self.link_button = self._button("link", tr("Link this device"))
        self.link_button.setDefault(True)
        buttons.addWidget(self.link_back)
        buttons.addStretch()
        buttons.addWidget(self.link_button)
        layout.addLayout(buttons)
        layout.addStretch()
        self.link_back.clicked.connect(lambda: self._go(CREATE))
        self.link_button.clicked.connect(self.link_device)
        self.link_code.returnPressed.connect(self.link_device)
        self.link_page = page
        self.addWidget(page)

    def _go(self, index: int) -> None:
        for line in (self.create_error, self.restore_error, self.backup_error,
                     self.link_error):
            line.clear()
        self.setCurrentIndex(index)

    # --- actions ----------------------------------------------------------------------

    def create_profile(self) -> None:
        if not self.create_page.isEnabled():
            return
        secret = self._passphrase(self.passphrase, self.passphrase2, self.create_error)
        if secret is False:
            return
        if not self.name.text().strip():
            self._fail(self.create_page, self.create_error, tr("Choose a name first"))
            return
        self._start(self.create_page, self.create_error, tr("Creating your profile…"),
                    in_thread, create_account, self.home, self.name.text(), secret, self.kdf,
                    self.picture, on_result=self._created)

    def _choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Choose a picture"), str(Path.home()),
            tr("Images (*.png *.jpg *.jpeg *.webp *.gif)"))
        if path:
            self.load_picture(path)

    def load_picture(self, path: str) -> None:
        """Check the chosen picture by its content (in a worker thread) and preview it."""
        self.create_error.show_text(tr("Reading the picture…"))
        self.choose_picture.setEnabled(False)
        self.host.call(in_thread, read_picture, path, on_result=self._picture_read,
                       on_error=self._picture_failed)

    def _picture_read(self, value: tuple[bytes, QImage]) -> None:
        self.picture, preview = value
        self.picture_preview.setPixmap(QPixmap.fromImage(preview))
        self.picture_preview.show()
        self.choose_picture.setText(tr("Choose another…"))
        self.choose_picture.setEnabled(True)
        self.create_error.clear()

    def _picture_failed(self, exc: Exception) -> None:
        self.choose_picture.setEnabled(True)
        self.create_error.show_error(exc)

    def restore(self) -> None:
        self.backup_error.clear()
        secret = self._passphrase(self.restore_passphrase, self.restore_passphrase2,
                                  self.restore_error)
        if secret is False:
            return
        try:
            seed = phrase.from_phrase(self.restore_phrase.toPlainText())
        except BadPhrase as exc:
            self._fail(self.restore_page, self.restore_error, one_line(exc))
            return
        if not self.restore_name.text().strip():
            self._fail(self.restore_page, self.restore_error,
                       tr("Choose the name others will see"))
            return
        self._start(self.restore_page, self.restore_error, tr("Restoring your account…"),
                    in_thread, restore_from_seed, self.home, seed, self.restore_name.text(), secret,
                    self.kdf, on_result=self._restored)

    def _choose_backup(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Choose a backup file"),
                                              self.backup_path.text() or str(Path.home()))
        if path:
            self.backup_path.setText(path)

    def import_backup(self) -> None:
        text = self.backup_path.text().strip()
        if not text:
            self._fail(self.restore_page, self.backup_error, tr("Choose a backup file first"))
            return
        secret = self.backup_passphrase.text() or None
        self.restore_error.clear()
        self._start(self.restore_page, self.backup_error, tr("Restoring from the backup…"),
                    restore_from_backup, self.home, Path(text).expanduser(), secret,
                    on_result=self._restored, on_error=self._backup_failed)

    def link_device(self) -> None:
        if not self.link_page.isEnabled():
            return
        code = self.link_code.text().strip()
        self.link_code.setText(code)
        if not code:
            self._fail(self.link_page, self.link_error,
                       tr("Paste the code your other device shows first"))
            self.link_code.setFocus()
            return
        try:  # a typo or an expired code: one line, before anything is written
            link_code.decode(code, int(time.time() * 1000))
        except UserError as exc:
            self._fail(self.link_page, self.link_error, one_line(exc))
            self.link_code.setFocus()
            return
        if not self.device_name.text().strip():
            self._fail(self.link_page, self.link_error, tr("Give this device a name"))
            self.device_name.setFocus()
            return
        secret = self._passphrase(self.link_passphrase, self.link_passphrase2,
                                  self.link_error)
        if secret is False:
            return
        self.link_busy.show()
        self._start(self.link_page, self.link_error,
                    tr("Linking with your other device, then fetching your account…"),
                    join_device, self.home, code, self.device_name.text().strip(), secret,
                    self.kdf, on_result=self._linked, on_error=self._link_failed)

    # --- outcomes -------------------------------------------------------------------

    def _linked(self, account: Account) -> None:
        self.link_busy.hide()
        self._restored(account)

    def _link_failed(self, exc: Exception) -> None:
        self.link_busy.hide()
        self._fail(self.link_page, self.link_error, one_line(exc))

    def _created(self, account: Account) -> None:
        self.account = account
        self.phrase_label.set_words(account.phrase)
        self.wrote_it.setChecked(False)
        self.setCurrentIndex(PHRASE)

    def _phrase_confirmed(self) -> None:
        if not self.wrote_it.isChecked():
            return
        self.phrase_label.clear()  # shown once
        if self.account is not None:
            self.account = Account(self.account.account, self.account.name,
                                   passphrase=self.account.passphrase)
        self.completed.emit()

    def _restored(self, account: Account) -> None:
        self.account = account
        self.completed.emit()

    def _backup_failed(self, exc: Exception) -> None:
        if isinstance(exc, PassphraseRequired):
            self.backup_passphrase.setFocus()
            message = (tr("This backup is protected by a passphrase: enter it below")
                       if not self.backup_passphrase.text()
                       else one_line(exc))
            self._fail(self.restore_page, self.backup_error, message)
        else:
            self._fail(self.restore_page, self.backup_error, one_line(exc))

    # --- helpers ----------------------------------------------------------------------

    def _passphrase(self, first: QLineEdit, second: QLineEdit,
                    error: MessageLine) -> str | bool | None:
        """The new passphrase (None for none), or False after showing why not."""
        if first.text() != second.text():
            page = (self.create_page if error is self.create_error
                    else self.link_page if error is self.link_error else self.restore_page)
            self._fail(page, error, tr("The two passphrases are not the same"))
            second.setFocus()
            return False
        return first.text() or None

    def _fail(self, page: QWidget, error: MessageLine, message: str) -> None:
        page.setEnabled(True)
        error.show_error(message)

    def _start(self, page: QWidget, error: MessageLine, busy: str, fn: AsyncFn, *args: Any,
               on_result: Callable[[Any], object],
               on_error: Callable[[Exception], object] | None = None) -> None:
        """Run ``await fn(*args)`` on the host with ``page`` disabled meanwhile."""
        page.setEnabled(False)
        error.show_text(busy)

        def done(value: Any) -> None:
            page.setEnabled(True)
            error.clear()
            on_result(value)

        def failed(exc: Exception) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self._fail(page, error, one_line(exc))

        self.host.call(fn, *args, on_result=done, on_error=failed)


def _titled_page(name: str, title: str) -> tuple[QWidget, QVBoxLayout]:
    """A page of the stack: a column that starts with its title."""
    page = QWidget()
    page.setObjectName(name)
    layout = QVBoxLayout(page)
    heading = QLabel(title)
    heading.setFont(heading_font(heading.font(), HEADING_POINTS))
    layout.addWidget(heading)
    return page, layout
