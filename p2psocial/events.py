"""Change events the node publishes to the UI and the network.

Plain values, no I/O: the hub that hands them to subscribers is event_hub.py.
``EntryAdded`` is the low-level one (one per entry stored: what the network follows);
the domain events (``PostAdded``, ``PostChanged``, ``ReactionChanged``,
``ProfileChanged``, ``FollowsChanged``: changes.py derives them) say what changed in
the terms the UI shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .forks import Fork


class EntryAdded(NamedTuple):
    """An entry was stored, ours or a peer's. A NamedTuple, not a frozen dataclass: a
    sync burst emits one per entry stored, and it is about 5 times cheaper to build."""

    id: bytes
    device: bytes
    account: bytes
    seq: int
    kind: int
    timestamp: int
    own: bool


@dataclass(frozen=True, slots=True)
class Notified:
    """A stored batch created ``count`` notifications of the local account (mentions,
    replies, reactions, follows); it comes after that batch's ``EntryAdded`` events.
    The unread count to show is ``Node.feeds.unread_notifications``: blocked actors and
    notifications undone since are left out there, not here."""

    count: int


class MessageAdded(NamedTuple):
    """A private message (direct or in a group) became readable here: the private scan
    (Node.messages.scan) opened and stored it. ``conversation`` is a direct
    conversation's id or a group's id; ``own``: written by the local account."""

    conversation: bytes
    entry_id: bytes
    author: bytes
    own: bool


# --- domain events: what changed for the app, said in its terms -----------------------
#
# EntryAdded says "this log grew" (what the network needs); the UI wants to know what
# that means: a post to show, a row to read again, a name to refresh. ``changes.py``
# derives these from what ingest read while storing (no second decode); the private
# scan adds the followers-only posts it opens. One event per stored entry at most.
# ``own``: by the local account (any of its devices).


class PostAdded(NamedTuple):
    """A post became readable here, public or followers-only (the private scan opened
    it), ours or a peer's. ``parent``: the post it answers (a reply), else None."""

    id: bytes
    account: bytes
    timestamp: int
    own: bool
    parent: bytes | None


class PostChanged(NamedTuple):
    """``account`` edited or deleted ``post``. ``parent``: for a deleted reply, the post
    it answered, whose reply count went down."""

    post: bytes
    account: bytes
    parent: bytes | None = None


class ReactionChanged(NamedTuple):
    """``account`` reacted to ``post``, undid a reaction, or deleted one."""

    post: bytes
    account: bytes


class ProfileChanged(NamedTuple):
    """What ``Node.feeds.profile(account)`` shows may have changed: a profile entry (name,
    bio, avatar) or a new device of the account."""

    account: bytes


class FollowsChanged(NamedTuple):
    """``account`` followed or unfollowed someone (``blocks``: blocked or unblocked)."""

    account: bytes
    blocks: bool
    own: bool


@dataclass(frozen=True, slots=True)
class RefusalsChanged:
    """The accounts this home refuses changed by a local choice that publishes
    nothing (a private block, a blocklist subscription or exception: node/blocklists.py):
    the network reapplies what it replicates, the UI reloads what it shows."""

    refused: frozenset[bytes]  # newly refused (their held entries are gone)
    allowed: frozenset[bytes]  # no longer refused (fetched again by the next sync)


class MessageReacted(NamedTuple):
    """Reactions on a message of a group changed (the private scan opened a reaction
    or an undo): its row should be shown again."""

    conversation: bytes
    target: bytes


class RosterChanged(NamedTuple):
    """Accounts joined the roster of an open community the local account is in: the
    network replicates their logs from now on (node.replication.wanted_accounts)."""

    community: bytes


class ForkFound(NamedTuple):
    """A device of ``account`` signed two histories (forks.py): its log is frozen below
    ``seq`` from now on. ``proof`` is what peers are told, so that they stop too."""

    device: bytes
    account: bytes
    seq: int
    proof: Fork


class RevocationFound(NamedTuple):
    """A revocation of a device of ``account`` (identity.Revocation, as ``wire``: the
    bytes peers are sent) shortened what this home holds valid: sessions pass it on,
    ahead of entries (net/sync.py), to peers that replicate the account."""

    account: bytes
    wire: bytes
    ends: tuple[tuple[bytes, int], ...] = ()  # (device, its last valid seq) it shortened


class HeldByPeer(NamedTuple):
    """A peer ``device`` of ``account`` said, in a sync session, that it holds logs of
    the local account further than we knew: ``heads`` are (log device, seq). Delivery
    states of our direct messages may have changed (store/holders.py)."""

    device: bytes
    account: bytes
    heads: tuple[tuple[bytes, int], ...]


class BlobAdded(NamedTuple):
    """A blob (an image, an avatar) is stored here now that was not: fetched in the
    background (net/blob_fetcher.py) or for the image viewer. Whatever showed it as
    missing shows it now."""

    hash: bytes


class MutesChanged(NamedTuple):
    """The local account muted or unmuted something, or changed a word filter
    (node/mutes.py): the lists hide other posts now, so they load again."""


@dataclass(frozen=True, slots=True)
class Lagged:
    """Events were lost for this subscriber; re-read state and subscribe again."""


# Subscribers ignore event types they do not know, so new ones can be added.
Event = (EntryAdded | Notified | MessageAdded | MessageReacted | RosterChanged | ForkFound
         | RevocationFound | HeldByPeer | BlobAdded | Lagged | PostAdded | PostChanged
         | ReactionChanged | ProfileChanged | FollowsChanged | MutesChanged
         | RefusalsChanged)
