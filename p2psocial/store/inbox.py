"""The inbox: private entries opened by a deferred scan, and the reads over them.

Theory of operation.

Ingest stores PRIVATE and GROUP entries like any other, sealed, and interprets
nothing: trial decryption (one X25519 product per envelope, ~50 µs) would make the
sync path several times slower, and most sealed entries a node carries are for
others. ``scan`` catches up later, like the full-text index: it walks the sealed
entries above the watermark ``meta.private_upto`` in arrival (rowid) order through
the partial index ``entries_sealed``, and writes what opened into ``conversations``
and ``messages`` (migration 4). One batch is two steps:

1. outside any transaction, open every PRIVATE body with the caller's ``open(body,
   author_account)`` (the node's private key never reaches the store);
2. in one transaction: store the messages and group keys that opened and check out,
   open the GROUP entries of the batch with the keys now held (found by the group and
   epoch an old envelope names, or by the tag a new one carries: group_tags.py; a
   GROUP entry whose key is not here yet waits in ``group_pending`` or
   ``group_untagged``, and is opened when its key arrives, in whatever order the logs
   of the admin and the poster were synced), then move the watermark past the batch.

So the scan is resumable (a crash redoes at most one batch) and idempotent (rows are
keyed by the entry's rowid; ``INSERT OR IGNORE``).

Time: a message (and a circle post) is placed at ``timestamps.placed(signed,
scanned)``, the store's ``now`` when the scan reads it, which is never before it
arrived: a far-future stamp cannot pin a conversation on top. Group reactions are a
register, and compare the signed times (timestamps.py says why).

Checks, because a sender may write anything inside an envelope: a direct message is
kept only when its author and the local account are both among the members it
names; a group key only when the group id proves its author is the group's admin
(``GroupKey.admin_is``), the admin is a member, and the epoch is new here (the first
key received for an epoch wins); a group post only when it opens with a key we hold
(holding the epoch key is what membership means). A message the local account wrote
(on any device) marks its conversation read up to it.

Circles (followers-only posts) are groups too (``private.CIRCLE_SALT``): a
``CirclePost`` in one is kept only when its author is the circle's admin, and goes to
the timeline (store/circles.py), not to ``messages``; circles are left out of the
group list. Open LAN communities are groups too, with one key that the local account
wrote to itself and a roster instead of epochs (store/communities.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .. import content as c
from .. import envelope, private
from ..content import Kind
from ..envelope import TagReader
from ..errors import DecryptionFailed, InvalidEntry
from ..private_files import PrivateAttachment
from ..timestamps import placed
from . import communities, moderation
from .circles import CircleRow, add_post, notify
from .group_tags import HeldKey, Keyring
from .inbox_reads import InboxReads
from .members import pack_members, unpack_members
from .views import (
    GroupState,
    NewMessage,
    OpenedPost,
    PrivateScan,
)

Opener = Callable[[bytes, bytes], "bytes | None"]
ID = private.ID_LEN


@dataclass(slots=True)
class _Sealed:
    rowid: int
    entry_id: bytes
    kind: int
    ts: int  # as signed by its author
    body: bytes | None  # None: never had it, or its author deleted it
    author: int  # accounts.rowid
    author_id: bytes
    placed: int  # where it goes in time-ordered lists (timestamps.placed)


def _sealed(row: Sequence, now: int) -> _Sealed:
    """A row of (rowid, id, kind, ts, body, account, account id), read at ``now``."""
    return _Sealed(row[0], bytes(row[1]), row[2], row[3], row[4], row[5], bytes(row[6]),
                   placed(row[3], now))


@dataclass(slots=True)
class _Found:
    """What one scan batch made readable or changed, gathered while it is stored."""

    messages: list[NewMessage] = field(default_factory=list)
    posts: list[OpenedPost] = field(default_factory=list)  # circle posts
    joined: set[bytes] = field(default_factory=set)  # communities whose key is new here
    left: set[bytes] = field(default_factory=set)  # our groups a member left
    notified: int = 0
    reacted: list[tuple[bytes, bytes]] = field(default_factory=list)  # (group, message)
    account_keys: int = 0  # rotated keys of the local account, new here
    moderated: set[int] = field(default_factory=set)  # communities with new acts


class Inbox(InboxReads):
    """The scan, here; the reads, in ``InboxReads`` (store/inbox_reads.py)."""

    def __init__(self, conn: sqlite3.Connection, now: Callable[[], int]) -> None:
        super().__init__(conn)
        self.now = now  # ms: when a scan reads an entry (see "Time" above)
        self._keyring = Keyring(conn)

    # --- the scan ---------------------------------------------------------------------

    def upto(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'private_upto'").fetchone()
        return int(row[0]) if row else 0

    def scan(self, open_body: Opener, local: int, local_id: bytes,
             limit: int | None = None) -> PrivateScan:
        """Open the sealed entries above the watermark (all, or the next ``limit``)."""
        batch = self.sealed_batch(limit)
        return self.apply(batch, open_batch(open_body, batch.rows), local, local_id)

    def sealed_batch(self, limit: int | None = None) -> SealedBatch:
        """The next sealed entries above the watermark (step 1 of a scan: the store)."""
        upto = self.upto()
        top = self.conn.execute("SELECT max(rowid) FROM entries").fetchone()[0] or 0
        now = self.now()
        rows = [_sealed(r, now) for r in self.conn.execute(
            "SELECT e.rowid, e.id, e.kind, e.ts, e.body, l.account, a.id "
            "FROM entries e JOIN logs l ON l.rowid = e.log "
            "JOIN accounts a ON a.rowid = l.account "
            "WHERE e.kind IN (10, 11) AND e.rowid > ? AND e.rowid <= ? "
            "ORDER BY e.rowid LIMIT ?",
            (upto, top, -1 if limit is None else max(1, limit)))]
        done = limit is None or len(rows) < limit
        last = top if done else rows[-1].rowid  # all done: skip the rows of other kinds
        return SealedBatch(rows, last, done)

    def apply(self, batch: SealedBatch, opened: list[tuple[_Sealed, private.Private]],
              local: int, local_id: bytes) -> PrivateScan:
        """Store what opened and move the watermark (step 3 of a scan: the store again;
        step 2, ``open_batch``, needs no database and may run in any thread)."""
        rows = batch.rows
        found = _Found()
        self._keyring = Keyring(self.conn)  # the keys are read again for each batch
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            keys: list[tuple[bytes, int]] = []
            for row, value in opened:
                if not self._still_there(row):
                    continue  # its author deleted it while it was being opened
                if isinstance(value, private.Message):
                    self._message(row, value, local, local_id, found)
                elif isinstance(value, private.GroupKey) and self._group_key(row, value,
                                                                             local_id):
                    keys.append((value.group_id, value.epoch))
                    self._keyring.forget()
                elif isinstance(value, private.CommunityKey) and communities.add_key(
                        self.conn, row.author_id, value, local_id):
                    keys.append((value.community_id, 0))
                    found.joined.add(value.community_id)
                    self._keyring.forget()
                elif isinstance(value, private.AccountKey) and row.author_id == local_id:
                    found.account_keys += self.conn.execute(  # a revocation rotated ours
                        "INSERT OR IGNORE INTO account_keys(epoch, seed, created) "
                        "VALUES (?, ?, ?)", (value.epoch, value.seed, row.ts)).rowcount
                elif isinstance(value, private.Report):  # sealed to us: we moderate
                    moderation.add_report(self.conn, row.rowid, row.author_id, row.ts, value)
            for row in rows:
                if row.kind == Kind.GROUP:
                    self._group_entry(row, local, found)
            for group_id, epoch in keys:
                self._open_pending(group_id, epoch, local, found)
            roster_changed = [self._community_id(conversation)
                              for conversation in sorted(found.moderated)
                              if moderation.apply(self.conn, conversation, local, local_id)]
            # a new key of ours: what it opens may lie below the watermark (read
            # again from the start; what opened before is kept once, INSERT OR IGNORE)
            self.conn.execute("UPDATE meta SET value = ? WHERE key = 'private_upto'",
                              (0 if found.account_keys else batch.last,))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return PrivateScan(found.messages, len(rows), batch.done and not found.account_keys,
                           found.posts,
                           sorted(found.joined), sorted(found.left), found.notified,
                           found.reacted, found.account_keys,
                           sorted(self._community_id(m) for m in found.moderated),
                           roster_changed)

    def _community_id(self, conversation: int) -> bytes:
        return bytes(self.conn.execute("SELECT id FROM conversations WHERE rowid = ?",
                                       (conversation,)).fetchone()[0])

    def _members(self, conversation: int) -> tuple[bytes, ...]:
        found = self.conn.execute("SELECT members FROM conversations WHERE rowid = ?",
                                  (conversation,)).fetchone()
        return unpack_members(found[0]) if found else ()

    def _local_id(self, local: int) -> bytes:
        found = self.conn.execute("SELECT id FROM accounts WHERE rowid = ?",
                                  (local,)).fetchone()
        return b"" if found is None else bytes(found[0])

    def _still_there(self, row: _Sealed) -> bool:
        found = self.conn.execute("SELECT body IS NOT NULL FROM entries WHERE rowid = ?",
                                  (row.rowid,)).fetchone()
        return bool(found and found[0])

    def _message(self, row: _Sealed, value: private.Message, local: int, local_id: bytes,
                 found: _Found) -> None:
        if row.author_id not in value.members or local_id not in value.members:
            return
        cid = private.conversation_id(value.members)
        conversation = self._conversation(cid, value.members)
        self._store(conversation, cid, row, value, local, found)

    def _store(self, conversation: int, cid: bytes, row: _Sealed,
               value: private.Message | private.GroupPost, local: int, found: _Found) -> None:
        added = self.conn.execute(
            "INSERT OR IGNORE INTO messages(rowid, conversation, author, ts, text, reply_to) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (row.rowid, conversation, row.author, row.placed, value.text,
             value.reply_to)).rowcount
        if not added:
            return
        self._files(row, value.attachments)
        own = row.author == local
        if own:  # writing in a conversation reads it
            self.conn.execute("UPDATE conversations SET read_upto = max(read_upto, ?) "
                              "WHERE rowid = ?", (row.rowid, conversation))
        found.messages.append(NewMessage(cid, row.entry_id, row.author_id, own))

    def _files(self, row: _Sealed, files: Sequence[PrivateAttachment]) -> None:
        """The pictures and files of an opened entry, with their keys (migration 15)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO private_files(entry, n, blob, key, mime, size, width, "
            "height, name, alt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(row.rowid, n, f.blob, f.key, f.mime, f.size, f.width, f.height, f.name, f.alt)
             for n, f in enumerate(files)])

    def _conversation(self, cid: bytes, members: Iterable[bytes]) -> int:
        row = self.conn.execute("SELECT rowid FROM conversations WHERE id = ?",
                                (cid,)).fetchone()
        if row is not None:
            return int(row[0])
        rowid = self.conn.execute("INSERT INTO conversations(id, members) VALUES (?, ?)",
                                  (cid, pack_members(members))).lastrowid
        assert rowid is not None
        return rowid

    # --- groups -----------------------------------------------------------------------

    def _group_key(self, row: _Sealed, value: private.GroupKey, local_id: bytes) -> bool:
        """Store an epoch key; whether it was new and valid (see the module's checks)."""
        if not value.admin_is(row.author_id) or row.author_id not in value.members:
            return False
        conversation = self._conversation(value.group_id, value.members)
        if not self.conn.execute(
                "INSERT OR IGNORE INTO group_keys(conversation, epoch, key, members) "
                "VALUES (?, ?, ?, ?)",
                (conversation, value.epoch, value.key, pack_members(value.members))).rowcount:
            return False
        member = int(local_id in value.members)
        self.conn.execute(
            "INSERT INTO groups(conversation, admin, salt, name, epoch, member) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name, "
            "epoch = excluded.epoch, member = excluded.member WHERE excluded.epoch > epoch",
            (conversation, row.author, value.salt, value.name, value.epoch, member))
        self.conn.execute(
            "UPDATE conversations SET members = ? WHERE rowid = ? AND "
            "(SELECT epoch FROM groups WHERE conversation = ?) = ?",
            (pack_members(value.members), conversation, conversation, value.epoch))
        return True

    def _group_entry(self, row: _Sealed, local: int, found: _Found) -> None:
        if row.body is None:
            return
        try:
            header = envelope.peek_group(row.body)
        except InvalidEntry:
            return
        held = self._key_of(row, header)
        if held is None:
            return  # it waits for its key
        group_id, epoch, conversation, key, writers = (
            held.group_id, held.epoch, held.conversation, held.key, held.writers)
        community = communities.is_community(self.conn, conversation)
        if not community and (row.author_id not in writers
                              or row.author_id not in self._members(conversation)):
            # not a writer of that epoch, or no longer one of the newest epoch we hold:
            # a removed member keeps the old key (nobody tells their node), and holding
            # a key is no licence. Posts of theirs stored before we learnt it stay.
            return
        try:
            plaintext = envelope.open_group(row.body, key, group_id=group_id, epoch=epoch,
                                            context=row.author_id)
            value = private.decode(plaintext)
        except (DecryptionFailed, InvalidEntry):
            return
        if isinstance(value, private.CommunityModeration):  # kept whoever wrote it
            if community and moderation.add_act(self.conn, conversation, row.rowid,
                                                row.entry_id, row.author_id, row.ts, value):
                found.moderated.add(conversation)
        elif community and moderation.drops(self.conn, conversation, row.rowid, row.entry_id,
                                            row.author_id, self._local_id(local)):
            return  # its author was removed, or it was hidden (store/moderation.py)
        elif isinstance(value, private.GroupPost):
            self._store(conversation, group_id, row, value, local, found)
        elif isinstance(value, private.GroupLeave):
            if community:  # nobody leaves a roster; our own leave stops our replicating
                if row.author == local:
                    self.conn.execute("UPDATE groups SET member = 0 WHERE conversation = ?",
                                      (conversation,))
            else:
                self._left(conversation, group_id, row, local, found)
        elif isinstance(value, private.CirclePost):
            self._circle_post(conversation, row, value, local, found)
        elif isinstance(value, private.GroupReaction):
            self._reacted(conversation, group_id, row, value.reaction, found)

    def _reacted(self, conversation: int, group_id: bytes, row: _Sealed,
                 reaction: c.Reaction, found: _Found) -> None:
        """The newest reaction (or undo) per (message, account, emoji) wins."""
        if self.conn.execute(
                "INSERT INTO message_reactions(target, account, emoji, conversation, active, "
                "ts, entry) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "active = excluded.active, ts = excluded.ts, entry = excluded.entry, "
                "conversation = excluded.conversation WHERE (excluded.ts, excluded.entry) > "
                "(ts, entry)", (reaction.target, row.author, reaction.emoji, conversation,
                                int(not reaction.undo), row.ts, row.rowid)).rowcount:
            found.reacted.append((group_id, reaction.target))

    def _circle_post(self, conversation: int, row: _Sealed, value: private.CirclePost,
                     local: int, found: _Found) -> None:
        """A followers-only post to the timeline, when ``conversation`` is a circle and
        the author its admin: only the owner of a circle posts to it (a member's
        CirclePost is dropped, as is one in a chat group)."""
        if self.conn.execute(
                "SELECT 1 FROM groups WHERE conversation = ? AND admin = ? AND salt = ?",
                (conversation, row.author, private.CIRCLE_SALT)).fetchone() is None:
            return
        where = CircleRow(row.rowid, row.placed, row.author)
        post = value.post
        if add_post(self.conn, where, post, local):
            self._files(row, value.files())
            found.posts.append(OpenedPost(row.entry_id, row.author_id, row.placed,
                                          post.reply_parent))
            found.notified += notify(self.conn, where, post, local)

    def _left(self, conversation: int, group_id: bytes, row: _Sealed, local: int,
              found: _Found) -> None:
        """A member left: out of the member list; when it is us (any device), we stop
        being a member here; when we are the admin, the node starts a new epoch
        without them (``PrivateScan.left``), so they read nothing written after."""
        members = unpack_members(self.conn.execute(
            "SELECT members FROM conversations WHERE rowid = ?", (conversation,)).fetchone()[0])
        if row.author_id not in members:
            return  # removed already, or an old leave
        self.conn.execute("UPDATE conversations SET members = ? WHERE rowid = ?",
                          (pack_members(m for m in members if m != row.author_id),
                           conversation))
        if row.author == local:
            self.conn.execute("UPDATE groups SET member = 0 WHERE conversation = ?",
                              (conversation,))
        elif self.conn.execute("SELECT 1 FROM groups WHERE conversation = ? AND admin = ? "
                               "AND member = 1", (conversation, local)).fetchone():
            found.left.add(group_id)

    def _key_of(self, row: _Sealed, header: envelope.GroupHeader) -> HeldKey | None:
        """The key of a group entry, or None when we do not hold it (yet): the entry
        then waits for it (group_pending by the group an old envelope names,
        group_untagged by a new one's tag)."""
        if header.group_id is not None and header.epoch is not None:  # version 1
            held = self.group_key(header.group_id, header.epoch)
            if held is None:
                self.conn.execute("INSERT OR IGNORE INTO group_pending(group_id, epoch, "
                                  "entry) VALUES (?, ?, ?)",
                                  (header.group_id, header.epoch, row.rowid))
                return None
            return HeldKey(header.group_id, header.epoch, *held, TagReader(held[1]))
        match = self._keyring.find(header)
        if match is None:
            self._keyring.hold(row.rowid, header)
        return match

    def _open_pending(self, group_id: bytes, epoch: int, local: int,
                      found: _Found) -> None:
        """GROUP entries that waited for this epoch's key: those that named it (index:
        group_pending's key) and those whose tag it makes (group_tags.py)."""
        waiting = [int(r[0]) for r in self.conn.execute(
            "SELECT entry FROM group_pending WHERE group_id = ? AND epoch = ?",
            (group_id, epoch))]
        self.conn.execute("DELETE FROM group_pending WHERE group_id = ? AND epoch = ?",
                          (group_id, epoch))
        held = self.group_key(group_id, epoch)
        if held is not None:
            waiting += self._keyring.take_untagged(held[1])
        now = self.now()
        for rowid in sorted(waiting):
            r = self.conn.execute(
                "SELECT e.rowid, e.id, e.kind, e.ts, e.body, l.account, a.id FROM entries e "
                "JOIN logs l ON l.rowid = e.log JOIN accounts a ON a.rowid = l.account "
                "WHERE e.rowid = ?", (rowid,)).fetchone()
            if r is not None:
                self._group_entry(_sealed(r, now), local, found)

    def group_key(self, group_id: bytes, epoch: int,
                  ) -> tuple[int, bytes, tuple[bytes, ...]] | None:
        """(conversation rowid, key, members) of one epoch of a group, if we hold it."""
        row = self.conn.execute(
            "SELECT k.conversation, k.key, k.members FROM conversations c JOIN group_keys k "
            "ON k.conversation = c.rowid WHERE c.id = ? AND k.epoch = ?",
            (group_id, epoch)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]), unpack_members(row[2]))

    def group_state(self, group_id: bytes) -> GroupState | None:
        """The newest epoch of a group we hold a key for (see ``GroupState``)."""
        row = self.conn.execute(
            "SELECT a.id, g.name, g.epoch, k.key, g.salt, g.member, c.members "
            "FROM conversations c JOIN groups g ON g.conversation = c.rowid "
            "JOIN group_keys k ON k.conversation = c.rowid AND k.epoch = g.epoch "
            "JOIN accounts a ON a.rowid = g.admin WHERE c.id = ?", (group_id,)).fetchone()
        if row is None:
            return None
        return GroupState(bytes(row[0]), row[1], int(row[2]), bytes(row[3]), bytes(row[4]),
                          bool(row[5]), unpack_members(row[6]))

@dataclass(frozen=True, slots=True)
class SealedBatch:
    """Sealed entries read for one scan step, and where the watermark goes after it."""

    rows: list[_Sealed]
    last: int  # the watermark once these are applied
    done: bool  # nothing sealed is left above ``last``


def open_batch(open_body: Opener, rows: list[_Sealed]) -> list[tuple[_Sealed, private.Private]]:
    """The PRIVATE entries of ``rows`` that open for us, with what they hold. Pure
    crypto, no database: the node runs it outside the store's one worker thread, so
    trial decryption does not hold up the ingest of a sync running meanwhile."""
    return [(row, value) for row in rows if row.kind == Kind.PRIVATE
            for value in [_open_private(open_body, row)] if value is not None]


def _open_private(open_body: Opener, row: _Sealed) -> private.Private | None:
    if row.body is None:
        return None
    plaintext = open_body(row.body, row.author_id)
    if plaintext is None:
        return None
    try:
        return private.decode(plaintext)
    except InvalidEntry:
        return None
