"""Moderating a community in the window (issue 17; node/moderation.py decides).

``ModerationBar`` sits above a community's messages. To its moderators it says so,
with the reports members sealed to them: a list, and for the report chosen "Hide the
post" and "Remove the account". To its creator it offers "Moderators": make a member
a moderator, or dismiss one. To anyone removed from the community it says that.
``add_actions`` fills a message's menu: "Report…" (the post) and "Report NAME…" for
every member, "Hide" and
"Remove … from the community" for moderators (on others' messages). ``changed`` says
that what the community shows changed (an act here, or one that arrived), so the
conversation reads its messages again.

``ask_reason(title)`` asks why (a dialog); tests replace it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from .avatar import display_name
from .context import tr
from .widgets import MessageLine

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call


def report_text(report: Any) -> str:
    """One report, as the list shows it."""
    who = display_name(report.author_name, report.author)
    if report.is_post:
        what = tr("a post by {0}").format(display_name(report.target_author_name,
                                                       report.target_author)) \
            if report.target_author else tr("a post")
    else:
        what = tr("the account {0}").format(ids.account_text(report.target)[:16] + "…")
    text = tr("{0} reported {1}: {2}").format(who, what, report.reason)
    if report.target_text:
        text += "\n" + tr("Post: {0}").format(report.target_text[:200])
    return text


class ModerationBar(QWidget):
    """What a moderator (or someone removed) of the community shown should know."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.community: bytes | None = None
        self.group: Any = None  # GroupView: the roster and its names
        self.view: Any = None  # ModerationView
        self.reports: list[Any] = []
        self.ask_reason: Callable[[str], str | None] = self._ask_reason
        self._calls: list[Call] = []
        self.status = QLabel()
        self.status.setObjectName("moderation_status")
        self.status.setWordWrap(True)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.reports_button = QToolButton()
        self.reports_button.setObjectName("community_reports_button")
        self.reports_button.setCheckable(True)
        self.reports_button.toggled.connect(self._show_reports)
        self.list = QListWidget()
        self.list.setObjectName("community_reports")
        self.list.setAccessibleName(tr("Reports"))
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(180)
        self.list.currentRowChanged.connect(lambda _row: self._update())
        self.hide_button = QPushButton(tr("Hide the post"))
        self.hide_button.setObjectName("report_hide")
        self.hide_button.clicked.connect(self.hide_reported)
        self.remove_button = QPushButton(tr("Remove the account"))
        self.remove_button.setObjectName("report_remove")
        self.remove_button.clicked.connect(self.remove_reported)
        self.error_line = MessageLine("moderation_error")
        self.moderators_button = QToolButton()
        self.moderators_button.setObjectName("community_moderators_button")
        self.moderators_button.setText(tr("Moderators"))
        self.moderators_button.setCheckable(True)
        self.staff = QWidget()
        self.moderators_button.toggled.connect(self.staff.setVisible)
        self.candidates = QComboBox()
        self.candidates.setObjectName("moderator_candidates")
        self.candidates.setAccessibleName(tr("Member to make a moderator"))
        self.appoint_button = QPushButton(tr("Make moderator"))
        self.appoint_button.setObjectName("moderator_add")
        self.appoint_button.clicked.connect(self.appoint_chosen)
        self.moderators = QComboBox()
        self.moderators.setObjectName("moderator_list")
        self.moderators.setAccessibleName(tr("Moderator to dismiss"))
        self.dismiss_button = QPushButton(tr("Dismiss"))
        self.dismiss_button.setObjectName("moderator_remove")
        self.dismiss_button.clicked.connect(self.dismiss_chosen)
        staff = QHBoxLayout(self.staff)
        staff.setContentsMargins(0, 0, 0, 0)
        for widget in (self.candidates, self.appoint_button, self.moderators,
                       self.dismiss_button):
            staff.addWidget(widget)
        staff.addStretch(1)
        self.staff.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.status, 1)
        top.addWidget(self.moderators_button)
        top.addWidget(self.reports_button)
        self.panel = QWidget()
        buttons = QHBoxLayout()
        buttons.addWidget(self.hide_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.list)
        panel.addLayout(buttons)
        self.panel.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.staff)
        column.addWidget(self.panel)
        column.addWidget(self.error_line)
        self.hide()

    # --- what is shown ----------------------------------------------------------------

    def set_group(self, group: Any) -> None:
        """The group shown (a GroupView; None or a private group: nothing to moderate)."""
        self.group = group if group is not None and group.community else None
        self.set_community(None if self.group is None else self.group.id)

    def set_community(self, community: bytes | None) -> None:
        """The community shown (None: a conversation or a private group): read its
        moderation again."""
        if community != self.community:
            self.view, self.reports = None, []
            self.reports_button.setChecked(False)
            self.moderators_button.setChecked(False)
            self.error_line.clear()
        self.community = community
        if community is None:
            self.hide()
            return
        self._call(self.ctx.backend.moderation, community,
                   on_result=functools.partial(self._view_came, community))

    def _view_came(self, community: bytes, view: Any) -> None:
        if community != self.community:
            return
        before, self.view = self.view, view
        if before is not None and (before.removed, before.hidden) != (view.removed,
                                                                      view.hidden):
            self.changed.emit()
        if view.is_moderator:
            self._call(self.ctx.backend.community_reports, community,
                       on_result=functools.partial(self._reports_came, community))
        self._update()

    def _reports_came(self, community: bytes, found: list[Any]) -> None:
        if community != self.community:
            return
        self.reports = found
        self.list.clear()
        for report in found:
            item = QListWidgetItem(report_text(report))
            item.setData(Qt.ItemDataRole.UserRole, report)
            self.list.addItem(item)
        self._update()

    def _update(self) -> None:
        view = self.view
        if view is None or not (view.is_moderator or view.removed_me):
            self.hide()
            return
        self.show()
        if view.removed_me:
            self.status.setText(tr("The moderators removed you from this community: its "
                                   "members no longer carry what you write here."))
        else:
            self.status.setText(tr("You moderate this community."))
        self.reports_button.setVisible(view.is_moderator)
        self.reports_button.setText(tr("Reports ({0})").format(len(self.reports)))
        creator = view.creator == self.ctx.me
        self.moderators_button.setVisible(creator)
        if creator:
            self._fill_staff(view)
        report = self.chosen()
        self.hide_button.setEnabled(report is not None and report.is_post)
        self.remove_button.setEnabled(report is not None and self._removable(
            report.target_author if report.is_post else report.target))

    def _fill_staff(self, view: Any) -> None:
        """The creator's choices: members to name, moderators to dismiss."""
        names = dict(zip(self.group.members, self.group.names, strict=True)) \
            if self.group is not None else {}
        for box, accounts in (
                (self.candidates, [a for a in names if a not in view.moderators
                                   and a not in view.removed]),
                (self.moderators, [m for m in view.moderators if m != view.creator])):
            box.clear()
            for account in accounts:
                box.addItem(display_name(names.get(account), account), account)
        self.appoint_button.setEnabled(self.candidates.count() > 0)
        self.dismiss_button.setEnabled(self.moderators.count() > 0)

    def appoint_chosen(self) -> None:
        account = self.candidates.currentData()
        if self.community is not None and account is not None:
            self._act(self.ctx.backend.appoint_moderator, self.community, account)

    def dismiss_chosen(self) -> None:
        account = self.moderators.currentData()
        if self.community is not None and account is not None:
            self._act(self.ctx.backend.dismiss_moderator, self.community, account)

    def _show_reports(self, on: bool) -> None:
        self.panel.setVisible(on)

    def chosen(self) -> Any:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _removable(self, account: bytes | None) -> bool:
        view = self.view
        return (account is not None and view is not None and view.is_moderator
                and account not in view.moderators and account not in view.removed
                and account != self.ctx.me)

    # --- acts -------------------------------------------------------------------------

    def hide_reported(self) -> None:
        report = self.chosen()
        if report is not None and report.is_post:
            self.hide_post(report.target)

    def remove_reported(self) -> None:
        report = self.chosen()
        if report is not None:
            self.remove(report.target_author if report.is_post else report.target)

    def hide_post(self, post: bytes) -> None:
        if self.community is not None:
            self._act(self.ctx.backend.hide_post, self.community, post)

    def remove(self, account: bytes | None) -> None:
        if self.community is not None and account is not None:
            self._act(self.ctx.backend.remove_from_community, self.community, account)

    def report(self, target: bytes, is_post: bool) -> None:
        community = self.community
        if community is None:
            return
        reason = self.ask_reason(tr("Report to the moderators"))
        if reason is None or not reason.strip():
            return
        self.error_line.clear()
        self._call(self.ctx.backend.report, community, target, is_post, reason,
                   on_result=lambda n: self.error_line.show_text(
                       tr("Reported to {0} moderator(s): only they can read it.").format(n)))

    def _act(self, fn: Any, *args: Any) -> None:
        self.error_line.clear()
        self._call(fn, *args, on_result=lambda _none: self.set_community(self.community))

    def _call(self, fn: Any, *args: Any, on_result: Callable[[Any], None]) -> None:
        self._calls = [c for c in self._calls if not (c.finished or c.cancelled)]
        self._calls.append(self.ctx.call(fn, *args, on_result=on_result,
                                         on_error=self.error_line.show_error))

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls = []

    def _ask_reason(self, title: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, tr("Why? Only the moderators read it."))
        return text if ok else None

    # --- a message's menu ---------------------------------------------------------------

    def add_actions(self, menu: QMenu, item: Any) -> None:
        """Report (the message or its author), and for moderators Hide and Remove, in
        the menu of a community's message (not on our own)."""
        if self.community is None or self.view is None or item.own:
            return
        menu.addSeparator()
        name = display_name(item.author_name, item.author)
        menu.addAction(tr("Report…")).triggered.connect(
            lambda _checked=False: self.report(item.id, True))
        menu.addAction(tr("Report {0}…").format(name)).triggered.connect(
            lambda _checked=False: self.report(item.author, False))
        if self.view.is_moderator:
            menu.addAction(tr("Hide")).triggered.connect(
                lambda _checked=False: self.hide_post(item.id))
            if self._removable(item.author):
                menu.addAction(tr("Remove {0} from the community").format(name)).triggered \
                    .connect(lambda _checked=False: self.remove(item.author))
