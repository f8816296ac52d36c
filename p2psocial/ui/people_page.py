"""People and network: who is around, how far they are in syncing, and how to reach more.

Theory of operation
-------------------

The page shows what the back end knows (in words: peer_words.py) and sends two
intents: *join with a code* (``Backend.join``: follow the inviter and dial them) and
*follow* (``Node.posts.follow``).
It decides nothing itself. The message under the join box follows the peer it
joined at every refresh (``joined_text``, from ``runtime.join_state``): connecting,
connected and syncing or up to date, or not reachable now (a dial failed, or none
worked within ``JOIN_PATIENCE``) with the reason in a few words, and connected again
when the peer comes online later.

Four parts: the network's status line; your invite, as text to copy and as a QR
code to scan (there is no invite while the network is off, and the line says why),
to you alone or, chosen under "Invite to", also to one of your communities (its key
is in the code: a line says that whoever gets it can read and write there; a code
that carries a community opens it in Messages once joined);
the peers, grouped Nearby (announced on the LAN now), Connected (or being dialed) and
Known (in the address book); and beside them the open communities LAN neighbours
offer, to join with one click (communities.py: it reads them itself, while shown,
and is told when the network changes; a community joined or opened there is shown
in Messages through ``ctx.open_conversation``).

Under the status line, whether others can reach us (``reach_text``: public, through a
port the router opened, behind the router, not known yet; and whether a friend
checked it). A peer's row shows the name once the peer's log brought their profile (a
short device id before that), the state, how it is connected (on the home network,
directly, through an opened port, through a punched hole, through a friend's relay)
or why it is not (``why_text``: the service's reason, worded here so that it is
translated), the progress of the current sync session and when they were last
seen; a Follow button while we do not follow the account; clicking a row (or Enter
on it) opens the profile.

Freshness: while the page is shown it waits on ``Backend.changed()`` (a peer came,
went or finished syncing) and also re-reads every ``POLL_MS`` for the progress
counts, which change too often to be announced. Hidden, it does neither. Only one
``peers()`` request is in flight; a change meanwhile asks for one more afterwards.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from .communities import NearbyCommunities, full_text
from .context import tr
from .loop import one_line
from .peer_words import (
    JoinOutcome,
    how_text,
    joined_text,
    peer_name,
    peers_empty_text,
    reach_text,
    section_of,
    state_text,
    status_text,
    sync_text,
    why_text,
)
from .post_words import relative_time_long
from .qr_widget import qr_image, qr_modules_image
from .widgets import MessageLine

if TYPE_CHECKING:
    from ..runtime import Backend, PeerRow
    from ..store.communities import CommunityInfo
    from .context import AppContext
    from .loop import Call

POLL_MS = 2000
QR_SIDE = 200  # logical pixels: scannable from a phone held at arm's length
NAME, STATE, HOW, SYNC, SEEN, ACTION = range(6)
ACCOUNT_ROLE = Qt.ItemDataRole.UserRole
WHY_ROLE = Qt.ItemDataRole.UserRole + 2
SECTIONS = ("nearby", "connected", "known")


async def join_by_code(backend: Backend, code: str) -> JoinOutcome:
    """Join with an invite code and look up the inviter's name (known after a first sync)."""
    joined = await backend.join(code)
    profile = await backend.node.feeds.profile(joined.account)
    return JoinOutcome(joined, profile.name)


