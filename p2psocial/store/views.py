"""What queries return: plain frozen values, independent of SQL and of the wire."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..content import Attachment
from ..entry import Entry
from ..errors import InvalidEntry
from ..forks import Fork
from ..timestamps import clock_ahead


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position in a newest-first list: items strictly older than this."""

    ts: int
    rowid: int

    def to_text(self) -> str:
        return f"{self.ts}.{self.rowid}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor ``to_text`` wrote, or None for any other text: ASCII digits only
        (``str.isdigit`` takes '²'), each part below 2**63 (SQLite's integers)."""
        found = _CURSOR_TEXT.fullmatch(text)
        if found is None:
            return None
        ts, rowid = int(found[1]), int(found[2])
        return cls(ts, rowid) if ts < 2**63 and rowid < 2**63 else None

    @classmethod
    def from_text(cls, text: str) -> Cursor:
        cursor = cls.parse(text)
        if cursor is None:
            raise ValueError(f"not a cursor: {text[:40]!r}")
        return cursor


_CURSOR_TEXT = re.compile(r"([0-9]{1,19})\.([0-9]{1,19})")


class Placed:
    """A post or message in time: ``ts`` is where it is placed in lists (never after
    it arrived here), ``signed_ts`` what its author's clock said (p2psocial/timestamps.py).
    """

    __slots__ = ()
    ts: int
    signed_ts: int | None

    @property
    def clock_ahead(self) -> bool:
        """Signed well past where it is placed: its author's clock is ahead."""
        return self.signed_ts is not None and clock_ahead(self.signed_ts, self.ts)


@dataclass(frozen=True, slots=True)
class PostView(Placed):
    id: bytes
    author: bytes
    author_name: str | None
    ts: int  # where it is placed (see Placed)
    text: str
    content_warning: str | None
    tags: tuple[str, ...]
    mentions: tuple[bytes, ...]
    attachments: tuple[Attachment, ...]
    reply_parent: bytes | None
    thread_root: bytes
    reply_count: int
    reactions: tuple[tuple[str, int], ...]
    edited: bool
    deleted: bool
    cursor: Cursor
    reacted: tuple[str, ...] = ()  # the emojis the local account has active on it
    audience: str = "public"  # "circle": a followers-only post (store/circles.py)
    signed_ts: int | None = None  # the author's timestamp; None: the same as ts
    reply_author: bytes | None = None  # who wrote reply_parent, when this home holds it
    # word filters and mutes (store/mutes.py): the phrase of a filter that collapses it
    # (a warn filter; in a thread, a hide filter too), and, in a thread, whether it is
    # by a muted account or holds a muted #tag (a collapsed row keeps the tree whole)
    filtered: str | None = None
    muted: bool = False
    dropped: bool = False  # its body went to keep within the storage budget (store/storage.py)


@dataclass(frozen=True, slots=True)
class GroupState:
    """A group's newest epoch as this home holds it: what a new post, key or member
    change starts from (store/inbox.py ``group_state``)."""

    admin: bytes  # the account that created it (a circle's: its owner)
    name: str
    epoch: int
    key: bytes  # that epoch's key
    salt: bytes  # private.CIRCLE_SALT for a circle
    member: bool  # whether this account is still a member
    members: tuple[bytes, ...]  # that epoch's members, in account order


@dataclass(frozen=True, slots=True)
class Page:
    items: list[PostView]
    next: Cursor | None  # pass as ``before`` to get the following page; None at the end


@dataclass(frozen=True, slots=True)
class ProfileView:
    account: bytes
    name: str | None
    bio: str
    avatar: bytes | None
    following: int
    followers: int
    posts: int
    devices: int
    forked: int = 0  # devices whose log forked (forks.py): frozen below the fork


@dataclass(frozen=True, slots=True)
class IngestResult:
    added: list[Entry] = field(default_factory=list)  # newly stored, in log order
    skipped: int = 0  # already held (the same entry twice is one row)
    missing: dict[bytes, int] = field(default_factory=dict)  # device -> first seq we lack
    notified: int = 0  # notifications of the local account this batch created
    forks: list[Fork] = field(default_factory=list)  # forks this batch proved (stored)
    frozen: int = 0  # entries past a fork or a revocation (store/revocations.py): not stored
    rejected: dict[bytes, InvalidEntry] = field(default_factory=dict)
    # device -> why its run failed verification (not stored; the other logs were):
    # the fault of whoever sent it, unlike a fork, which is its author's
    targets: dict[bytes, bytes] = field(default_factory=dict)
    # entry id -> the entry its body names, as ingest decoded it: a reply's parent, the
    # target of a reaction, an edit or a delete (for the node's events: changes.py)
    erased: dict[bytes, Erased] = field(default_factory=dict)
    # a delete's entry id -> what it erased, when that was held here
    revocations: list[Any] = field(default_factory=list)
    refused: int = 0  # entries of accounts this home refuses (store/refusals.py): not
    # stored, and nobody's fault (the carrier may not know our blocks)
    # store/revocations.py ``Applied``: each revocation this batch applied that
    # shortened something (account, wire, and where each device's log now ends)


class Erased(NamedTuple):
    """What a delete of a batch erased (an entry held here), for the node's events."""

    kind: int  # the kind of the deleted entry
    post: bytes | None  # the post whose view changed: a reaction's target, or the post
    parent: bytes | None  # a deleted reply: the post it answered (one reply fewer)


@dataclass(frozen=True, slots=True)
class ForkView:
    """A forked log as people see it: whose device, and where its history split."""

    device: bytes
    account: bytes
    seq: int  # the log is kept below this; nothing at or after it is accepted
    name: str | None  # the account's profile name, if known


@dataclass(frozen=True, slots=True)
class Problem:
    """Damage found by ``Store.verify``."""

    device: bytes
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class NotificationView:
    """Something another account did to the local one, newest first in a page."""

    kind: str  # "mention" | "reply" | "reaction" | "follow"
    actor: bytes
    actor_name: str | None
    ts: int
    post: PostView | None  # the mention or reply, or the post reacted to
    emoji: str | None  # a reaction's
    unread: bool  # stored after the last Store.mark_notifications_read
    cursor: Cursor


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[NotificationView]
    next: Cursor | None  # pass as ``before`` to get the following page; None at the end


@dataclass(frozen=True, slots=True)
class RefusalView:
    """An account a block or a subscribed blocklist names (store/refusals.py): ``why``
    ("block", "private", "list:<owner hex>"); ``kept``: not refused after all
    ("exception", "following"), else None."""

    account: bytes
    why: tuple[str, ...]
    kept: str | None


@dataclass(frozen=True, slots=True)
class BlocklistsView:
    """Settings → Blocklists: the review (``RefusalView`` rows), the lists subscribed
    to, and the names of every account they mention (None: no profile held)."""

    refusals: list[RefusalView]
    subscriptions: list[bytes]
    names: dict[bytes, str | None]


@dataclass(frozen=True, slots=True)
class Relation:
    """The local account's view of another: what it shows on a profile's buttons."""

    following: bool  # the local account follows it
    followed_by: bool  # it follows the local account
    blocked: bool  # the local account blocked it
    muted: bool = False  # the local account muted it (store/mutes.py: never published)


# --- private conversations and groups (migration 4; store/inbox.py) ---------------------


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message that a private scan made readable (what ``MessageAdded`` reports)."""

    conversation: bytes  # a direct conversation's id, or a group's id
    entry_id: bytes
    author: bytes
    own: bool  # written by the local account (this device or another)


class OpenedPost(NamedTuple):
    """A followers-only post the scan opened into the timeline."""

    entry_id: bytes
    author: bytes  # account id
    ts: int
    parent: bytes | None = None  # the post it answers (a reply)


@dataclass(frozen=True, slots=True)
class PrivateScan:
    messages: list[NewMessage]  # newly readable, in arrival order
    scanned: int  # sealed entries looked at (opened or not)
    done: bool  # nothing sealed is left above the watermark
    posts: list[OpenedPost] = field(default_factory=list)  # circle posts newly readable
    joined: list[bytes] = field(default_factory=list)  # communities whose key is new here
    left: list[bytes] = field(default_factory=list)  # our groups a member left
    notified: int = 0  # notifications created (circle posts replying to us, mentioning us)
    reacted: list[tuple[bytes, bytes]] = field(default_factory=list)  # (conversation, target)
    account_keys: int = 0  # rotated keys of our account that opened (rescan after)
    moderated: list[bytes] = field(default_factory=list)  # communities with new acts
    roster_changed: list[bytes] = field(default_factory=list)  # removals changed there


@dataclass(frozen=True, slots=True)
class Delivery:
    """How far one of our direct messages is known to have travelled (store/holders.py;
    docs/network.md "Delivery states" says how each is learnt, and what it cannot say).

    ``recipients``: the accounts it is for (us left out); ``delivered_to``: those of
    them one of whose devices said, in a sync session with us, that it holds our log up
    to this message; ``carried``: a device of another account (not ours, not a
    recipient: a friend who carries our log) said so."""

    recipients: tuple[bytes, ...]
    delivered_to: tuple[bytes, ...] = ()
    carried: bool = False

    @property
    def state(self) -> str:
        """"delivered" (to every recipient), "partly_delivered" (to some, in a
        conversation of three or more), "carried" (by a friend, to no recipient yet),
        or "sent" (in our log, nobody else is known to hold it)."""
        if self.delivered_to:
            return ("delivered" if len(self.delivered_to) >= len(self.recipients)
                    else "partly_delivered")
        return "carried" if self.carried else "sent"


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A direct conversation, as the conversation list shows it.

    ``members`` are the other people (the local account left out), sorted, with their
    profile ``names`` in the same order (None: no profile seen yet)."""

    id: bytes
    members: tuple[bytes, ...]
    names: tuple[str | None, ...]
    last_text: str | None  # None: every message was deleted
    last_ts: int | None
    last_author: bytes | None
    unread: int  # messages by others stored after the read mark, at most 99
    last_delivery: Delivery | None = None  # the last message's, when it is ours


@dataclass(frozen=True, slots=True)
class MessageView(Placed):
    id: bytes  # the entry id; what ``reply_to`` names
    conversation: bytes
    author: bytes
    author_name: str | None
    ts: int  # where it is placed (see Placed)
    text: str
    reply_to: bytes | None
    own: bool
    cursor: Cursor
    reactions: tuple[tuple[str, int, bool], ...] = ()  # (emoji, how many, one is ours)
    signed_ts: int | None = None  # the author's timestamp; None: the same as ts
    delivery: Delivery | None = None  # our own direct messages only (store/holders.py)
    attachments: tuple[FileView, ...] = ()  # pictures and files (issue 14, item 7)


@dataclass(frozen=True, slots=True)
class FileView:
    """A picture or file of a private entry, as the app shows it (its key stays in the
    store: ``Node.open_blob`` opens the sealed blob). ``blob`` is the hash of
    the sealed bytes, what the image cache and the network ask for."""

    blob: bytes
    mime: str
    size: int
    width: int
    height: int
    name: str
    alt: str

    @property
    def is_image(self) -> bool:
        return self.width > 0 and self.height > 0 and self.mime.startswith("image/")


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[MessageView]  # newest first
    next: Cursor | None  # pass as ``before`` to get the following page; None at the end


@dataclass(frozen=True, slots=True)
class GroupView:
    """A private group this account received a key for.

    ``members`` are those of the newest epoch known here, the local account included
    while it is one; ``member`` is False once it left or was removed (its old messages
    stay readable here). ``community``: an open LAN community, whose ``members`` are
    its roster (store/communities.py) and ``admin`` its creator, with no say."""

    id: bytes
    name: str
    admin: bytes
    epoch: int
    member: bool
    members: tuple[bytes, ...]
    names: tuple[str | None, ...]
    last_text: str | None
    last_ts: int | None
    last_author: bytes | None
    unread: int
    community: bool = False


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One device of an account, as this home knows it (store/devices.py)."""

    device: bytes
    name: str  # '' when no link entry names it
    linked: int  # ms: when its certificate was made
    last_seen: int | None  # ms
    entries: int  # entries of its log held here
    revoked: bool
    last_valid: int | None  # its last valid sequence number, when revoked
    issuer: bytes | None  # the device that certified it; None: the root key did


@dataclass(frozen=True, slots=True)
class MuteRow:
    """One mute of this home (store/mutes.py): local, never published."""

    kind: str  # "account" | "tag" | "thread" (muting.KINDS)
    target: bytes | str  # an account id, a tag (lower case, no '#'), a root post id
    created: int  # ms
    name: str | None = None  # a muted account's profile name, when known
    text: str | None = None  # a muted thread's first post, when held


@dataclass(frozen=True, slots=True)
class FilterRow:
    """One word filter of this home: posts holding ``phrase`` are hidden ("hide") or
    collapsed behind it ("warn")."""

    phrase: str
    action: str  # "hide" | "warn" (muting.ACTIONS)
    created: int  # ms
