"""Which moderation acts of an open community count: pure, sans-IO (issue 17).

Theory of operation. An act (``private.CommunityModeration``) is a GROUP entry in
its author's own log, sealed with the community key, so every member replicates it
and reads it, in whatever order the logs arrive. Every member's node works out the
same state from the same acts (``resolve``), with no server and no vote:

* **Moderators.** The creator (``CommunityInfo.creator``, proven by the community id,
  which is the hash of its creator and salt) is always one. It names others with
  APPOINT and takes them back with DISMISS; per account the creator's newest act
  wins (ordered by signed time, then entry id). At most ``MAX_MODERATORS`` are named:
  the earliest appointments win, so a report still fits one envelope.
* **Which acts count.** An act counts when its author is a moderator *now*: a
  dismissed moderator's removals stop counting (the creator's own always count). So
  a rogue moderator is undone by one DISMISS, on every node that reads it.
* **Removed accounts.** Per account, the newest counted REMOVE or RESTORE wins. The
  creator and moderators cannot be removed (the creator dismisses first).
* **Hidden posts.** Every counted HIDE. Members drop a hidden post's body
  (store/moderation.py), so hiding cannot be taken back: the body is gone.

What this cannot do is in docs/network.md "Moderating an open community".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .private import Act

MAX_MODERATORS: Final = 12
"""Moderators a creator may name: a report is sealed to them, the creator and the
reporter, within one envelope's 16 slots."""


@dataclass(frozen=True, slots=True)
class ActRow:
    """One act as read from a member's log."""

    ts: int  # ms, as its author signed it
    entry_id: bytes
    author: bytes  # account id
    act: Act
    target: bytes


@dataclass(frozen=True, slots=True)
class State:
    """What the acts held make of a community."""

    moderators: frozenset[bytes]  # the creator included
    removed: frozenset[bytes]
    hidden: frozenset[bytes]  # entry ids of posts

    def may_moderate(self, account: bytes) -> bool:
        return account in self.moderators


def resolve(creator: bytes, acts: Iterable[ActRow]) -> State:
    """The moderators, removed accounts and hidden posts that ``acts`` make, for the
    community that ``creator`` started (see the module's rules)."""
    ordered = sorted(acts, key=lambda a: (a.ts, a.entry_id))
    named: dict[bytes, tuple[bool, int, bytes]] = {}  # account: (named?, ts, entry)
    for a in ordered:
        if a.author == creator and a.act in (Act.APPOINT, Act.DISMISS) and a.target != creator:
            named[a.target] = (a.act == Act.APPOINT, a.ts, a.entry_id)
    appointed = sorted((when, entry, account) for account, (on, when, entry) in named.items()
                       if on)
    moderators = frozenset({creator, *(acc for _, _, acc in appointed[:MAX_MODERATORS])})
    removed: dict[bytes, bool] = {}
    hidden: set[bytes] = set()
    for a in ordered:
        if a.author not in moderators:
            continue
        if a.act in (Act.REMOVE, Act.RESTORE) and a.target not in moderators:
            removed[a.target] = a.act == Act.REMOVE
        elif a.act == Act.HIDE:
            hidden.add(a.target)
    return State(moderators, frozenset(acc for acc, out in removed.items() if out),
                 frozenset(hidden))
