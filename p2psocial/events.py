"""Change events the node publishes to the UI and the network.

Subscribers get a bounded trio channel. A subscriber that falls behind by more than
its buffer is sent ``Lagged`` and closed: it re-reads what it shows from the store
and subscribes again. The node never blocks on a slow subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import trio

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


class PostOpened(NamedTuple):
    """A followers-only post (a circle's, sealed as a GROUP entry) became readable here
    and is now in the timeline: what ``EntryAdded`` of kind POST is for public posts."""

    id: bytes
    account: bytes
    timestamp: int
    own: bool


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


@dataclass(frozen=True, slots=True)
class Lagged:
    """Events were lost for this subscriber; re-read state and subscribe again."""


# Subscribers ignore event types they do not know, so new ones can be added.
Event = (EntryAdded | Notified | MessageAdded | PostOpened | MessageReacted | RosterChanged
         | ForkFound | HeldByPeer | BlobAdded | Lagged)


# One stored batch emits one event per entry, all at once, and a sync session stores
# up to ~18k entries in one batch when frames queue up (net/sync.py, COALESCE): a
# subscriber's buffer holds at least that, or every burst makes it lag. A buffer
# costs nothing until it fills.
BUFFER = 32 * 1024


class EventHub:
    def __init__(self) -> None:
        self._subscribers: list[trio.MemorySendChannel[Event]] = []

    def subscribe(self, buffer: int = BUFFER) -> trio.MemoryReceiveChannel[Event]:
        send, receive = trio.open_memory_channel[Event](buffer)
        self._subscribers.append(send)
        return receive

    def emit(self, events: list[Event]) -> None:
        if not events:
            return
        for send in list(self._subscribers):
            stats = send.statistics()  # once per batch: a sync batch is 1,000 events
            room = int(stats.max_buffer_size) - stats.current_buffer_used - 1  # 1 for Lagged
            try:
                for event in events[:room]:
                    send.send_nowait(event)
                if len(events) > room:
                    send.send_nowait(Lagged())
                    self._drop(send)
            except (trio.BrokenResourceError, trio.ClosedResourceError, trio.WouldBlock):
                self._drop(send)

    def _drop(self, send: trio.MemorySendChannel[Event]) -> None:
        self._subscribers.remove(send)
        send.close()

    def close(self) -> None:
        for send in self._subscribers:
            send.close()
        self._subscribers.clear()
