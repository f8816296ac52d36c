"""Finding the key of a group entry whose envelope does not name its group.

Theory of operation. A group envelope of version 1 names its group and epoch in the
clear: the key is one index probe away (``Inbox.group_key``), and an entry whose key
is not here yet waits in ``group_pending`` under that (group, epoch). That also let
every carrier link all the entries of a group, and so its members' logs. Version 2
(issue 12; envelope.py) carries a tag instead, a keyed hash of the entry's nonce under
the epoch key: only a holder of the key recognises it.

So a reader tries the keys it holds: ``Keyring.find`` computes one keyed BLAKE2b per
epoch key (newest epochs first) until one matches. An entry that no key matches waits
in ``group_untagged`` (migration of issue 12) with its nonce and tag; when a key
arrives, ``take_untagged`` tries it on every waiting entry (one hash each) and hands
back those it opens. The keys are read once per scan step (``Keyring`` lives for one
``Inbox.apply``) and again after a key is added.

Cost (bench/private.py, ``group_tags``): about a microsecond per key held for an entry
that is not for us, so a node holding 100 epoch keys pays ~0.1 ms per foreign group
entry, against ~50 µs of trial decryption for a private one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from ..envelope import GroupHeader, TagReader
from .members import unpack_members


@dataclass(frozen=True, slots=True)
class HeldKey:
    """One epoch key of a group we hold, and who may write in that epoch."""

    group_id: bytes
    epoch: int
    conversation: int  # conversations.rowid
    key: bytes = field(repr=False)
    writers: tuple[bytes, ...]
    tags: TagReader = field(repr=False, compare=False)


class Keyring:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._keys: list[HeldKey] | None = None

    def forget(self) -> None:
        """A key was added: read them again at the next ``find``."""
        self._keys = None

    def keys(self) -> list[HeldKey]:
        if self._keys is None:
            self._keys = [HeldKey(bytes(g), int(e), int(c), bytes(k), unpack_members(m),
                                  TagReader(bytes(k)))
                          for g, e, c, k, m in self.conn.execute(
                              "SELECT c.id, k.epoch, k.conversation, k.key, k.members "
                              "FROM group_keys k JOIN conversations c "
                              "ON c.rowid = k.conversation ORDER BY k.epoch DESC")]
        return self._keys

    def find(self, header: GroupHeader) -> HeldKey | None:
        """The key whose tag a version 2 envelope carries, if we hold it."""
        return next((k for k in self.keys() if k.tags.made(header.nonce, header.tag)), None)

    def hold(self, entry: int, header: GroupHeader) -> None:
        """Keep a version 2 entry that no key opens yet (``entry``: its rowid)."""
        assert header.tag is not None
        self.conn.execute("INSERT OR IGNORE INTO group_untagged(entry, nonce, tag) "
                          "VALUES (?, ?, ?)", (entry, header.nonce, header.tag))

    def take_untagged(self, key: bytes) -> list[int]:
        """The waiting entries (rowids) that ``key`` opens, no longer waiting."""
        tags = TagReader(key)
        found = [int(entry) for entry, nonce, tag in self.conn.execute(
            "SELECT entry, nonce, tag FROM group_untagged")
            if tags.made(bytes(nonce), bytes(tag))]
        self.conn.executemany("DELETE FROM group_untagged WHERE entry = ?",
                              [(e,) for e in found])
        return found
