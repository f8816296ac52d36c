"""The full-text index of posts (``posts_fts``, FTS5 over ``posts(text, cw)`` with
external content), kept apart from ingest so that a burst of entries is not slowed
by it.

``index`` adds the live posts above the watermark ``meta.fts_upto`` in bulk, later
(the node calls it when a burst is over). The index holds exactly ``posts.text`` and
``posts.cw``: an edit or a delete of a row at or below the watermark (``holds``)
takes the old row out with the values it was indexed with (``remove``), and an edit
puts the new text in (``add``). The writer (ingest.py) owns the one ``TextIndex`` of
its connection; the watermark is cached here, valid because it is the only writer.
"""

from __future__ import annotations

import sqlite3


class TextIndex:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.upto = 0
        self.reload()

    def reload(self) -> None:
        """Read the watermark again (after a rolled-back transaction)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'fts_upto'").fetchone()
        self.upto = int(row[0]) if row else 0

    def holds(self, rowid: int) -> bool:
        return rowid <= self.upto

    def remove(self, rowid: int, text: str, cw: str | None) -> None:
        """Take out a row with the values it was indexed with (external content)."""
        self.conn.execute("INSERT INTO posts_fts(posts_fts, rowid, text, cw) "
                          "VALUES ('delete', ?, ?, ?)", (rowid, text, cw))

    def add(self, rowid: int, text: str, cw: str | None) -> None:
        self.conn.execute("INSERT INTO posts_fts(rowid, text, cw) VALUES (?, ?, ?)",
                          (rowid, text, cw))

    def index(self, limit: int | None = None) -> int:
        """Index live posts above the watermark (all, or the oldest ``limit``)."""
        top = self.conn.execute("SELECT max(rowid) FROM posts").fetchone()[0] or 0
        if top <= self.upto:
            return 0
        if limit is not None:
            row = self.conn.execute("SELECT rowid FROM posts WHERE rowid > ? ORDER BY rowid "
                                    "LIMIT 1 OFFSET ?", (self.upto, limit - 1)).fetchone()
            top = row[0] if row else top
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self.conn.execute(
                "INSERT INTO posts_fts(rowid, text, cw) SELECT rowid, text, cw FROM posts "
                "WHERE rowid > ? AND rowid <= ? AND deleted = 0", (self.upto, top))
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_upto', ?)",
                              (top,))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.upto = top
        return cur.rowcount
