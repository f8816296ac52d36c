"""Open LAN communities in the window: the ones nearby (People) and a new one (Messages).

Theory of operation
-------------------

A community is a group that anyone on the LAN may join (store/communities.py); in
Messages it is read and written like a group. This module holds the two views that
are its own:

- ``NearbyCommunities``, the People section's list of what LAN neighbours offer now
  (``Backend.nearby_communities``): the name, who started it, how many are in it, and
  a Join button (Open once we are in; Full, disabled, when its roster holds as many
  as a community can, the node refusing such a join anyway). It reads the list while shown, every
  ``POLL_MS`` and when the network's state or its neighbours change (the page says so
  through ``network_changed``); one read at a time. A join goes through
  ``Backend.join_community`` and then asks, with ``open_requested(id)``, for the
  community to be opened in Messages.
- ``NewCommunityPanel``, Messages' form for a new one: a name, and a line saying that
  everyone on the local network can see and join it. ``started(id)`` once the node
  created it.

The views decide nothing: whether a join may happen, and what a community is, is the
back end's and the node's business.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from ..private import NAME_MAX
from .avatar import display_name
from .context import tr
from .icons import icon
from .loop import one_line
from .widgets import MessageLine, heading_font, plural

if TYPE_CHECKING:
    from ..runtime import NearbyRow, NetworkStatus
    from .context import AppContext
    from .loop import Call

POLL_MS = 5000
NAME, CREATOR, MEMBERS, ACTION = range(4)
ID_ROLE = Qt.ItemDataRole.UserRole


def members_text(count: int) -> str:
    return plural(tr("%n member(s)", None, count), count)


def community_marker(count: int) -> str:
    """What marks a community in the conversation list: 'Community · 3 members'."""
    return tr("Community · {0}").format(members_text(count))


def nearby_members_text(row: NearbyRow) -> str:
    count = members_text(row.members)
    if row.joined:
        return tr("{0} · joined").format(count)
    return tr("{0} · full").format(count) if row.full else count


def full_text(name: str) -> str:
    """Why a community cannot be joined, or carried by an invite."""
    return tr("{0} is full: nobody can join it any more.").format(name)


def empty_text(status: NetworkStatus, lan: bool, loaded: bool) -> str:
    """Why no community is listed: the network is off, LAN discovery is, or none is
    offered (yet)."""
    if status.state in ("offline", "stopped"):
        return tr("The network is off, so communities nearby cannot be seen. They "
                  "show here once it is on.")
    if not lan:
        return tr("Finding people on the local network is off (Settings), so "
                  "communities nearby cannot be seen.")
    if status.state == "starting" or not loaded:
        return tr("Looking for communities nearby…")
    return tr("No community nearby yet. Start one in Messages (New community): "
              "everyone on your local network can see it and join.")


class _CommunityTree(QTreeWidget):
    """The communities; Enter on a row opens (or joins) it like its button does."""

    activate = Signal(bytes)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.activate.emit(item.data(NAME, ID_ROLE))
            return
        super().keyPressEvent(event)


class NearbyCommunities(QGroupBox):
    """The communities LAN neighbours offer now, to join with one click (see the module
    docstring). ``open_requested(id)``: show this community (one we are in) in Messages."""

    open_requested = Signal(bytes)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Communities nearby"), parent)
        self.setObjectName("nearby_communities")
        self.ctx = ctx
        self.shown = False
        self.loaded = False  # a read came back since the network last changed
        self.rows: dict[bytes, NearbyRow] = {}
        self._items: dict[bytes, QTreeWidgetItem] = {}
        self._buttons: dict[bytes, QPushButton] = {}
        self._fetch: Call | None = None
        self._joins: dict[bytes, Call] = {}
        self._again = False
        self._network: tuple[Any, ...] = ()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

        layout = QVBoxLayout(self)
        hint = QLabel(tr("Open to everyone on your local network: join one to read and "
                         "write in it with everyone there, followed or not."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.empty = QLabel()
        self.empty.setObjectName("communities_empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.empty, 1)
        self.tree = _CommunityTree()
        self.tree.setObjectName("community_list")
        self.tree.setAccessibleName(tr("Communities nearby"))
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([tr("Community"), tr("Started by"), tr("Members"), ""])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.tree.activate.connect(self._activate)
        layout.addWidget(self.tree, 1)
        self.tree.hide()
        self.outcome = MessageLine("community_outcome")
        layout.addWidget(self.outcome)
        self._show_empty()

    # --- life cycle -------------------------------------------------------------------

    def activated(self) -> None:
        """Shown: read now, then every ``POLL_MS`` and when the network changes."""
        self.shown = True
        self._network = self._network_now()
        self.refresh()
        self.timer.start()

    def deactivated(self) -> None:
        self.shown = False
        self.timer.stop()

    def stop(self) -> None:
        self.deactivated()
        for call in (self._fetch, *self._joins.values()):
            if call is not None:
                call.cancel()
        self._fetch = None
        self._joins.clear()

    def network_changed(self) -> None:
        """The network's status or its peers changed: read again if its state or the
        neighbours on the LAN did (a new neighbour may offer a community)."""
        now = self._network_now()
        if now != self._network:
            self._network = now
            self.loaded = False
            self.refresh()

    def _network_now(self) -> tuple[Any, ...]:
        backend = self.ctx.backend
        return (backend.status().state, backend.settings.lan, frozenset(backend.nearby()))

    # --- reading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the communities on offer (one read at a time)."""
        if not self.shown:
            return
        self._show_empty()
        if self._fetch is not None and not self._fetch.finished:
            self._again = True
            return
        self._again = False
        self._fetch = self.ctx.call(self.ctx.backend.nearby_communities,
                                    on_result=self._got, on_error=self._failed)

    def _got(self, rows: list[NearbyRow]) -> None:
        self._fetch = None
        self.loaded = True
        self.show_rows(rows)
        if self._again:
            self.refresh()

    def _failed(self, exc: Exception) -> None:
        self._fetch = None
        self.outcome.show_error(exc)

    def show_rows(self, rows: list[NearbyRow]) -> None:
        """Update the list in place (rows keep selection and focus), in ``rows``' order."""
        self.rows = {row.id: row for row in rows}
        for cid in [c for c in self._items if c not in self.rows]:
            item = self._items.pop(cid)
            self._buttons.pop(cid, None)
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        for row in rows:
            self._put(row)
        self._show_empty()

    def _show_empty(self) -> None:
        any_rows = bool(self._items)
        self.empty.setText(empty_text(self.ctx.backend.status(), self.ctx.settings.lan,
                                      self.loaded))
        self.empty.setVisible(not any_rows)
        self.tree.setVisible(any_rows)

    def _put(self, row: NearbyRow) -> None:
        item = self._items.get(row.id)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            item.setData(NAME, ID_ROLE, row.id)
            self._items[row.id] = item
        creator = display_name(row.creator_name, row.creator)
        for column, text in ((NAME, row.name), (CREATOR, creator),
                             (MEMBERS, nearby_members_text(row))):
            if item.text(column) != text:
                item.setText(column, text)
        item.setToolTip(CREATOR, ids.account_text(row.creator))
        button = self._buttons.get(row.id)
        if button is None:
            button = QPushButton()
            button.setObjectName("community_action")
            button.clicked.connect(lambda _=False, c=row.id: self._activate(c))
            self.tree.setItemWidget(item, ACTION, button)
            self._buttons[row.id] = button
        joining = row.id in self._joins
        button.setText(tr("Joining…") if joining else tr("Open") if row.joined
                       else tr("Full") if row.full else tr("Join"))
        button.setEnabled(not joining and not row.full)
        button.setAccessibleName(tr("Open {0} in Messages").format(row.name) if row.joined
                                 else full_text(row.name) if row.full
                                 else tr("Join {0}").format(row.name))
        button.setToolTip(full_text(row.name) if row.full else "")

    # --- intents ----------------------------------------------------------------------

    def _activate(self, community: bytes) -> None:
        row = self.rows.get(community)
        if row is None:
            return
        if row.joined:
            self.open_requested.emit(community)
        elif row.full:
            self.outcome.show_error(full_text(row.name))
        else:
            self.join(community)

    def join(self, community: bytes) -> None:
        """Join ``community`` (one click); once in, it opens in Messages."""
        row = self.rows.get(community)
        if row is None or community in self._joins:
            return
        self.outcome.show_text(tr("Joining {0}…").format(row.name))
        self._joins[community] = self.ctx.call(
            self.ctx.backend.join_community, community,
            on_result=lambda cid: self._joined(row, cid),
            on_error=lambda exc: self._join_failed(row, exc))
        self._put(row)

    def _joined(self, row: NearbyRow, community: bytes) -> None:
        self._joins.pop(row.id, None)
        self.outcome.show_text(tr("You joined {0}.").format(row.name))
        if row.id in self.rows:
            self.rows[row.id] = joined = replace(row, joined=True)
            self._put(joined)
        self.refresh()
        self.open_requested.emit(community)

    def _join_failed(self, row: NearbyRow, exc: Exception) -> None:
        self._joins.pop(row.id, None)
        if row.id in self.rows:
            self._put(self.rows[row.id])
        self.outcome.show_error(tr("Could not join {0}: {1}").format(
            row.name, one_line(exc)))


