"""A person's page: who they are (avatar, name, account id, bio, counts), what you do
about them (follow, block), and their posts.

The header is read from the node (``profile`` and ``relation``) and read again when
something about this account changes: their own profile, posts, follows or devices,
and our own follows and blocks (events through ``follow_events``; a burst of them is
one read). Follow, unfollow, block and unblock are the node's; the buttons show what
the node says afterwards, not what they assume. A block asks first, because it hides
the person everywhere and stops carrying their entries.

Someone who follows you can be approved for your followers-only posts (``Node.
approve_follower``; the button reflects ``circle_members``); revoking asks first.

The local account's own page has no follow or block: it has *Edit profile*, which
emits ``edit_profile_requested`` (the settings page does the editing).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids, muting
from ..events import (
    Event,
    FollowsChanged,
    ForkFound,
    Lagged,
    MutesChanged,
    PostAdded,
    PostChanged,
    ProfileChanged,
)
from ..store.views import ProfileView, Relation
from .avatar import Avatar, display_name
from .context import tr
from .icons import icon
from .loop import one_line
from .post_actions import PostList
from .post_events import follow_events
from .timeline import account_posts_model
from .widgets import heading_font, plural

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

AVATAR_SIDE = 80


def header_events(account: bytes, event: Event) -> bool:
    """Whether ``event`` may change the header of ``account``'s page: their profile,
    devices, posts and follows (its counts), a fork of theirs, our own follows and
    blocks (our relation to them), or lost events (``Lagged``)."""
    if isinstance(event, FollowsChanged):
        return event.own or (event.account == account and not event.blocks)
    if isinstance(event, MutesChanged):  # our relation: muted or not
        return True
    if isinstance(event, (ProfileChanged, PostAdded, PostChanged, ForkFound)):
        return event.account == account
    return isinstance(event, Lagged)


def counts_line(profile: ProfileView) -> str:
    return " · ".join((plural(tr("%n post(s)", None, profile.posts), profile.posts),
                       tr("%n following", None, profile.following),
                       plural(tr("%n follower(s)", None, profile.followers),
                              profile.followers),
                       plural(tr("%n device(s)", None, profile.devices), profile.devices)))


class ProfileHeader(QWidget):
    """Avatar, name, account id with Copy, bio, counts, and the action buttons."""

    def __init__(self, ctx: AppContext, account: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.avatar = Avatar(ctx, AVATAR_SIDE, self)
        self.name = QLabel(self)
        base = self.name.font()
        self.name.setFont(heading_font(base, base.pointSizeF() * 1.4))
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.follows_you = QLabel(tr("Follows you"), self)
        self.follows_you.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.follows_you.hide()
        self.account_id = QLabel(ids.account_text(account), self)
        self.account_id.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.account_id.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.account_id.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.account_id.setAccessibleName(tr("Account id"))
        self.account_id.setWordWrap(True)
        self.copy = QPushButton(tr("Copy"), self)
        self.copy.setAccessibleName(tr("Copy the account id"))
        self.copy.setToolTip(tr("Copy the account id, to mention or find this person"))
        self.copy.clicked.connect(self._copy)
        self.bio = QLabel(self)
        self.bio.setWordWrap(True)
        self.bio.setTextFormat(Qt.TextFormat.PlainText)
        self.bio.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = QLabel(self)
        self.counts.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.forked = QLabel(tr(
            "One of this person's devices published two different versions of its "
            "history. p2psocial keeps what it wrote before that and accepts nothing newer "
            "from that device; their other devices are not affected."), self)
        self.forked.setWordWrap(True)
        self.forked.hide()
        self.buttons = QHBoxLayout()
        self.buttons.setContentsMargins(0, 0, 0, 0)

        name_row = QHBoxLayout()
        name_row.addWidget(self.name)
        name_row.addWidget(self.follows_you)
        name_row.addStretch(1)
        id_row = QHBoxLayout()
        id_row.addWidget(self.account_id, 1)
        id_row.addWidget(self.copy)
        column = QVBoxLayout()
        column.addLayout(name_row)
        column.addLayout(id_row)
        column.addWidget(self.bio)
        column.addWidget(self.counts)
        column.addWidget(self.forked)
        column.addLayout(self.buttons)
        row = QHBoxLayout(self)
        row.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(column, 1)
        self._account = account
        self.show_profile(ProfileView(account, None, "", None, 0, 0, 0, 0))

    def show_profile(self, profile: ProfileView) -> None:
        who = display_name(profile.name, profile.account)
        self.name.setText(who)
        self.name.setAccessibleName(tr("Name: {0}").format(who))
        self.avatar.set_person(profile.account, profile.name, profile.avatar)
        self.bio.setText(profile.bio)
        self.bio.setVisible(bool(profile.bio))
        self.counts.setText(counts_line(profile))
        self.forked.setVisible(profile.forked > 0)

    def show_relation(self, relation: Relation) -> None:
        self.follows_you.setVisible(relation.followed_by)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.account_id.text())
        self._ctx.message.emit(tr("Account id copied"))


class ProfilePage(QWidget):
    """Somebody's page, or your own (``account == ctx.me``); see the module docstring."""

    edit_profile_requested = Signal()

    def __init__(self, ctx: AppContext, account: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.account = account
        self.own = account == ctx.me
        self.profile: ProfileView | None = None
        self.relation: Relation | None = None
        self.header = ProfileHeader(ctx, account, self)
        self.follow = QPushButton(tr("Follow"), self)
        self.block = QPushButton(tr("Block"), self)
        self.mute = QPushButton(tr("Mute"), self)  # local: node/mutes.py
        self.mute.setToolTip(tr("Hide their posts from your timelines and notifications, "
                                "on this device only: they are not told"))
        self.block_private = QPushButton(tr("Block privately"), self)
        self.privately_blocked = False
        self.approve = QPushButton(icon("people"), tr("Approve for followers-only posts"), self)
        self.approved = False
        self.approve.hide()  # until we know they follow us, or are approved
        self.edit = QPushButton(icon("settings"), tr("Edit profile"), self)
        self.message = QPushButton(icon("messages"), tr("Message"), self)
        self.message.setAccessibleName(tr("Write a private message"))
        self.message.clicked.connect(lambda: ctx.write_to.emit(account))
        if self.own:
            self.message.hide()
            self.edit.clicked.connect(self.edit_profile_requested.emit)
            self.header.buttons.addWidget(self.edit)
            self.follow.hide()
            self.block.hide()
            self.mute.hide()
            self.block_private.hide()
        else:
            self.follow.clicked.connect(self._toggle_follow)
            self.block.clicked.connect(self._toggle_block)
            self.header.buttons.addWidget(self.follow)
            self.header.buttons.addWidget(self.message)
            self.approve.clicked.connect(self._toggle_approve)
            self.header.buttons.addWidget(self.approve)
            self.header.buttons.addWidget(self.mute)
            self.header.buttons.addWidget(self.block)
            self.mute.clicked.connect(self._toggle_mute)
            self.block_private.clicked.connect(self._toggle_private_block)
            self.header.buttons.addWidget(self.block_private)
            self.edit.hide()
            self.follow.setEnabled(False)  # until the relation is known
            self.block.setEnabled(False)
            self.mute.setEnabled(False)
            self.block_private.setEnabled(False)
        self.header.buttons.addStretch(1)
        self.posts = PostList(ctx, tr("No posts yet"), self)
        self.posts.view.setAccessibleName(tr("Posts of {0}").format(
            display_name(None, account)))
        self.posts.set_model(account_posts_model(ctx.host, ctx.node, account))
        self.confirm_block: QMessageBox | None = None
        self.confirm_revoke: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.posts, 1)
        self._read_call: Call | None = None
        self._stale = False
        self._follow_call = ctx.call(follow_events, ctx.node, self._on_events,
                                     on_error=lambda exc: ctx.message.emit(one_line(exc)))
        self.refresh()

    # --- the header -------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the profile and our relation to it again (one read at a time)."""
        self._stale = True
        if self._read_call is not None:
            return
        self._stale = False
        self._read_call = self._ctx.call(self._read, on_result=self._on_read,
                                         on_error=self._on_read_failed)

    async def _read(self) -> tuple[ProfileView, Relation | None, bool, bool]:
        node = self._ctx.node
        profile = await node.feeds.profile(self.account)
        if self.own:
            return profile, None, False, False
        return (profile, await node.feeds.relation(self.account),
                self.account in await node.circles.members(),
                await self._ctx.backend.privately_blocked(self.account))

    def _on_read(self, result: tuple[ProfileView, Relation | None, bool, bool]) -> None:
        self._read_call = None
        self.profile, self.relation, self.approved, self.privately_blocked = result
        self.header.show_profile(self.profile)
        self.posts.view.setAccessibleName(tr("Posts of {0}").format(
            display_name(self.profile.name, self.account)))
        if self.relation is not None:
            self.header.show_relation(self.relation)
            self._show_buttons(self.relation)
        if self._stale:
            self.refresh()

    def _on_read_failed(self, exc: Exception) -> None:
        self._read_call = None
        self._ctx.message.emit(one_line(exc))

    def _show_buttons(self, relation: Relation) -> None:
        name = display_name(self.profile.name if self.profile else None, self.account)
        self.follow.setText(tr("Unfollow") if relation.following else tr("Follow"))
        self.follow.setAccessibleName((tr("Unfollow {0}") if relation.following
                                       else tr("Follow {0}")).format(name))
        self.block.setText(tr("Unblock") if relation.blocked else tr("Block"))
        self.block.setAccessibleName((tr("Unblock {0}") if relation.blocked
                                      else tr("Block {0}")).format(name))
        self.follow.setEnabled(not relation.blocked and not self.privately_blocked)
        self.block.setEnabled(True)
        self.mute.setText(tr("Unmute") if relation.muted else tr("Mute"))
        self.mute.setAccessibleName((tr("Unmute {0}") if relation.muted
                                     else tr("Mute {0}")).format(name))
        self.mute.setEnabled(True)
        private = self.privately_blocked  # a private block shows only its own Unblock
        self.block.setVisible(not private)
        self.block_private.setVisible(not relation.blocked)
        self.block_private.setText(tr("Unblock") if private else tr("Block privately"))
        self.block_private.setAccessibleName((tr("Unblock {0}") if private
                                              else tr("Block {0} privately")).format(name))
        self.block_private.setEnabled(True)
        self.approve.setText(tr("Revoke") if self.approved
                             else tr("Approve for followers-only posts"))
        self.approve.setAccessibleName(
            (tr("Revoke {0}'s access to your followers-only posts") if self.approved
             else tr("Approve {0} for your followers-only posts")).format(name))
        self.approve.setToolTip(
            tr("{0} reads your followers-only posts; revoking stops that from now on")
            .format(name) if self.approved else
            tr("Let {0} read the followers-only posts you write from now on").format(name))
        self.approve.setVisible(self.approved or relation.followed_by)
        self.approve.setEnabled(not relation.blocked or self.approved)

    def _on_events(self, events: list[Any]) -> None:
        """From the follower task (inside Trio's step): note, and schedule a read."""
        if any(header_events(self.account, event) for event in events):
            QTimer.singleShot(0, self, self.refresh)

    # --- actions ------------------------------------------------------------------------

    def _act(self, fn: Any) -> None:
        """Run a follow/block action of the node; the buttons wait for its answer."""
        self.follow.setEnabled(False)
        self.block.setEnabled(False)
        self.mute.setEnabled(False)
        self.block_private.setEnabled(False)
        self.approve.setEnabled(False)
        self._ctx.call(fn, self.account, on_result=lambda _entry: self.refresh(),
                       on_error=self._on_action_failed)

    def _on_action_failed(self, exc: Exception) -> None:
        self._ctx.message.emit(one_line(exc))
        self.refresh()

    def _toggle_follow(self) -> None:
        if self.relation is None:
            return
        node = self._ctx.node
        self._act(node.posts.unfollow if self.relation.following else node.posts.follow)

    def _toggle_mute(self) -> None:
        if self.relation is not None:
            backend = self._ctx.backend
            self._act(functools.partial(backend.unmute if self.relation.muted
                                        else backend.mute, muting.ACCOUNT))

    def _toggle_block(self) -> None:
        if self.relation is None:
            return
        if self.relation.blocked:
            self._act(self._ctx.node.posts.unblock)
            return
        name = display_name(self.profile.name if self.profile else None, self.account)
        box = QMessageBox(QMessageBox.Icon.Question, tr("Block {0}?").format(name),
                          tr("Block {0}? You will no longer see their posts, replies or "
                             "notifications, and this home stops carrying their entries. "
                             "You can unblock them later.").format(name),
                          QMessageBox.StandardButton.Cancel, self)
        box.addButton(tr("Block"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._confirmed(box.buttonRole(button)))
        self.confirm_block = box
        box.open()

    def _confirmed(self, role: QMessageBox.ButtonRole, block: Any = None) -> None:
        self.confirm_block = None
        if role == QMessageBox.ButtonRole.DestructiveRole:
            self._act(block or self._ctx.node.posts.block)

    def _toggle_private_block(self) -> None:
        """A private block publishes nothing (node/blocklists.py); it asks first too."""
        if self.privately_blocked:
            self._act(self._ctx.backend.unblock_any)
            return
        name = display_name(self.profile.name if self.profile else None, self.account)
        box = QMessageBox(QMessageBox.Icon.Question, tr("Block {0}?").format(name),
                          tr("Block {0} privately? Nothing is published: this home stops "
                             "keeping and carrying their entries, and what it holds of "
                             "them is removed. You can unblock them later.").format(name),
                          QMessageBox.StandardButton.Cancel, self)
        box.addButton(tr("Block privately"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._confirmed(
            box.buttonRole(button), self._ctx.backend.block_privately))
        self.confirm_block = box
        box.open()

    def _toggle_approve(self) -> None:
        if self.relation is None:
            return
        if not self.approved:
            self._act(self._ctx.node.circles.approve)
            return
        name = display_name(self.profile.name if self.profile else None, self.account)
        box = QMessageBox(QMessageBox.Icon.Question, tr("Revoke {0}?").format(name),
                          tr("Revoke {0}? They will not be able to read the followers-only "
                             "posts you write from now on. What they have read stays with "
                             "them.").format(name),
                          QMessageBox.StandardButton.Cancel, self)
        box.addButton(tr("Revoke"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._revoke_confirmed(box.buttonRole(button)))
        self.confirm_revoke = box
        box.open()

    def _revoke_confirmed(self, role: QMessageBox.ButtonRole) -> None:
        self.confirm_revoke = None
        if role == QMessageBox.ButtonRole.DestructiveRole:
            self._act(self._ctx.node.circles.revoke)

    # --- life cycle -----------------------------------------------------------------------

    def activated(self) -> None:
        self.refresh()

    def stop(self) -> None:
        self._follow_call.cancel()
        if self._read_call is not None:
            self._read_call.cancel()
            self._read_call = None
        self.posts.stop()
