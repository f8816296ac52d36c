"""What the readable takeout copies out of the store (p2psocial/takeout.py writes it).

Every read is one pass, streamed in a stable order, over rows the local account owns
or received: its live posts (and, when asked, those of the accounts it follows), its
reactions and those its posts received, the private messages the scan opened, its
conversations and groups, its follows, followers and blocks. Values stay as the store
holds them (bytes, milliseconds); the takeout module decides how they read.

Run them inside ``snapshot``: a read-only connection is in autocommit mode, so without
one read transaction a serve writing beside us could make the posts and the reactions
two different moments of the home.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import NamedTuple

from .. import content as c
from .. import private
from .members import unpack_members
from .queries import decode_post


class PostRow(NamedTuple):
    id: bytes
    author: bytes
    author_name: str | None
    ts: int  # placed (timestamps.py)
    signed_ts: int
    text: str
    cw: str | None
    parent: bytes | None
    parent_author: bytes | None  # when this home holds the parent
    root: bytes | None
    edited: bool
    circle: bool  # followers-only
    post: c.Post | None  # the decoded body: tags, mentions, attachments


class ReactionRow(NamedTuple):
    entry: bytes  # the reaction entry's id
    target: bytes
    target_author: bytes | None
    account: bytes
    name: str | None
    emoji: str
    ts: int


class MessageRow(NamedTuple):
    rowid: int
    id: bytes
    conversation: bytes
    author: bytes
    author_name: str | None
    ts: int
    signed_ts: int
    text: str
    reply_to: bytes | None


class FileRow(NamedTuple):
    """A picture or file of an opened private entry, with what opens its sealed blob."""

    n: int
    blob: bytes
    key: bytes
    mime: str
    size: int
    width: int
    height: int
    name: str
    alt: str


class ConversationRow(NamedTuple):
    id: bytes
    kind: str  # "direct" | "group" | "community"
    name: str | None
    admin: bytes | None
    member: bool
    members: tuple[bytes, ...]


class RelationRow(NamedTuple):
    account: bytes
    name: str | None
    ts: int  # when the follow or block was signed


_NOT_BLOCKED = "NOT IN (SELECT blocked FROM blocks WHERE blocker = :me AND active = 1)"

_POSTS = """
SELECT e.id, a.id, pr.name, p.ts, e.ts, p.text, p.cw, p.parent, pa.id, p.root, p.edited,
       coalesce(cp.body, e.body), cp.rowid IS NOT NULL
FROM posts p
JOIN entries e ON e.rowid = p.rowid
JOIN accounts a ON a.rowid = p.author
LEFT JOIN profiles pr ON pr.account = p.author
LEFT JOIN circle_posts cp ON cp.rowid = p.rowid
LEFT JOIN entries pe  -- id8() takes no NULL: CASE is evaluated lazily
       ON pe.id8 = CASE WHEN p.parent IS NULL THEN NULL ELSE id8(p.parent) END
       AND pe.id = p.parent
