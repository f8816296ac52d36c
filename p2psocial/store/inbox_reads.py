"""The reads over private entries the scan opened (store/inbox.py says how they get
here): conversations and groups with their last message and unread count, a
conversation's page of messages with their reactions, delivery states and
attachments, and the read marks.

Messages (and reactions) of accounts the local account blocked are kept, so an
unblock shows them again, but never shown or counted (``_not_blocked``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from .. import private
from . import holders
from .members import unpack_members
from .schema import SAME_EMOJI
from .views import (
    ConversationView,
    Cursor,
    Delivery,
    FileView,
    GroupView,
    MessagePage,
    MessageView,
)

_FAR_FUTURE = Cursor(2**62, 2**62)


def _not_blocked(column: str) -> str:
    """Messages (and reactions) of accounts the local account blocked are kept (an
    unblock shows them again) but never shown or counted; the condition's one
    parameter is the local account's rowid."""
    return f"{column} NOT IN (SELECT blocked FROM blocks WHERE blocker = ? AND active = 1)"


_NOT_BLOCKED = _not_blocked("m.author")


class InboxReads:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # --- pictures and files of opened entries (migration 15) ---------------------------

    def files_of(self, entry_rowid: int) -> tuple[FileView, ...]:
        """The pictures and files of one opened private entry, in order."""
        return tuple(FileView(bytes(b), mime, size, w, h, name, alt)
                     for b, mime, size, w, h, name, alt in self.conn.execute(
                         "SELECT blob, mime, size, width, height, name, alt FROM private_files "
                         "WHERE entry = ? ORDER BY n", (entry_rowid,)))

    def private_file(self, blob: bytes) -> list[tuple[bytes, int]]:
        """(key, true size) of a sealed blob, for each opened private entry that refers
        to it (usually one; more when it was forwarded, or when someone named its hash
        with a key of their own: the caller tries each); [] when it is no private
        attachment we can open. Index: private_files_blob."""
        return [(bytes(key), int(size)) for key, size in self.conn.execute(
            "SELECT DISTINCT key, size FROM private_files WHERE blob = ? LIMIT 16", (blob,))]

    def attachment(self, entry_id: bytes, n: int) -> FileView | None:
        """The ``n``-th attachment (from 0) of an opened private entry, if any."""
        row = self.conn.execute("SELECT rowid FROM entries WHERE id8 = ? AND id = ?",
                                (int.from_bytes(entry_id[:8], "big", signed=True),
                                 entry_id)).fetchone()
        if row is None:
            return None
        files = self.files_of(int(row[0]))
        return files[n] if 0 <= n < len(files) else None

    # --- conversations and groups -------------------------------------------------------

    def conversations(self, local: int, local_id: bytes, cap: int = 99,
                      ) -> list[ConversationView]:
        """Direct conversations, newest message first. A scan of conversations (one row
        per conversation), then two index probes each (messages_page, messages_unread)."""
        rows = self.conn.execute(
            "SELECT rowid, id, members, read_upto FROM conversations "
            "WHERE rowid NOT IN (SELECT conversation FROM groups)").fetchall()
        views = []
        for rowid, cid, members, read_upto in rows:
            others = tuple(m for m in unpack_members(members) if m != local_id)
            text, ts, author = self._last(rowid, local)
            views.append(ConversationView(bytes(cid), others, self._names(others), text, ts,
                                          author, self._unread(rowid, read_upto, local, cap),
                                          self._our_last(rowid, local, others)
                                          if author == local_id and others else None))
        return sorted(views, key=lambda v: -1 if v.last_ts is None else v.last_ts,
                      reverse=True)

    def groups(self, local: int, cap: int = 99) -> list[GroupView]:
        """Groups we hold a key for, newest message first (as ``conversations``);
        circles are not chats and are left out."""
        rows = self.conn.execute(
            "SELECT c.rowid, c.id, c.members, c.read_upto, g.name, a.id, g.epoch, g.member, "
            "m.conversation IS NOT NULL FROM groups g "
            "JOIN conversations c ON c.rowid = g.conversation "
            "JOIN accounts a ON a.rowid = g.admin "
            "LEFT JOIN communities m ON m.conversation = g.conversation WHERE g.salt != ?",
            (private.CIRCLE_SALT,)).fetchall()
        views = []
        for rowid, gid, members, read_upto, name, admin, epoch, member, open_ in rows:
            ids = unpack_members(members)
            text, ts, author = self._last(rowid, local)
            views.append(GroupView(bytes(gid), name, bytes(admin), int(epoch), bool(member),
                                   ids, self._names(ids), text, ts, author,
                                   self._unread(rowid, read_upto, local, cap), bool(open_)))
        return sorted(views, key=lambda v: -1 if v.last_ts is None else v.last_ts,
                      reverse=True)

    def page(self, conversation_id: bytes, local: int, limit: int = 50,
             before: Cursor | None = None) -> MessagePage | None:
        """A conversation's messages, newest first, keyset paged on (ts, rowid); None
        for an unknown conversation. Index: messages_page."""
        row = self.conn.execute(
            "SELECT rowid, members, rowid IN (SELECT conversation FROM groups) "
            "FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is None:
            return None
        cur = before or _FAR_FUTURE
        limit = max(1, min(limit, 500))
        rows = self.conn.execute(
            "SELECT m.rowid, e.id, a.id, pr.name, m.ts, m.text, m.reply_to, m.author, e.ts, "
            "e.log, e.seq FROM messages m JOIN entries e ON e.rowid = m.rowid "
            "JOIN accounts a ON a.rowid = m.author LEFT JOIN profiles pr ON pr.account = "
            "m.author WHERE m.conversation = ? AND (m.ts, m.rowid) < (?, ?) "
            f"AND {_NOT_BLOCKED} ORDER BY m.ts DESC, m.rowid DESC LIMIT ?",
            (row[0], cur.ts, cur.rowid, local, limit)).fetchall()
        deliveries: Iterator[Delivery] = iter(())
        me = self.conn.execute("SELECT id FROM accounts WHERE rowid = ?", (local,)).fetchone()
        others = [m for m in unpack_members(row[1]) if me is None or m != bytes(me[0])]
        if not row[2] and others:  # a direct conversation: our messages' delivery states
            deliveries = iter(holders.of(self.conn, local, others,
                                         [(r[9], r[10]) for r in rows if r[7] == local]))
        items = [MessageView(bytes(eid), conversation_id, bytes(author), name, ts, text,
                             None if reply is None else bytes(reply), who == local,
                             Cursor(ts, rowid), self._reactions(bytes(eid), row[0], local),
                             signed, next(deliveries, None) if who == local else None,
                             self.files_of(rowid))
                 for rowid, eid, author, name, ts, text, reply, who, signed, _l, _s in rows]
        return MessagePage(items, items[-1].cursor if len(items) == limit else None)

    def _reactions(self, target: bytes, conversation: int, local: int,
                   ) -> tuple[tuple[str, int, bool], ...]:
        """(emoji, count, ours) on one message, first used first. Index: the primary
        key's target prefix; blocked accounts left out."""
        rows = self.conn.execute(
            "SELECT max(emoji), count(DISTINCT account), max(account = ?) "
            f"FROM message_reactions m WHERE target = ? AND conversation = ? AND "
            f"active = 1 AND {_not_blocked('m.account')} GROUP BY {SAME_EMOJI} "
            f"ORDER BY min(ts)",
            (local, target, conversation, local)).fetchall()
        return tuple((emoji, int(n), bool(ours)) for emoji, n, ours in rows)

    def message_conversation(self, entry_id: bytes) -> bytes | None:
        """The conversation a stored message belongs to (to check a reply's target)."""
        row = self.conn.execute(
            "SELECT c.id FROM entries e JOIN messages m ON m.rowid = e.rowid "
            "JOIN conversations c ON c.rowid = m.conversation WHERE e.id8 = ? AND e.id = ?",
            (int.from_bytes(entry_id[:8], "big", signed=True), entry_id)).fetchone()
        return None if row is None else bytes(row[0])

    def mark_read(self, conversation_id: bytes) -> bool:
        """Everything stored so far in one conversation is read; False if unknown."""
        return bool(self.conn.execute(
            "UPDATE conversations SET read_upto = coalesce((SELECT max(rowid) FROM messages "
            "WHERE conversation = conversations.rowid), read_upto) WHERE id = ?",
            (conversation_id,)).rowcount)

    def unread(self, local: int, cap: int = 99) -> int:
        """Messages by others above each conversation's read mark, at most ``cap``.
        Index: messages_unread, one range per conversation."""
        return int(self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM conversations c CROSS JOIN messages m "
            f"ON m.conversation = c.rowid AND m.rowid > c.read_upto WHERE m.author != ? "
            f"AND {_NOT_BLOCKED} LIMIT ?)",
            (local, local, max(0, cap))).fetchone()[0])  # CROSS: conversations outer

    def _unread(self, conversation: int, read_upto: int, local: int, cap: int) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM messages m WHERE conversation = ? "
            f"AND rowid > ? AND author != ? AND {_NOT_BLOCKED} LIMIT ?)",
            (conversation, read_upto, local, local, cap)).fetchone()[0])

    def _last(self, conversation: int, local: int,
              ) -> tuple[str | None, int | None, bytes | None]:
        row = self.conn.execute(
            "SELECT m.text, m.ts, a.id FROM messages m JOIN accounts a ON a.rowid = m.author "
            f"WHERE m.conversation = ? AND {_NOT_BLOCKED} "
            "ORDER BY m.ts DESC, m.rowid DESC LIMIT 1", (conversation, local)).fetchone()
        return (None, None, None) if row is None else (row[0], int(row[1]), bytes(row[2]))

    def _our_last(self, conversation: int, local: int, others: Sequence[bytes],
                  ) -> Delivery | None:
        """The delivery state of our newest message in a direct conversation (called
        when the last message is ours). Index: messages_page."""
        row = self.conn.execute(
            "SELECT e.log, e.seq FROM messages m JOIN entries e ON e.rowid = m.rowid "
            "WHERE m.conversation = ? AND m.author = ? ORDER BY m.ts DESC, m.rowid DESC "
            "LIMIT 1", (conversation, local)).fetchone()
        return None if row is None else holders.of(self.conn, local, others,
                                                   [(row[0], row[1])])[0]

    def _names(self, accounts: tuple[bytes, ...]) -> tuple[str | None, ...]:
        names = []
        for account in accounts:
            row = self.conn.execute(
                "SELECT pr.name FROM accounts a JOIN profiles pr ON pr.account = a.rowid "
                "WHERE a.id = ?", (account,)).fetchone()
            names.append(None if row is None else row[0])
        return tuple(names)
