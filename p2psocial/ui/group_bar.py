"""A group's bar above its messages: its members, and what one may do about them.

The admin of a private group adds and removes members (removing asks first); the
others may leave (asking first). The node decides (a new epoch per change);
``GroupBar.changed`` says it did, so the Messages page reads the group again and
hands it back. An open community says so: nobody adds or removes anyone there, and
anyone may leave, the one who started it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from .avatar import display_name
from .context import tr
from .icons import icon
from .widgets import MessageLine, plural

if TYPE_CHECKING:
    from ..node import Node
    from .context import AppContext
    from .loop import Call

async def people_you_follow(node: Node) -> list[tuple[bytes, str | None]]:
    """The accounts we follow with their names, by name."""
    people = []
    for account in await node.feeds.following():
        profile = await node.feeds.profile(account)
        people.append((account, profile.name))
    return sorted(people, key=lambda p: (display_name(p[1], p[0]).casefold(), p[0]))


def ask(parent: QWidget, title: str, question: str) -> bool:
    """Yes or no, asked in a dialog (No is the default)."""
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes
                                  | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class GroupBar(QWidget):
    """A group's members and what one may do about them: the admin adds and removes
    members (removing asks first), the others may leave (asking first). The node
    decides (a new epoch per change); ``changed`` says it did, so the page reads the
    group again and hands it back (``set_group``).

    An open community says so; nobody adds or removes anyone there (its members are
    whoever joined), and anyone may leave, the one who started it too.

    ``confirm(title, question)`` asks; tests replace it."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.group: Any = None
        self.confirm: Callable[[str, str], bool] = lambda title, question: ask(
            self, title, question)
        self._calls: list[Call] = []
        self.members_button = QToolButton()
        self.members_button.setObjectName("group_members")
        self.members_button.setIcon(icon("people"))
        self.members_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.members_button.setCheckable(True)
        self.members_button.toggled.connect(self._show_members)
        self.kind = QLabel(tr("Community · open to everyone on your local network"))
        self.kind.setObjectName("community_marker")
        self.kind.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.kind.hide()
        self.add_button = QToolButton()
        self.add_button.setObjectName("group_add")
        self.add_button.setText(tr("Add member"))
        self.add_button.setAccessibleName(tr("Add a member"))
        self.add_button.clicked.connect(self.start_adding)
        self.leave_button = QToolButton()
        self.leave_button.setObjectName("group_leave")
        self.leave_button.setText(tr("Leave"))
        self.leave_button.setAccessibleName(tr("Leave the group"))
        self.leave_button.clicked.connect(self.leave)
        self.members = QListWidget()
        self.members.setObjectName("group_member_list")
        self.members.setAccessibleName(tr("Members"))
        self.members.currentItemChanged.connect(lambda *_a: self._update())
        self.members.setMaximumHeight(160)
        self.remove_button = QPushButton(tr("Remove from the group"))
        self.remove_button.setObjectName("group_remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.candidates = QComboBox()
        self.candidates.setObjectName("group_candidates")
        self.candidates.setAccessibleName(tr("Person to add"))
        self.confirm_add = QPushButton(tr("Add"))
        self.confirm_add.setObjectName("group_add_confirm")
        self.confirm_add.clicked.connect(self.add_chosen)
        self.cancel_add = QPushButton(tr("Cancel"))
        self.adding = QWidget()
        self.cancel_add.clicked.connect(self.adding.hide)
        adding_row = QHBoxLayout(self.adding)
        adding_row.setContentsMargins(0, 0, 0, 0)
        adding_row.addWidget(self.candidates, 1)
        adding_row.addWidget(self.confirm_add)
        adding_row.addWidget(self.cancel_add)
        self.adding.hide()
        self.error_line = MessageLine("group_error")
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.members)
        details.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.details.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.members_button)
        top.addWidget(self.kind)
        top.addStretch()
        top.addWidget(self.add_button)
        top.addWidget(self.leave_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.adding)
        column.addWidget(self.details)
        column.addWidget(self.error_line)

    @property
    def admin(self) -> bool:
        """We manage this group's members (a community's creator does not)."""
        return (self.group is not None and self.group.admin == self.ctx.me
                and not self.community)

    @property
    def community(self) -> bool:
        return self.group is not None and self.group.community

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls = []

    def set_group(self, group: Any) -> None:
        """Show ``group`` (a GroupView), or hide the bar for a direct conversation."""
        if group is None or self.group is None or group.id != self.group.id:
            self.adding.hide()
            self.error_line.clear()
        self.group = group
        self.setVisible(group is not None)
        if group is None:
            return
        me = self.ctx.me
        count = len(group.members)
        self.members_button.setText(plural(tr("%n member(s)", None, count), count))
        self.members_button.setAccessibleName(tr("Show the members"))
        self.kind.setVisible(group.community)
        self.leave_button.setAccessibleName(tr("Leave the community") if group.community
                                            else tr("Leave the group"))
        chosen = self.members.currentItem()
        keep = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
        self.members.clear()
        for account, name in zip(group.members, group.names, strict=False):
            label = display_name(name, account)
            if account == me:
                label = tr("{0} (you)").format(label)
            if account == group.admin:
                label = (tr("{0}, started it") if group.community
                         else tr("{0}, admin")).format(label)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, account)
            item.setToolTip(ids.account_text(account))
            self.members.addItem(item)
            if account == keep:
                self.members.setCurrentItem(item)
        self._update()

    def _update(self) -> None:
        group = self.group
        member = group is not None and group.member
        self.add_button.setVisible(self.admin and member)
        self.leave_button.setVisible(member and not self.admin)
        chosen = self.members.currentItem()
        self.remove_button.setVisible(self.admin and member)
        self.remove_button.setEnabled(
            chosen is not None and chosen.data(Qt.ItemDataRole.UserRole) != self.ctx.me)

    def _show_members(self, on: bool) -> None:
        self.details.setVisible(on)
        if on:
            self.members.setFocus()

    def _track(self, call: Call) -> None:
        self._calls = [c for c in self._calls if not (c.finished or c.cancelled)] + [call]

    def _done(self, _result: object = None) -> None:
        self.error_line.clear()
        self.changed.emit()

    # --- adding -----

    def start_adding(self) -> None:
        """Offer the people we follow who are not members yet."""
        self.error_line.clear()
        self._track(self.ctx.call(people_you_follow, self.ctx.node,
                                  on_result=self._offer, on_error=self.error_line.show_error))

    def _offer(self, people: list[tuple[bytes, str | None]]) -> None:
        members = set(self.group.members) if self.group is not None else set()
        self.candidates.clear()
        for account, name in people:
            if account not in members:
                self.candidates.addItem(account_label(account, name), account)
        if self.candidates.count() == 0:
            self.error_line.show_text(tr("Everyone you follow is in this group already."))
            return
        self.adding.show()
        self.candidates.setFocus()

    def add_chosen(self) -> None:
        account = self.candidates.currentData()
        if self.group is None or account is None:
            return
        self.adding.hide()
        self._track(self.ctx.call(self.ctx.node.groups.add_member, self.group.id, account,
                                  on_result=self._done, on_error=self.error_line.show_error))

    # --- removing and leaving -----

    def remove_selected(self) -> None:
        chosen = self.members.currentItem()
        if self.group is None or chosen is None:
            return
        account = chosen.data(Qt.ItemDataRole.UserRole)
        name = dict(zip(self.group.members, self.group.names, strict=False)).get(account)
        who = display_name(name, account)
        if not self.confirm(tr("Remove from the group"), tr(
                "Remove {0} from {1}? They will not read what is written after this.")
                .format(who, self.group.name)):
            return
        self._track(self.ctx.call(self.ctx.node.groups.remove_member, self.group.id, account,
                                  on_result=self._done, on_error=self.error_line.show_error))

    def leave(self) -> None:
        if self.group is None:
            return
        if self.community:
            asked = self.confirm(tr("Leave the community"), tr(
                "Leave {0}? You will not read what is written after this, unless you "
                "join again.").format(self.group.name))
        else:
            asked = self.confirm(tr("Leave the group"), tr(
                "Leave {0}? You will not read what is written after this, unless you "
                "are added again.").format(self.group.name))
        if not asked:
            return
        self._track(self.ctx.call(self.ctx.node.groups.leave, self.group.id,
                                  on_result=self._done, on_error=self.error_line.show_error))


def account_label(account: bytes, name: str | None) -> str:
    """A name with the start of the account id, to tell two Bobs apart."""
    return f"{display_name(name, account)}  ·  {ids.account_text(account)[:12]}…"
