"""The main window: what is shown before the home is open, then sections and history.

Theory of operation
-------------------

One ``QMainWindow`` for the whole life of the app. Its central widget is a stack of
*stages*: a line of status ("Opening your home…", or why it could not open), the
onboarding pages of a new home, the passphrase page of a sealed one, and the *shell*
once the home is open (``attach``). The window is painted before any of the node,
SQLite or libp2p is imported; app.py decides which stage to show.

The shell is a navigation list on the left and a page stack on the right. The
*sections* (Home, Notifications, Messages, Search, People, Profile, Settings) are built the
first time they are shown, so start-up builds the home timeline only. Opening a
thread or somebody's profile pushes a *detail* page on top of the current section;
Back (the button, Alt+Left or Esc) pops it. Choosing a section clears the details.
Pages never reach into the window: they ask through the ``AppContext`` signals
(context.py), which the window connects here.

Every page may have ``stop()`` (cancel its long-lived calls: called before the page
goes away and before the Trio host stops), ``activated()`` and ``deactivated()``
(shown and hidden).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .context import tr
from .widgets import heading_font, plural

if TYPE_CHECKING:
    from ..runtime import NetworkStatus
    from .context import AppContext

TITLE = "p2psocial"
STAGE_WIDTH = 640  # the column of a form shown before the home is open


def QT_TR_NOOP(text: str) -> str:
    """Marks ``text`` for translation (lupdate looks for this name); translated when shown."""
    return text


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    label: str  # untranslated; shown through tr()
    icon: str  # a name for icons.icon
    module: str  # ui module and class of its page, imported when first shown
    page: str
    shortcut: str


SECTIONS = (
    Section("home", QT_TR_NOOP("Home"), "home", "home_page", "HomePage",
            "Ctrl+1"),
    Section("notifications", QT_TR_NOOP("Notifications"), "notifications",
            "notifications_page", "NotificationsPage", "Ctrl+2"),
    Section("messages", QT_TR_NOOP("Messages"), "messages", "messages_page",
            "MessagesPage", "Ctrl+3"),
    Section("search", QT_TR_NOOP("Search"), "search", "search_page",
            "SearchPage", "Ctrl+4"),
    Section("people", QT_TR_NOOP("People"), "people", "people_page",
            "PeoplePage", "Ctrl+5"),
    Section("profile", QT_TR_NOOP("Profile"), "profile", "profile_page",
            "ProfilePage", "Ctrl+6"),
    Section("settings", QT_TR_NOOP("Settings"), "settings", "settings_page",
            "SettingsPage", "Ctrl+7"),
)


def _icon(name: str) -> Any:
    from . import icons

    return icons.icon(name)


def page_class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


class MainWindow(QMainWindow):
    closing = Signal()  # the window is closing for good (not hidden to the tray)
    hidden_to_tray = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.resize(980, 720)
        self.setMinimumSize(QSize(480, 360))
        self.stages = QStackedWidget()
        self.setCentralWidget(self.stages)
        self.status_label = QLabel()
        self.status_label.setObjectName("stage-status")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setWordWrap(True)
        self.status_label.setMargin(24)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stages.addWidget(self.status_label)
        self._stage: QWidget = self.status_label
        self.ctx: AppContext | None = None
        self.keep_in_tray = False  # set by app.py when a tray exists and the setting says so
        self._sections: dict[str, QWidget] = {}
        self._details: list[QWidget] = []
        self._current: QWidget | None = None
        self._badges: dict[str, int] = {}

    # --- stages before the home is open -------------------------------------------------

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.stages.setCurrentWidget(self.status_label)
        self._stage = self.status_label

    def stage(self) -> QWidget:
        """What the window shows now (a form, not the column around it)."""
        return self._stage

    def show_stage(self, widget: QWidget, narrow: bool = False) -> None:
        """Show ``widget`` as the whole window; ``narrow``: in a centred column, as
        forms read best (onboarding, the passphrase page)."""
        shown = widget
        if narrow:
            shown = QWidget()
            shown.setObjectName(f"{widget.objectName()}-column")
            row = QHBoxLayout(shown)
            widget.setMaximumWidth(STAGE_WIDTH)
            row.addWidget(widget)
        if self.stages.indexOf(shown) < 0:
            self.stages.addWidget(shown)
        self.stages.setCurrentWidget(shown)
        self._stage = widget

    # --- the shell ---------------------------------------------------------------------

    def attach(self, ctx: AppContext) -> None:
        """Build the shell for an open home and show the home section."""
        self.ctx = ctx
        shell = QWidget()
        shell.setObjectName("shell")
        row = QHBoxLayout(shell)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(tr("Sections"))
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(190)
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        for section in SECTIONS:
            item = QListWidgetItem(_icon(section.icon), tr(section.label))
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            item.setToolTip(f"{tr(section.label)} ({section.shortcut})")
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._nav_changed)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 4)
        side.addWidget(self.nav, 1)
        self.help_button = QToolButton()
        self.help_button.setObjectName("privacy_help_button")
        self.help_button.setText(tr("About privacy"))
        self.help_button.setToolTip(tr("What stays private, and what does not (F1)"))
        self.help_button.setAutoRaise(True)
        self.help_button.clicked.connect(self.show_privacy_help)
        side.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignLeft)
        row.addLayout(side)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 8, 0)
        header.setSpacing(14)  # Back and the page's title apart, not touching
        self.back = QToolButton()
        self.back.setObjectName("back")
        self.back.setIcon(_icon("back"))
        self.back.setText(tr("Back"))
        self.back.setToolTip(tr("Back (Alt+Left)"))
        self.back.setAccessibleName(tr("Back"))
        self.back.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.back.clicked.connect(self.go_back)
        self.title = QLabel()
        self.title.setObjectName("page-title")
        self.title.setFont(heading_font(self.title.font()))
        header.addWidget(self.back)
        header.addWidget(self.title, 1)
        column.addLayout(header)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        column.addWidget(self.pages, 1)
        row.addLayout(column, 1)
        self.show_stage(shell)
        self._shortcuts()
        ctx.open_thread.connect(self.open_thread)
        ctx.open_profile.connect(self.open_profile)
        ctx.open_search.connect(self.open_search)
        ctx.reply_to.connect(self._reply_to)
        ctx.write_to.connect(self.write_to)
        ctx.open_conversation.connect(lambda cid: self.open_target("messages", cid))
        ctx.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.network_label = QLabel()
        self.network_label.setObjectName("network-status")
        self.statusBar().addPermanentWidget(self.network_label)
        self.nav.setCurrentRow(0)

    def _shortcuts(self) -> None:
        for number, section in enumerate(SECTIONS):
            shortcut = QShortcut(QKeySequence(section.shortcut), self)
            shortcut.activated.connect(lambda n=number: self.nav.setCurrentRow(n))
        for keys in ("Alt+Left", "Esc", QKeySequence.StandardKey.Back):
            QShortcut(QKeySequence(keys), self).activated.connect(self.go_back)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(self.new_post)
        QShortcut(QKeySequence.StandardKey.HelpContents, self).activated.connect(
            self.show_privacy_help)
        QShortcut(QKeySequence("Ctrl+F"), self).activated.connect(lambda: self.open_search(""))

    def section(self, key: str) -> QWidget:
        """The page of a section, built the first time it is asked for."""
        page = self._sections.get(key)
        if page is None:
            assert self.ctx is not None
            spec = next(s for s in SECTIONS if s.key == key)
            cls = page_class(spec.module, spec.page)
            if key == "profile":  # the person's own profile; editing it is in Settings
                page = cls(self.ctx, self.ctx.me)
                page.edit_profile_requested.connect(lambda: self.show_section("settings"))
            else:
                page = cls(self.ctx)
            page.setObjectName(f"page-{key}")
            self._sections[key] = page
            self.pages.addWidget(page)
        return page

    def show_section(self, key: str) -> QWidget:
        row = next(i for i, s in enumerate(SECTIONS) if s.key == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # shows it through _nav_changed
        else:
            self._clear_details()
            self._show(self.section(key))
        return self._sections[key]

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self._clear_details()
        self._show(self.section(SECTIONS[row].key))

    def _show(self, page: QWidget) -> None:
        if self._current is page:
            return
        if self._current is not None and hasattr(self._current, "deactivated"):
            self._current.deactivated()
        self._current = page
        self.pages.setCurrentWidget(page)
        self.back.setVisible(bool(self._details))
        self.title.setText(self._title_of(page))
        if hasattr(page, "activated"):
            page.activated()

    def _title_of(self, page: QWidget) -> str:
        for section in SECTIONS:
            if self._sections.get(section.key) is page:
                return tr(section.label)
        return str(page.property("title") or "")

    # --- details and history -------------------------------------------------------------

    def push(self, page: QWidget, title: str) -> None:
        page.setProperty("title", title)
        self._details.append(page)
        self.pages.addWidget(page)
        self._show(page)

    def go_back(self) -> None:
        if not self._details:
            return
        page = self._details.pop()
        self._show(self._details[-1] if self._details else self._section_page())
        self._discard(page)

    def _section_page(self) -> QWidget:
        return self.section(SECTIONS[max(0, self.nav.currentRow())].key)

    def _clear_details(self) -> None:
        details, self._details = self._details, []
        if details:
            self._show(self._section_page())
        for page in details:
            self._discard(page)

    def _discard(self, page: QWidget) -> None:
        if hasattr(page, "stop"):
            page.stop()
        self.pages.removeWidget(page)
        page.deleteLater()

    def open_thread(self, post_id: bytes) -> None:
        assert self.ctx is not None
        page = page_class("thread_page", "ThreadPage")(self.ctx, post_id)
        self.push(page, tr("Conversation"))

    def open_profile(self, account: bytes) -> None:
        assert self.ctx is not None
        if account == self.ctx.me:
            self.show_section("profile")
            return
        page = page_class("profile_page", "ProfilePage")(self.ctx, account)
        self.push(page, tr("Profile"))

    def open_search(self, text: str) -> None:
        page = self.show_section("search")
        if text:
            page.search(text)  # type: ignore[attr-defined]
        else:
            page.focus_search()  # type: ignore[attr-defined]

    def show_privacy_help(self) -> None:
        from .help import PrivacyHelp

        PrivacyHelp(self).open()

    def open_target(self, section: str, conversation: bytes | None = None) -> None:
        """Show ``section``, and in Messages one conversation (a desktop message's click)."""
        page = self.show_section(section)
        if conversation is not None:
            page.open_conversation(conversation)  # type: ignore[attr-defined]

    def write_to(self, account: bytes) -> None:
        """Open Messages with a new message to ``account`` started."""
        self.show_section("messages").new_message(account)  # type: ignore[attr-defined]

    def _reply_to(self, post: Any) -> None:
        if isinstance(self._current, QWidget) and hasattr(self._current, "start_reply"):
            self._current.start_reply(post)
            return
        self.show_section("home").start_reply(post)  # type: ignore[attr-defined]

    def new_post(self) -> None:
        if self.ctx is None:
            return
        self.show_section("home").focus_composer()  # type: ignore[attr-defined]
        self.show_normal()

    # --- what the window says ------------------------------------------------------------

    def set_badge(self, key: str, count: int) -> None:
        """Show ``count`` unread beside section ``key`` (notifications, messages), and
        the total in the window's title."""
        self._badges[key] = count
        total = sum(self._badges.values())
        self.setWindowTitle(f"({total}) {TITLE}" if total else TITLE)
        if self.ctx is None:
            return
        row = next(i for i, s in enumerate(SECTIONS) if s.key == key)
        label = tr(SECTIONS[row].label)
        item = self.nav.item(row)
        item.setText(f"{label} ({count})" if count else label)
        item.setData(Qt.ItemDataRole.AccessibleTextRole,
                     tr("{0}, {1} unread").format(label, count) if count else label)

    @property
    def unread(self) -> int:
        return sum(self._badges.values())

    def show_network(self, status: NetworkStatus) -> None:
        if status.state == "online":
            text = (tr("Online · {0} connected").format(status.connected) if status.connected
                    else plural(tr("Online · %n known peer(s), none reachable now", None,
                                   status.known), status.known) if status.known
                    else tr("Online · no peers yet"))
        elif status.state == "starting":
            text = tr("Connecting…")
        elif status.error:
            text = tr("Offline: {0}").format(status.error)
        else:
            text = tr("Offline")
        self.network_label.setText(text)

    def show_normal(self) -> None:
        """Bring the window back (from the tray, or behind other windows)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # --- closing ---------------------------------------------------------------------------

    def stop_pages(self) -> None:
        """Cancel every page's long-lived calls (before the Trio host stops)."""
        for page in [*self._details, *self._sections.values()]:
            if hasattr(page, "stop"):
                page.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keep_in_tray:
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
            return
        self.closing.emit()
        super().closeEvent(event)
