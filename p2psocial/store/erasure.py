"""What deleting an entry does to what was derived from it: its body goes, a post is
hidden and leaves search and mentions, a reaction is withdrawn, a private message
leaves the inbox. Used by ingest for an author's delete, and for the entries a
revoked device wrote past its last valid one (store/revocations.py).
"""

from __future__ import annotations

import sqlite3

from ..content import Kind
from . import blob_wants
from .notify import Notifier
from .text_index import TextIndex
from .views import Erased


def what_is_erased(conn: sqlite3.Connection, rowid: int, kind: int, target: bytes) -> Erased:
    """The post whose view a delete changes (deletes are rare: a query or two)."""
    if kind == Kind.REACTION:
        row = conn.execute("SELECT target FROM reactions WHERE entry = ?",
                           (target,)).fetchone()
        return Erased(kind, None if row is None else bytes(row[0]), None)
    row = conn.execute("SELECT parent FROM posts WHERE rowid = ?", (rowid,)).fetchone()
    if row is None:
        return Erased(kind, None, None)  # no post (a profile, a follow, a message)
    return Erased(kind, target, None if row[0] is None else bytes(row[0]))


def erase(conn: sqlite3.Connection, notes: Notifier, text: TextIndex, rowid: int,
          kind: int, target: bytes) -> None:
    """What a delete does to its target: the body goes, a post is hidden and leaves
    the search index and mentions, a reaction is withdrawn, a private message
    leaves ``messages`` (store/inbox.py) and a followers-only post leaves the
    timeline like a public one (store/circles.py). Other kinds keep their
    effect (publish the opposite entry to change it). Certificates are kept."""
    if kind == Kind.DEVICE:
        return
    conn.execute("UPDATE entries SET body = NULL WHERE rowid = ?", (rowid,))
    notes.erased(rowid)
    if kind != Kind.PROFILE:  # a profile keeps its effect, its avatar with it
        blob_wants.forget(conn, rowid)
    if kind in (Kind.POST, Kind.GROUP):  # a GROUP entry may be a circle post
        post = conn.execute("SELECT text, cw FROM posts WHERE rowid = ? AND deleted = 0",
                            (rowid,)).fetchone()
        if post:
            if text.holds(rowid):
                text.remove(rowid, post[0], post[1])
            conn.execute("UPDATE posts SET deleted = 1, in_home = 0, text = '', "
                         "cw = NULL WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM mentions WHERE post = ?", (rowid,))
        else:  # its body went to the storage budget (store/storage.py): now it is deleted
            conn.execute("UPDATE posts SET deleted = 1 WHERE rowid = ? AND deleted = 2",
                         (rowid,))
    elif kind == Kind.REACTION:
        conn.execute("UPDATE reactions SET active = 0 WHERE entry = ?", (target,))
    if kind in (Kind.PRIVATE, Kind.GROUP):  # what the private scan read goes too
        conn.execute("DELETE FROM messages WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM private_files WHERE entry = ?", (rowid,))
        conn.execute("UPDATE message_reactions SET active = 0 WHERE entry = ?", (rowid,))
        # the marker stays (a deleted placeholder is still followers-only)
        conn.execute("UPDATE circle_posts SET body = x'' WHERE rowid = ?", (rowid,))
