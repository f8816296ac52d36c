"""Notifications of the local account, derived at ingest (the invariant is stated with
migration 3 in schema.py).

The writer (ingest.py) tells this object about the posts, reactions and follows it
stores, inside its transaction. The checks cost a set lookup for everything that
does not concern the local account: ``posts`` holds the ids of the local account's
posts, loaded at start and grown as they are stored, so a reply to one or a reaction
on one is found without a query.

A local post can arrive after replies and reactions to it (a second device's log,
a restore): when it is stored, the replies and reactions already held are looked up
through posts_thread and the reactions primary key, and notified then.

Every notification is placed in time like its cause (``timestamps.placed``): the
writer hands the times in, and sets ``arrived`` for each batch (a reaction caught up
from the register holds its signed time, which is placed here).
"""

from __future__ import annotations

import sqlite3

from .. import content as c
from . import schema

_REPLY, _MENTION, _REACTION, _FOLLOW = "reply", "mention", "reaction", "follow"


class Notifier:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        schema.add_functions(conn)  # id8() in the catch-up of a late local post
        self.local: int | None = None
        self.local_id: bytes | None = None
        self.posts: dict[bytes, int] = {}  # the local account's post ids -> rowid
        self._rows: list[tuple[int, str, int, int, int]] = []  # replies and mentions
        self._late: list[tuple[bytes, bytes, int]] = []  # local posts: (id, root, rowid)
        self.created = 0  # in the current batch
        self.arrived = 0  # ms: when the current batch arrived (set by the writer)

    def load(self, local: int, local_id: bytes) -> None:
        """Whose notifications these are; reads the ids of their posts (posts_author)."""
        self.local, self.local_id = local, local_id
        self.posts = {bytes(i): r for i, r in self.conn.execute(
            "SELECT e.id, p.rowid FROM posts p JOIN entries e ON e.rowid = p.rowid "
            "WHERE p.author = ?", (local,))}

    def reset(self) -> None:
        """After a rollback: forget what the failed batch buffered."""
        self._rows.clear()
        self._late.clear()
        self.created = 0

    def take_created(self) -> int:
        created, self.created = self.created, 0
        return created

    # --- told by the writer -----------------------------------------------------

    def post(self, author: int, rowid: int, entry_id: bytes, ts: int, post: c.Post) -> None:
        """A post that concerns us was buffered for insertion: by the local account,
        replying to one of its posts, or mentioning it. The writer tests that inline
        (most posts do not, and a call per post costs); this says which it is."""
        if author == self.local:
            self.posts[entry_id] = rowid
            self._late.append((entry_id, post.thread_root or entry_id, rowid))
        elif post.reply_parent in self.posts:
            self._rows.append((rowid, _REPLY, author, ts, rowid))
        else:
            self._rows.append((rowid, _MENTION, author, ts, rowid))

    def on_local_post(self, target: bytes, account: int) -> bool:
        """Whether a reaction by ``account`` on ``target`` concerns us (a set lookup)."""
        return account != self.local and target in self.posts

    def reaction(self, actor: int, rowid: int, ts: int, target: bytes, emoji: str,
                 active: bool) -> None:
        """The register (target, actor, emoji) now holds this reaction or its undo."""
        post = self.posts[target]
        self.conn.execute("DELETE FROM notifications WHERE actor = ? AND kind = ? "
                          "AND post = ? AND emoji = ?", (actor, _REACTION, post, emoji))
        if active:
            self._insert((rowid, _REACTION, actor, ts, post, emoji))

    def follow(self, actor: int, rowid: int, ts: int, active: bool) -> None:
        """The register (actor follows us) now holds this follow or unfollow."""
        self.conn.execute("DELETE FROM notifications WHERE actor = ? AND kind = ?",
                          (actor, _FOLLOW))
        if active:
            self._insert((rowid, _FOLLOW, actor, ts, None, None))

    def erased(self, rowid: int) -> None:
        """An entry was deleted by its author: what it caused goes with it."""
        self.conn.execute("DELETE FROM notifications WHERE rowid = ?", (rowid,))

    def flush(self) -> None:
        """Write buffered rows; runs after the writer's posts and reactions are in."""
        if self._rows:
            cur = self.conn.executemany(
                "INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post) "
                "VALUES (?, ?, ?, ?, ?)", self._rows)
            self.created += max(cur.rowcount, 0)
            self._rows.clear()
        for entry_id, root, rowid in self._late:
            self._catch_up(entry_id, root, rowid)
        self._late.clear()

    # --- inside ------------------------------------------------------------------

    def _insert(self, row: tuple[int, str, int, int, int | None, str | None]) -> None:
        self.conn.execute("INSERT OR REPLACE INTO notifications(rowid, kind, actor, ts, post, "
                          "emoji) VALUES (?, ?, ?, ?, ?, ?)", row)
        self.created += 1

    def _catch_up(self, entry_id: bytes, root: bytes, rowid: int) -> None:
        """Replies and reactions that reached us before this local post did. For our
        own new posts both find nothing, through an index each."""
        me = {"id": entry_id, "root": root, "post": rowid, "me": self.local,
              "arrived": self.arrived}
        # replies (posts_thread); one notified as a mention becomes a reply, not a new one
        replies = "FROM posts WHERE root = :root AND parent = :id AND author != :me " \
                  "AND deleted = 0"
        self.conn.execute("UPDATE notifications SET kind = 'reply' WHERE kind = 'mention' "
                          f"AND rowid IN (SELECT rowid {replies})", me)
        cur = self.conn.execute("INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, "
                                f"post) SELECT rowid, 'reply', author, ts, rowid {replies}", me)
        self.created += max(cur.rowcount, 0)
        # active reactions of others (reactions primary key), keyed by their entry
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post, emoji) "
            "SELECT cause.rowid, 'reaction', r.account, min(r.ts, :arrived), :post, r.emoji "
            "FROM reactions r JOIN entries cause ON cause.id8 = id8(r.entry) "
            "AND cause.id = r.entry "
            "WHERE r.target = :id AND r.active = 1 AND r.account != :me", me)
        self.created += max(cur.rowcount, 0)