LEFT JOIN logs pl ON pl.rowid = pe.log
LEFT JOIN accounts pa ON pa.rowid = pl.account
"""


@contextlib.contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every read inside sees the same moment of the home."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


class TakeoutReads:
    def __init__(self, conn: sqlite3.Connection, local: int) -> None:
        self.conn = conn
        self.local = local

    def own_posts(self) -> Iterator[PostRow]:
        """The local account's live posts, oldest first, replies and followers-only
        posts among them. Index: posts_author."""
        return self._posts(f"{_POSTS} WHERE p.author = :me AND p.deleted = 0 "
                           "ORDER BY p.ts, p.rowid")

    def followed_posts(self) -> Iterator[PostRow]:
        """The live posts of the accounts the local account follows (and has not
        blocked), by author, oldest first. Index: posts_author per followed account."""
        return self._posts(
            f"{_POSTS} JOIN follows f ON f.followee = p.author AND f.follower = :me "
            f"AND f.active = 1 WHERE p.deleted = 0 AND p.author != :me "
            f"AND p.author {_NOT_BLOCKED} ORDER BY p.author, p.ts, p.rowid")

    def _posts(self, sql: str) -> Iterator[PostRow]:
        for (entry_id, author, name, ts, signed, text, cw, parent, parent_author, root,
             edited, body, circle) in self.conn.execute(sql, {"me": self.local}):
            yield PostRow(bytes(entry_id), bytes(author), name, ts, signed, text, cw,
                          _opt(parent), _opt(parent_author), _opt(root), bool(edited),
                          bool(circle), decode_post(body))

    def own_reactions(self) -> Iterator[ReactionRow]:
        """The local account's active reactions, oldest first. A scan of ``reactions``
        (its key starts with the target): one pass, for a takeout only."""
        rows = self.conn.execute(
            "SELECT r.entry, r.target, ta.id, a.id, pr.name, r.emoji, r.ts FROM reactions r "
            "JOIN accounts a ON a.rowid = r.account "
            "LEFT JOIN profiles pr ON pr.account = r.account "
            "LEFT JOIN entries te ON te.id8 = id8(r.target) AND te.id = r.target "
            "LEFT JOIN logs tl ON tl.rowid = te.log "
            "LEFT JOIN accounts ta ON ta.rowid = tl.account "
            "WHERE r.account = :me AND r.active = 1 ORDER BY r.ts", {"me": self.local})
        return (_reaction(row) for row in rows)

    def reactions_received(self) -> Iterator[ReactionRow]:
        """Other accounts' active reactions on the local account's live posts, not
        blocked ones. Index: posts_author, then the reactions key per post."""
        rows = self.conn.execute(
            "SELECT r.entry, r.target, me.id, a.id, pr.name, r.emoji, r.ts FROM posts p "
            "JOIN entries e ON e.rowid = p.rowid "
            "JOIN reactions r ON r.target = e.id AND r.active = 1 AND r.account != :me "
            "JOIN accounts a ON a.rowid = r.account "
            "JOIN accounts me ON me.rowid = :me "
            "LEFT JOIN profiles pr ON pr.account = r.account "
            f"WHERE p.author = :me AND p.deleted = 0 AND r.account {_NOT_BLOCKED} "
            "ORDER BY r.ts", {"me": self.local})
        return (_reaction(row) for row in rows)

    def conversations(self) -> Iterator[ConversationRow]:
        """Direct conversations, groups and communities this home opened (circles are
        followers-only posts, in the posts). A scan of ``conversations``."""
        rows = self.conn.execute(
            "SELECT c.id, c.members, g.conversation IS NOT NULL, g.name, ga.id, g.member, "
            "cm.conversation IS NOT NULL FROM conversations c "
            "LEFT JOIN groups g ON g.conversation = c.rowid "
            "LEFT JOIN accounts ga ON ga.rowid = g.admin "
            "LEFT JOIN communities cm ON cm.conversation = c.rowid "
            "WHERE g.salt IS NULL OR g.salt != ? ORDER BY c.rowid", (private.CIRCLE_SALT,))
        for cid, members, group, name, admin, member, community in rows:
            kind = "community" if community else "group" if group else "direct"
            yield ConversationRow(bytes(cid), kind, name, _opt(admin),
                                  bool(member) if group else True, unpack_members(members))

    def messages(self) -> Iterator[MessageRow]:
        """Every opened message, by conversation then time, without those of blocked
        accounts (as the app shows them). Index: messages_page."""
        rows = self.conn.execute(
            "SELECT m.rowid, e.id, c.id, a.id, pr.name, m.ts, e.ts, m.text, m.reply_to "
            "FROM messages m JOIN entries e ON e.rowid = m.rowid "
            "JOIN conversations c ON c.rowid = m.conversation "
            "JOIN accounts a ON a.rowid = m.author "
            "LEFT JOIN profiles pr ON pr.account = m.author "
            f"WHERE m.author {_NOT_BLOCKED} ORDER BY m.conversation, m.ts, m.rowid",
            {"me": self.local})
        for rowid, entry_id, cid, author, name, ts, signed, text, reply_to in rows:
            yield MessageRow(rowid, bytes(entry_id), bytes(cid), bytes(author), name, ts,
                             signed, text, _opt(reply_to))

    def message_reactions(self) -> Iterator[ReactionRow]:
        """Active reactions inside groups and communities on messages this home opened,
        counted only in the conversation they were written in (as the app counts
        them), without blocked accounts'. A scan of ``message_reactions``."""
        rows = self.conn.execute(
            "SELECT re.id, mr.target, ma.id, a.id, pr.name, mr.emoji, mr.ts "
            "FROM message_reactions mr "
            "JOIN entries re ON re.rowid = mr.entry "
            "JOIN entries te ON te.id8 = id8(mr.target) AND te.id = mr.target "
            "JOIN messages m ON m.rowid = te.rowid AND m.conversation = mr.conversation "
            "JOIN accounts ma ON ma.rowid = m.author "
            "JOIN accounts a ON a.rowid = mr.account "
            "LEFT JOIN profiles pr ON pr.account = mr.account "
            f"WHERE mr.active = 1 AND mr.account {_NOT_BLOCKED} ORDER BY mr.ts",
            {"me": self.local})
        return (_reaction(row) for row in rows)

    def files_of(self, message_rowid: int) -> list[FileRow]:
        """A message's pictures and files, in order. Index: private_files key."""
        return [FileRow(n, bytes(blob), bytes(key), mime, size, w, h, name, alt)
                for n, blob, key, mime, size, w, h, name, alt in self.conn.execute(
                    "SELECT n, blob, key, mime, size, width, height, name, alt "
                    "FROM private_files WHERE entry = ? ORDER BY n", (message_rowid,))]

    def following(self) -> list[RelationRow]:
        return self._relation("follows", "follower", "followee")

    def followers(self) -> list[RelationRow]:
        return self._relation("follows", "followee", "follower")

    def blocked(self) -> list[RelationRow]:
        return self._relation("blocks", "blocker", "blocked")

    def _relation(self, table: str, mine: str, other: str) -> list[RelationRow]:
        """Active rows of a follow or block relation, oldest first. Index: the table's
        primary key, or follows_followee for followers."""
        assert (table, mine, other) in _RELATIONS
        return [RelationRow(bytes(a), name, ts) for a, name, ts in self.conn.execute(
            f"SELECT a.id, pr.name, t.ts FROM {table} t "
            f"JOIN accounts a ON a.rowid = t.{other} "
            f"LEFT JOIN profiles pr ON pr.account = t.{other} "
            f"WHERE t.{mine} = ? AND t.active = 1 AND t.{other} != ? ORDER BY t.ts",
            (self.local, self.local))]

    def names(self) -> dict[bytes, str]:
        """Every profile name this home holds, by account (a scan of ``profiles``: one
        row per named account, never posts)."""
        return {bytes(a): name for a, name in self.conn.execute(
            "SELECT a.id, pr.name FROM profiles pr JOIN accounts a ON a.rowid = pr.account")}

    def profile(self) -> tuple[str | None, str, bytes | None]:
        """The local account's name, bio and avatar hash, as its newest profile says."""
        row = self.conn.execute("SELECT name, bio, avatar FROM profiles WHERE account = ?",
                                (self.local,)).fetchone()
        if row is None:
            return None, "", None
        return row[0], row[1], _opt(row[2])

    def blob(self, digest: bytes) -> bytes | None:
        row = self.conn.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        return None if row is None else bytes(row[0])


_RELATIONS = {("follows", "follower", "followee"), ("follows", "followee", "follower"),
              ("blocks", "blocker", "blocked")}


def _opt(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)


def _reaction(row: tuple) -> ReactionRow:
    entry, target, target_author, account, name, emoji, ts = row
    return ReactionRow(bytes(entry), bytes(target), _opt(target_author), bytes(account),
                       name, emoji, ts)

