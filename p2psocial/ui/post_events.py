"""What the node's live events mean for a list of posts: filters and a batch's notes.

A list (post_model.py) is given an *event filter* that says what a domain event
(events.py) means for it (``Concern``): nothing, maybe a post of its (walk the top),
or "reload" (our own follows changed what the home shows). ``note`` reads a batch of
events once and says what the list should do about it; it knows events, not Qt, so
both are tested without a window. Unknown events concern no list.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..events import (
    Event,
    FollowsChanged,
    Lagged,
    MutesChanged,
    PostAdded,
    PostChanged,
    ProfileChanged,
    ReactionChanged,
    RefusalsChanged,
)

if TYPE_CHECKING:
    from ..node import Node

MAX_BACKFILL = 64  # more older posts than this in one batch of events: reload


class Concern(enum.Enum):
    """What a live event means for one list."""

    NONE = "none"
    POSTS = "posts"  # a post that may belong in the list: walk the top
    RELOAD = "reload"  # what the list shows has changed: load the first page again


EventFilter = Callable[[Event], Concern]


def home_events(event: Event) -> Concern:
    """The home timeline: any post may be one (the walk finds out); our own follows,
    blocks and mutes change whose posts it shows."""
    if isinstance(event, PostAdded):
        return Concern.POSTS
    if ((isinstance(event, FollowsChanged) and event.own)
            or isinstance(event, (MutesChanged, RefusalsChanged))):
        return Concern.RELOAD
    return Concern.NONE


def mention_events(event: Event) -> Concern:
    """Mentions: any post may mention us; our own blocks hide accounts."""
    if isinstance(event, PostAdded):
        return Concern.POSTS
    if ((isinstance(event, FollowsChanged) and event.own and event.blocks)
            or isinstance(event, (MutesChanged, RefusalsChanged))):  # a mute, a private block
        return Concern.RELOAD
    return Concern.NONE


def account_events(account: bytes) -> EventFilter:
    """One account's posts: that account's posts only."""
    def concern(event: Event) -> Concern:
        if isinstance(event, MutesChanged):  # a muted tag or thread, a filter
            return Concern.RELOAD
        if isinstance(event, RefusalsChanged) and account in event.refused | event.allowed:
            return Concern.RELOAD
        return Concern.POSTS if isinstance(event, PostAdded) and event.account == account \
            else Concern.NONE
    return concern


def thread_events(event: Event) -> Concern:
    """A thread: any post may be a reply in it (the thread model reads it again); a
    mute or a filter collapses rows, a refusal removes them."""
    return (Concern.RELOAD if isinstance(event, (PostAdded, MutesChanged, RefusalsChanged))
            else Concern.NONE)


def no_events(event: Event) -> Concern:
    """Search results: a snapshot, not followed live (apart from stale rows)."""
    return Concern.NONE


@dataclass(slots=True)
class Notes:
    """What one batch of events asks of a list."""

    reload: bool = False  # load the first page again (then nothing else matters)
    posts: bool = False  # walk the top for new posts
    older: list[tuple[bytes, int]] = field(default_factory=list)  # (id, ts) below the top
    stale: set[bytes] = field(default_factory=set)  # posts to read again, if loaded
    profiles: set[bytes] = field(default_factory=set)  # accounts whose profile changed


def note(events: list[Any], concern: EventFilter, top: int | None) -> Notes:
    """Sort a batch: posts whose rows are stale (a reaction, an edit or a delete of
    theirs, a reply that changes their reply count), profiles to read again, and what
    ``concern`` says. ``top``: the timestamp of the list's first post (None: empty);
    posts older than it are ``older`` (too many of them: ``reload``)."""
    notes = Notes()
    for event in events:
        if isinstance(event, Lagged):
            notes.reload = True
            continue
        if isinstance(event, ReactionChanged):
            notes.stale.add(event.post)
        elif isinstance(event, PostChanged):
            notes.stale.add(event.post)
            if event.parent is not None:
                notes.stale.add(event.parent)
        elif isinstance(event, PostAdded) and event.parent is not None and top is not None:
            notes.stale.add(event.parent)  # a reply: its parent's count
        elif isinstance(event, ProfileChanged):
            notes.profiles.add(event.account)
        said = concern(event)
        if said is Concern.RELOAD:
            notes.reload = True
        elif said is Concern.POSTS and isinstance(event, PostAdded):
            notes.posts = True
            if top is not None and event.timestamp < top:
                notes.older.append((event.id, event.timestamp))
    if len(notes.older) > MAX_BACKFILL:
        notes.reload = True
    return notes


async def follow_events(node: Node, on_events: Callable[[list[Any]], object]) -> None:
    """Hand every event of the node to ``on_events``, forever (until cancelled).

    Runs as a host call. Events that are already queued are handed over together.
    After ``Lagged`` the node has closed our channel: subscribe again (``on_events``
    gets the ``Lagged`` and reloads).
    """
    while True:
        channel = node.subscribe()
        with channel:
            async for event in channel:
                batch = [event]
                while not isinstance(batch[-1], Lagged):
                    try:
                        batch.append(channel.receive_nowait())
                    except Exception:  # trio.WouldBlock, or the channel ended
                        break
                on_events(batch)
                if isinstance(batch[-1], Lagged):
                    break
            else:
                return  # the node closed: nothing more will come