class _PeerTree(QTreeWidget):
    """The peers list; Enter on a row opens it like a click does."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.itemClicked.emit(item, 0)
            return
        super().keyPressEvent(event)


class PeoplePage(QWidget):
    """Network status, your invite, join by code, and the peers with their progress."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.shown = False
        self._watch: Call | None = None
        self._fetch: Call | None = None
        self._join: Call | None = None
        self._joining: tuple[JoinOutcome, float] | None = None  # the last join, when
        self._communities_call: Call | None = None
        self.my_communities: dict[bytes, CommunityInfo] = {}  # what an invite may carry
        self._again = False  # a refresh was asked for while one was in flight
        self.qr_text = ""  # the invite the QR code shows now
        self._rows: dict[bytes, QTreeWidgetItem] = {}
        self._follow_buttons: dict[bytes, QPushButton] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setObjectName("network_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.reach = QLabel()
        self.reach.setObjectName("reachability")
        self.reach.setWordWrap(True)
        layout.addWidget(self.reach)
        # the invite beside joining and the communities nearby; the peers below, across
        # the whole width their six columns need (beside the communities, they were cut
        # off in a window under 1,100 px)
        top = QHBoxLayout()
        top.addWidget(self._build_invite(), 1)
        right = QVBoxLayout()
        right.addWidget(self._build_join())
        self.communities = NearbyCommunities(ctx)
        self.communities.open_requested.connect(ctx.open_conversation.emit)
        right.addWidget(self.communities, 1)
        top.addLayout(right, 1)
        layout.addLayout(top)
        layout.addWidget(self._build_peers(), 1)
        self.show_status()

    # --- parts ----------------------------------------------------------------------

    def _build_invite(self) -> QGroupBox:
        box = QGroupBox(tr("Your invite"))
        layout = QVBoxLayout(box)
        hint = QLabel(tr("Send this code to someone, or let them scan it: their app "
                         "connects to yours and follows you."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.invite_to_row = QWidget()
        to_row = QHBoxLayout(self.invite_to_row)
        to_row.setContentsMargins(0, 0, 0, 0)
        to_label = QLabel(tr("Invite to:"))
        self.invite_to = QComboBox()
        self.invite_to.setObjectName("invite_to")
        self.invite_to.setAccessibleName(tr("Invite to"))
        self.invite_to.addItem(tr("Just me"), None)
        self.invite_to.currentIndexChanged.connect(lambda _i: self.show_status())
        to_label.setBuddy(self.invite_to)
        to_row.addWidget(to_label)
        to_row.addWidget(self.invite_to, 1)
        self.invite_to_row.hide()  # until one of your communities is listed
        layout.addWidget(self.invite_to_row)
        self.invite_warning = QLabel()
        self.invite_warning.setObjectName("invite_warning")
        self.invite_warning.setWordWrap(True)
        self.invite_warning.hide()
        layout.addWidget(self.invite_warning)
        row = QHBoxLayout()
        self.invite = QLineEdit()
        self.invite.setObjectName("invite_code")
        self.invite.setReadOnly(True)
        self.invite.setAccessibleName(tr("Your invite code"))
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.setObjectName("copy_invite")
        self.copy_button.setAccessibleName(tr("Copy your invite code"))
        self.copy_button.clicked.connect(self.copy_invite)
        self.copy_button.setEnabled(False)
        row.addWidget(self.invite, 1)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.qr = QLabel()
        self.qr.setObjectName("invite_qr")
        self.qr.setAccessibleName(tr("Your invite as a QR code"))
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(QR_SIDE, QR_SIDE)
        layout.addWidget(self.qr)
        return box

    def _build_join(self) -> QGroupBox:
        box = QGroupBox(tr("Join with a code"))
        layout = QVBoxLayout(box)
        hint = QLabel(tr("Paste the invite code someone sent you."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setObjectName("join_code")
        self.code.setPlaceholderText(tr("Invite code"))
        self.code.setAccessibleName(tr("Invite code to join"))
        self.join_button = QPushButton(tr("Join"))
        self.join_button.setObjectName("join")
        self.join_button.setAccessibleName(tr("Join with this code"))
        self.join_button.clicked.connect(self.join)
        self.code.returnPressed.connect(self.join)
        row.addWidget(self.code, 1)
        row.addWidget(self.join_button)
        layout.addLayout(row)
        self.join_outcome = MessageLine("join_outcome")
        layout.addWidget(self.join_outcome)
        layout.addStretch()
        return box

    def _build_peers(self) -> QWidget:
        box = QGroupBox(tr("Peers"))
        layout = QVBoxLayout(box)
        self.empty = QLabel(peers_empty_text(self.ctx.settings.lan))
        self.empty.setObjectName("people_empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)
        self.tree = _PeerTree()
        self.tree.setObjectName("peers")
        self.tree.setAccessibleName(tr("Peers"))
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels([tr("Name"), tr("State"), tr("How"), tr("Sync"),
                                   tr("Last seen"), ""])
        self.tree.setWordWrap(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        for column in (NAME, STATE, HOW, SYNC, SEEN):  # whole words, never "Connected · …"
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # the Follow buttons' column: as wide as one (the default, 100 px, cut the others)
        header.setMinimumSectionSize(24)
        header.resizeSection(ACTION, QPushButton(tr("Follow")).sizeHint().width() + 4)
        self.tree.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tree.itemClicked.connect(self._row_clicked)
        self.sections: dict[str, QTreeWidgetItem] = {}
        titles = {"nearby": tr("Nearby"), "connected": tr("Connected"), "known": tr("Known")}
        for key in SECTIONS:
            item = QTreeWidgetItem(self.tree, [titles[key]])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = item.font(NAME)
            font.setBold(True)
            item.setFont(NAME, font)
            item.setData(NAME, Qt.ItemDataRole.UserRole + 1, titles[key])
            item.setExpanded(True)
            item.setHidden(True)
            self.sections[key] = item
        layout.addWidget(self.tree, 1)
        self.tree.hide()
        self.why = QLabel()
        self.why.setObjectName("peer_why")
        self.why.setWordWrap(True)
        self.why.hide()
        layout.addWidget(self.why)
        self.tree.currentItemChanged.connect(lambda item, _old: self._show_why(item))
        return box

    def _show_why(self, item: QTreeWidgetItem | None) -> None:
        """Below the list, why the chosen peer is not connected, in a whole sentence."""
        text = item.data(HOW, WHY_ROLE) if item is not None else None
        self.why.setText(tr("{0}: {1}").format(item.text(NAME), text)
                         if item is not None and text else "")
        self.why.setVisible(bool(self.why.text()))

    # --- life cycle -------------------------------------------------------------------

    def activated(self) -> None:
        """Shown: refresh now, then on every change and every ``POLL_MS``."""
        self.shown = True
        self.communities.activated()
        self.read_my_communities()
        self.refresh()
        self._wait_for_change()
        self.timer.start()

    def deactivated(self) -> None:
        self.shown = False
        self.timer.stop()
        self.communities.deactivated()
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def stop(self) -> None:
        self.deactivated()
        self.communities.stop()
        for call in (self._fetch, self._join, self._communities_call):
            if call is not None:
                call.cancel()
        self._fetch = self._join = self._communities_call = None

    def _wait_for_change(self) -> None:
        if self._watch is None or self._watch.finished:
            self._watch = self.ctx.call(self.ctx.backend.changed,
                                        on_result=self._changed, on_error=self._watch_failed)

    def _changed(self, _: Any) -> None:
        self._watch = None
        if self.shown:
            self.refresh()
            self._wait_for_change()

    def _watch_failed(self, exc: Exception) -> None:
        self._watch = None  # the poll timer still refreshes
        self.ctx.message.emit(one_line(exc))

    # --- refreshing --------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the status, the invite and the peers (one peers request at a time),
        and the communities nearby if the network changed."""
        self.show_status()
        self.communities.network_changed()
        if self._fetch is not None and not self._fetch.finished:
            self._again = True
            return
        self._again = False
        self._fetch = self.ctx.call(self.ctx.backend.peers, on_result=self._got_peers,
                                    on_error=self._peers_failed)

    def _peers_failed(self, exc: Exception) -> None:
        self._fetch = None
        self.status.setText(tr("Peers could not be read: {0}").format(one_line(exc)))

    def _got_peers(self, rows: list[PeerRow]) -> None:
        self._fetch = None
        self.show_peers(rows)
        self._show_join(rows)
        if self._again:
            self.refresh()

    def read_my_communities(self) -> None:
        """Read the communities an invite may carry (when shown, and after a join)."""
        if self._communities_call is None:
            self._communities_call = self.ctx.call(
                self.ctx.node.communities.list, on_result=self._got_my_communities,
                on_error=self._my_communities_failed)

    def _my_communities_failed(self, exc: Exception) -> None:
        self._communities_call = None
        self.ctx.message.emit(one_line(exc))

    def _got_my_communities(self, infos: list[CommunityInfo]) -> None:
        """List them under "Invite to" (the choice kept while it is there)."""
        self._communities_call = None
        self.my_communities = {info.id: info for info in infos}
        chosen = self.invite_to.currentData()
        self.invite_to.blockSignals(True)
        try:
            while self.invite_to.count() > 1:
                self.invite_to.removeItem(1)
            for info in infos:
                self.invite_to.addItem(info.name, info.id)
            self.invite_to.setCurrentIndex(max(0, self.invite_to.findData(chosen)))
        finally:
            self.invite_to.blockSignals(False)
        self.invite_to_row.setVisible(bool(infos))
        self.show_status()

    def show_status(self) -> None:
        status = self.ctx.backend.status()
        self.status.setText(status_text(status))
        self.reach.setText(reach_text(status))
        self.reach.setVisible(bool(self.reach.text()))
        community = self.my_communities.get(self.invite_to.currentData())
        self.invite_warning.setText(
            "" if community is None else full_text(community.name) if community.full
            else tr("This code also joins {0}: whoever gets it can read and write in that "
                    "community.").format(community.name))
        self.invite_warning.setVisible(community is not None)
        full = community is not None and community.full
        try:
            code = (self.ctx.backend.invite_code(community)
                    if status.state == "online" and not full else "")
        except Exception as exc:  # no address to invite to: say so where the code goes
            self.invite.setPlaceholderText(one_line(exc))
            code = ""
        if not code:
            self.invite.setPlaceholderText(full_text(community.name) if full and community
                                           else tr("An invite is ready once you are online"))
        self._show_invite(code)

    def _show_invite(self, code: str) -> None:
        if code == self.invite.text():
            return
        self.invite.setText(code)
        self.invite.setCursorPosition(0)
        self.copy_button.setEnabled(bool(code))
        self.qr_text = code
        self.qr.setPixmap(qr_pixmap(code, QR_SIDE) if code else QPixmap())
        if code and self.qr.pixmap().isNull():
            self.qr.setText(tr("(QR code not available)"))

    def show_peers(self, rows: list[PeerRow]) -> None:
        """Update the list in place: rows keep their selection and focus."""
        seen = set()
        for row in rows:
            seen.add(row.device)
            self._put_row(row)
        for device in [d for d in self._rows if d not in seen]:
            self._drop_row(device)
        for section in self.sections.values():
            count = section.childCount()
            section.setHidden(count == 0)
            title = section.data(NAME, Qt.ItemDataRole.UserRole + 1)
            section.setText(NAME, f"{title} ({count})")
        if not rows:
            self.empty.setText(peers_empty_text(self.ctx.settings.lan))
        self.empty.setVisible(not rows)
        self.tree.setVisible(bool(rows))

    def _put_row(self, row: PeerRow) -> None:
        section = self.sections[section_of(row)]
        item = self._rows.get(row.device)
        if item is not None and item.parent() is not section:
            self._drop_row(row.device)
            item = None
        if item is None:
            item = QTreeWidgetItem(section)
            self._rows[row.device] = item
        now = self.ctx.node.clock()
        seen = relative_time_long(row.last_seen, now) if row.last_seen else ""
        texts = (peer_name(row), state_text(row), how_text(row, now), sync_text(row),
                 tr("now") if row.state == "connected" else seen)
        for column, text in enumerate(texts):
            if item.text(column) != text:
                item.setText(column, text)
        item.setData(NAME, ACCOUNT_ROLE, row.account)
        item.setToolTip(NAME, ids.account_text(row.account) if row.account else
                        ids.device_text(row.device))
        why = why_text(row, now) if row.state != "connected" else ""
        item.setToolTip(HOW, why or texts[HOW])
        item.setData(HOW, WHY_ROLE, why)
        if item is self.tree.currentItem():
            self._show_why(item)
        self._set_follow_button(item, row)

    def _set_follow_button(self, item: QTreeWidgetItem, row: PeerRow) -> None:
        wanted = (row.account is not None and not row.following
                  and row.account != self.ctx.me)
        button = self._follow_buttons.get(row.device)
        if not wanted:
            if button is not None:
                self.tree.removeItemWidget(item, ACTION)
                del self._follow_buttons[row.device]
            return
        if button is None:
            button = QPushButton(tr("Follow"))
            button.setObjectName("follow")
            account = row.account
            assert account is not None
            button.clicked.connect(lambda _=False, a=account, b=button: self.follow(a, b))
            self.tree.setItemWidget(item, ACTION, button)
            self._follow_buttons[row.device] = button
        button.setAccessibleName(tr("Follow {0}").format(peer_name(row)))

    def _drop_row(self, device: bytes) -> None:
        item = self._rows.pop(device)
        self._follow_buttons.pop(device, None)
        parent = item.parent()
        if parent is not None:
            parent.removeChild(item)

    # --- intents --------------------------------------------------------------------

    def copy_invite(self) -> None:
        if self.invite.text():
            QGuiApplication.clipboard().setText(self.invite.text())
            self.ctx.message.emit(tr("Invite copied"))

    def join(self) -> None:
        code = self.code.text().strip()
        if not code:
            self.join_outcome.show_error(tr("Paste an invite code first"))
            return
        if self._join is not None and not self._join.finished:
            return
        self.join_button.setEnabled(False)
        self.join_outcome.show_text(tr("Joining…"))
        self._join = self.ctx.call(join_by_code, self.ctx.backend, code,
                                   on_result=self._joined, on_error=self._join_failed)

    def _show_join(self, rows: list[PeerRow]) -> None:
        """The last join's message, following its peer's row (every refresh)."""
        if self._joining is None:
            return
        outcome, started = self._joining
        row = next((r for r in rows if r.device == outcome.joined.device), None)
        text = joined_text(outcome, row, time.monotonic() - started)
        if text != self.join_outcome.text():
            self.join_outcome.show_text(text)

    def _joined(self, outcome: JoinOutcome) -> None:
        self._join = None
        self.join_button.setEnabled(True)
        self.code.clear()  # used: nothing typed is lost
        self._joining = (outcome, time.monotonic())
        self.join_outcome.show_text(joined_text(outcome))
        self.refresh()
        community = outcome.joined.community
        if community is not None:  # show it where one reads and writes in it
            self.read_my_communities()
            self.ctx.open_conversation.emit(community)

    def _join_failed(self, exc: Exception) -> None:
        self._join = None
        self._joining = None
        self.join_button.setEnabled(True)
        self.join_outcome.show_error(exc)  # the code stays in the field, to fix

    def follow(self, account: bytes, button: QPushButton) -> None:
        button.setEnabled(False)

        def failed(exc: Exception) -> None:
            button.setEnabled(True)
            self.ctx.message.emit(tr("Could not follow: {0}").format(one_line(exc)))

        self.ctx.call(self.ctx.node.posts.follow, account,
                      on_result=lambda _: self.refresh(), on_error=failed)

    def _row_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        account = item.data(NAME, ACCOUNT_ROLE)
        if isinstance(account, bytes):
            self.ctx.open_profile.emit(account)


def qr_pixmap(text: str, side: int) -> QPixmap:
    """The QR code of ``text``, about ``side`` pixels square, with a whole number of
    pixels per module (at least two): a code that carries a community is denser, and
    modules scaled unevenly would not scan."""
    modules = qr_modules_image(text).width()
    return QPixmap.fromImage(qr_image(text, max(2, round(side / modules))))
