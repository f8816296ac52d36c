"""Followers-only posts, once the private scan opened them (migration 5).

Theory of operation.

A circle post is a GROUP entry of its author's circle (``private.circle_id``): a
group like any other, so its keys, epochs and revocations are the group machinery's
(store/inbox.py). What differs is what the scan does with it: instead of a chat
message it writes a row into ``posts``, exactly as ingest writes a public post
(``in_home`` from the local follows and blocks, mentions), and keeps the decrypted
post body in ``circle_posts``. Every reader of posts (home timeline, profile, thread,
search) then shows it without a second path, and ``PostView.audience`` is "circle"
when the row is there. A node that cannot open the entry writes nothing: no row, no
placeholder, so non-members see nothing at all.

Notifications: a circle post that replies to one of the local account's posts, or
mentions it, notifies like a public one (``notify``; ingest never sees its text, so
the scan does it when it opens the post).

Kept alike with public posts: an unfollow or block takes them off the home timeline
(``Ingestor._refresh_home`` updates every post of the author); a delete marks the
post deleted, takes it out of the index and mentions, and empties the decrypted body
(``erasure.erase``). Not alike: edits do not
apply (an edit is a public entry: it would publish the new text), and ingest makes no
notifications for them (it never sees their text).

Search: a circle post is indexed like any post, locally. Search runs over this
home's store only and shows its owner what they can read anyway; nothing of it
reaches others.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .. import content as c
from .schema import id8


@dataclass(frozen=True, slots=True)
class CircleRow:
    """Where a circle post came from: its entry's rowid, time and author."""

    rowid: int
    ts: int
    author: int  # accounts.rowid


def add_post(conn: sqlite3.Connection, row: CircleRow, post: c.Post,
             local: int) -> bool:
    """Write an opened circle post (inside the scan's transaction); whether it is new.

    ``in_home`` follows ingest's rule (the local account, or an account it follows and
    has not blocked). A post whose rowid is at or below the full-text watermark is
    indexed now; one above it is indexed by the next ``index_text`` like any post."""
    if not conn.execute("INSERT OR IGNORE INTO circle_posts(rowid, body) VALUES (?, ?)",
                        (row.rowid, c.encode_body(post)[1])).rowcount:
        return False
    in_home = row.author == local or conn.execute(
        "SELECT 1 FROM follows f WHERE f.follower = :me AND f.followee = :author "
        "AND f.active = 1 AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = :me "
        "AND b.blocked = :author AND b.active = 1)",
        {"me": local, "author": row.author}).fetchone() is not None
    conn.execute(
        "INSERT OR IGNORE INTO posts(rowid, author, ts, root, parent, text, cw, edited, "
        "deleted, in_home) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
        (row.rowid, row.author, row.ts, post.thread_root, post.reply_parent, post.text,
         post.content_warning, int(in_home)))
    for mentioned in post.mentions:
        conn.execute("INSERT OR IGNORE INTO accounts(id) VALUES (?)", (mentioned,))
        conn.execute("INSERT OR IGNORE INTO mentions(account, ts, post) "
                     "SELECT rowid, ?, ? FROM accounts WHERE id = ?",
                     (row.ts, row.rowid, mentioned))
    upto = conn.execute("SELECT value FROM meta WHERE key = 'fts_upto'").fetchone()
    if upto is not None and row.rowid <= int(upto[0]):
        conn.execute("INSERT INTO posts_fts(rowid, text, cw) VALUES (?, ?, ?)",
                     (row.rowid, post.text, post.content_warning))
    return True


def notify(conn: sqlite3.Connection, row: CircleRow, post: c.Post, local: int) -> bool:
    """Notify the local account of an opened circle post that replies to one of its
    posts or mentions it (as ingest does for public posts); whether it did."""
    if row.author == local:
        return False
    kind = None
    if post.reply_parent is not None and conn.execute(
            "SELECT 1 FROM entries e JOIN posts p ON p.rowid = e.rowid "
            "WHERE e.id8 = ? AND e.id = ? AND p.author = ?",
            (id8(post.reply_parent), post.reply_parent, local)).fetchone():
        kind = "reply"
    elif post.mentions and conn.execute("SELECT id FROM accounts WHERE rowid = ?",
                                        (local,)).fetchone()[0] in post.mentions:
        kind = "mention"
    return kind is not None and bool(conn.execute(
        "INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post) "
        "VALUES (?, ?, ?, ?, ?)", (row.rowid, kind, row.author, row.ts, row.rowid)).rowcount)
