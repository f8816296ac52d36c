"""The item roles of a list of posts (``Roles``), and what each gives for a post: the
adapter between the node's ``PostView`` and Qt's item data (post_model.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from .. import ids
from ..store.views import PostView
from .post_words import author_name, reacted


class Roles:
    """The model's item roles (``Qt.UserRole`` and up); ``roleNames`` gives their names."""

    Post = Qt.ItemDataRole.UserRole + 1  # the whole PostView
    Id = Qt.ItemDataRole.UserRole + 2  # entry id as text (ent1…)
    AuthorName = Qt.ItemDataRole.UserRole + 3  # the profile name, or a short account id
    Account = Qt.ItemDataRole.UserRole + 4  # the author's account id as text (p2ps1…)
    Time = Qt.ItemDataRole.UserRole + 5  # ms since the epoch
    Text = Qt.ItemDataRole.UserRole + 6
    ContentWarning = Qt.ItemDataRole.UserRole + 7  # str, or None
    ReplyCount = Qt.ItemDataRole.UserRole + 8
    Reactions = Qt.ItemDataRole.UserRole + 9  # list of (emoji, count)
    Images = Qt.ItemDataRole.UserRole + 10  # the attachments (blob hash, size, alt…)
    Tags = Qt.ItemDataRole.UserRole + 11
    Mentions = Qt.ItemDataRole.UserRole + 12  # account ids as text
    ReplyTo = Qt.ItemDataRole.UserRole + 13  # parent entry id as text, or None
    Edited = Qt.ItemDataRole.UserRole + 14
    Deleted = Qt.ItemDataRole.UserRole + 15
    Expanded = Qt.ItemDataRole.UserRole + 16  # a content warning opened (settable)
    Revision = Qt.ItemDataRole.UserRole + 17  # changes whenever the row's look changes
    Avatar = Qt.ItemDataRole.UserRole + 18  # the author's avatar blob hash, or None
    MentionNames = Qt.ItemDataRole.UserRole + 19  # {account bytes: name} of those known
    Reacted = Qt.ItemDataRole.UserRole + 20  # the emojis the local user has on it


ROLE_NAMES = {Roles.Post: b"post", Roles.Id: b"entryId", Roles.AuthorName: b"authorName",
               Roles.Account: b"account", Roles.Time: b"time", Roles.Text: b"text",
               Roles.ContentWarning: b"contentWarning", Roles.ReplyCount: b"replyCount",
               Roles.Reactions: b"reactions", Roles.Images: b"images", Roles.Tags: b"tags",
               Roles.Mentions: b"mentions", Roles.ReplyTo: b"replyTo",
               Roles.Edited: b"edited", Roles.Deleted: b"deleted",
               Roles.Expanded: b"expanded", Roles.Revision: b"revision",
               Roles.Avatar: b"avatar", Roles.MentionNames: b"mentionNames",
               Roles.Reacted: b"reacted"}


SPOKEN = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)  # ``spoken``
_VALUES: dict[int, Callable[[PostView], Any]] = {
    Roles.Post: lambda p: p,
    Roles.Id: lambda p: ids.entry_text(p.id),
    Roles.AuthorName: author_name,
    Roles.Account: lambda p: ids.account_text(p.author),
    Roles.Time: lambda p: p.ts,
    Roles.Text: lambda p: p.text,
    Roles.ContentWarning: lambda p: p.content_warning,
    Roles.ReplyCount: lambda p: p.reply_count,
    Roles.Reactions: lambda p: list(p.reactions),
    Roles.Images: lambda p: list(p.attachments),
    Roles.Tags: lambda p: list(p.tags),
    Roles.Mentions: lambda p: [ids.account_text(m) for m in p.mentions],
    Roles.ReplyTo: lambda p: (ids.entry_text(p.reply_parent)
                              if p.reply_parent is not None else None),
    Roles.Edited: lambda p: p.edited,
    Roles.Deleted: lambda p: p.deleted,
    Roles.Reacted: reacted,
}


def role_value(post: PostView, role: int) -> Any:
    """What ``role`` gives for ``post`` alone (the roles that need the list's state,
    revision, expanded, avatar, names and the spoken sentence, are the model's)."""
    fn = _VALUES.get(role)
    return fn(post) if fn is not None else None