class NewCommunityPanel(QWidget):
    """A name, and Create: ``started(id)`` once the node made the community;
    ``cancelled`` when the person gives up (the name stays for next time)."""

    started = Signal(bytes)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._call: Call | None = None
        heading = QLabel(tr("New community"))
        heading.setFont(heading_font(heading.font(), 12))
        self.explanation = QLabel(tr(
            "Anyone on your local network can see this community (People, Communities "
            "nearby) and join it with one click, and everyone in it reads what is "
            "written there. Nobody adds or removes members."))
        self.explanation.setObjectName("community_explanation")
        self.explanation.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("community_name")
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText(tr("Community name"))
        self.name_edit.setAccessibleName(tr("Community name"))
        self.name_edit.textChanged.connect(self._update)
        self.name_edit.returnPressed.connect(self.submit)
        self.error_line = MessageLine("new_community_error")
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setAccessibleName(tr("Cancel the new community"))
        self.cancel_button.clicked.connect(self.cancelled.emit)
        self.create_button = QPushButton(tr("Create community"))
        self.create_button.setObjectName("create_community")
        self.create_button.setIcon(icon("people"))
        self.create_button.setAccessibleName(tr("Create the community"))
        self.create_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading)
        column.addWidget(self.explanation)
        column.addWidget(self.name_edit)
        column.addWidget(self.error_line)
        column.addLayout(buttons)
        column.addStretch()
        self.setFocusProxy(self.name_edit)
        QWidget.setTabOrder(self.name_edit, self.cancel_button)
        QWidget.setTabOrder(self.cancel_button, self.create_button)
        self._update()

    @property
    def creating(self) -> bool:
        return self._call is not None

    def start(self) -> None:
        self.error_line.clear()
        self._update()

    def stop(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None
            self._set_busy(False)

    def submit(self) -> None:
        name = self.name_edit.text().strip()
        if self.creating or not name:
            return
        self.error_line.clear()
        self._call = self.ctx.call(self.ctx.node.communities.create, name,
                                   on_result=self._created, on_error=self._failed)
        self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        self.name_edit.setReadOnly(busy)
        self.create_button.setText(tr("Creating…") if busy else tr("Create community"))
        self._update()

    def _update(self) -> None:
        self.create_button.setEnabled(bool(self.name_edit.text().strip())
                                      and not self.creating)

    def _created(self, community: bytes) -> None:
        self._call = None
        self._set_busy(False)
        self.name_edit.clear()
        self.started.emit(community)

    def _failed(self, exc: Exception) -> None:
        self._call = None
        self._set_busy(False)
        self.error_line.show_error(exc)
        self.name_edit.setFocus()
