"""What a stored batch means for the app: the domain events (events.py) of its entries.

Pure: it reads what ingest already decoded while storing (``IngestResult.targets`` and
``.erased``: the post a reaction, edit or delete acts on, a reply's parent), so no
body is decoded twice and a sync burst costs one small tuple per entry. The node emits
these after the batch's ``EntryAdded`` events (node/kernel.py ``publish``,
node/replication.py ``ingest``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .content import Kind
from .entry import Entry
from .events import (
    Event,
    FollowsChanged,
    PostAdded,
    PostChanged,
    ProfileChanged,
    ReactionChanged,
)

_POST, _REACTION, _EDIT, _DELETE = int(Kind.POST), int(Kind.REACTION), int(Kind.EDIT), \
    int(Kind.DELETE)
_FOLLOWS = {int(Kind.FOLLOW): False, int(Kind.UNFOLLOW): False, int(Kind.BLOCK): True,
            int(Kind.UNBLOCK): True}  # kind -> FollowsChanged.blocks
_PROFILE = (int(Kind.PROFILE), int(Kind.DEVICE))


def domain_events(added: Iterable[Entry], accounts: Mapping[bytes, bytes], me: bytes | None,
                  targets: Mapping[bytes, bytes],
                  erased: Mapping[bytes, tuple[int, bytes | None, bytes | None]],
                  ) -> list[Event]:
    """The domain events of ``added`` (stored entries, in order). ``accounts``: device ->
    account of their logs; ``me``: the local account (``own``), None when unknown;
    ``targets`` and ``erased`` as in ``IngestResult``. Private entries give none (the
    private scan's business), nor a reaction or edit whose body did not decode, nor a
    delete that erased no post or reaction held here."""
    out: list[Event] = []
    add, target_of = out.append, targets.get  # one per entry stored: a sync burst is 100k
    for item in added:
        h = item.header
        kind, account = h.kind, accounts[h.device]
        if kind == _POST:
            add(PostAdded(item.id, account, h.timestamp, account == me, target_of(item.id)))
        elif kind in (_REACTION, _EDIT):
            target = target_of(item.id)
            if target is not None:
                add(ReactionChanged(target, account) if kind == _REACTION
                    else PostChanged(target, account))
        elif kind == _DELETE:
            gone = erased.get(item.id)  # None: nothing held here was erased
            if gone is not None and gone[1] is not None:
                add(ReactionChanged(gone[1], account) if gone[0] == _REACTION
                    else PostChanged(gone[1], account, gone[2]))
        elif kind in _FOLLOWS:
            add(FollowsChanged(account, _FOLLOWS[kind], account == me))
        elif kind in _PROFILE:
            add(ProfileChanged(account))
    return out
