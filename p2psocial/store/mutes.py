"""Mutes and word filters in the store (migration 17), and the SQL that hides what
they name from the lists (queries.py).

Theory of operation. A mute or a filter is a row in a small local table; nothing is
published and replication does not look at them. Each list query adds ``SHOWN`` (or
a variant) to its WHERE clause, so the hidden posts are left out before ``LIMIT``:
a page is as full as it would be without them and its keyset cursor stays exact,
with no second pass. The clause costs, per row read: a muted account or thread is a
look-up in a list SQLite builds once per statement; the muted tags, and the hide (or
warn) phrases, are each read once per statement into one string (an uncorrelated
scalar subquery), and a row costs one Python call with one regular expression
(``muting.tag_in``, ``muting.phrase_found``); with no tag muted and no filter, no
call at all. docs/store.md "Mutes and word filters" has the measured figures.

The local account's own posts are never hidden nor collapsed (as Mastodon does): a
filter that hid what one writes would look like a lost post. A muted thread is
the exception in notifications: reactions on one's own post in it stop too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .. import muting
from ..errors import UserError
from .views import FilterRow, MuteRow

MUTED_ACCOUNTS = ("SELECT ma.rowid FROM mutes mm JOIN accounts ma ON ma.id = mm.target "
                  "WHERE mm.kind = 'account'")
MUTED_THREADS = "SELECT target FROM mutes WHERE kind = 'thread'"
_THREAD_NOT_MUTED = f"coalesce(p.root, e.id) NOT IN ({MUTED_THREADS})"
_TAGS = "(SELECT group_concat(target, ' ') FROM mutes WHERE kind = 'tag')"
_HIDE = ("(SELECT group_concat(phrase, char(10)) FROM word_filters "  # muting.PHRASES_SEP
         "WHERE action = 'hide')")
_WARN = "(SELECT group_concat(phrase, char(10)) FROM word_filters WHERE action = 'warn')"
_NO_MUTED_TAG = f"({_TAGS} IS NULL OR NOT tag_in(p.text, {_TAGS}))"
_NO_HIDE_FILTER = f"({_HIDE} IS NULL OR phrase_found(p.text, p.cw, {_HIDE}) IS NULL)"
_AUTHOR_NOT_MUTED = f"p.author NOT IN ({MUTED_ACCOUNTS})"


def _shown(*parts: str) -> str:
    return f"(p.author = :me OR ({' AND '.join(parts)}))"


# Posts ``p`` (with their entries ``e``) that the lists show; needs the parameter :me.
SHOWN = _shown(_AUTHOR_NOT_MUTED, _THREAD_NOT_MUTED, _NO_MUTED_TAG, _NO_HIDE_FILTER)
# A muted account's own page still lists its posts (one went there to see them).
SHOWN_ON_PROFILE = _shown(_THREAD_NOT_MUTED, _NO_MUTED_TAG, _NO_HIDE_FILTER)
# A column: the phrase of a warn filter the post matches (the app collapses it), or NULL.
WARNING = (f"CASE WHEN {_WARN} IS NULL OR p.author = :me THEN NULL "
           f"ELSE phrase_found(p.text, p.cw, {_WARN}) END")
# Notifications ``n`` whose actor is not muted and whose post (if any) is shown, and
# is not in a muted thread, even one's own post there.
NOTIFICATION_SHOWN = (
    f"n.actor NOT IN ({MUTED_ACCOUNTS}) AND NOT EXISTS (SELECT 1 FROM posts p "
    f"JOIN entries e ON e.rowid = p.rowid WHERE p.rowid = n.post AND "
    f"(NOT {SHOWN} OR coalesce(p.root, e.id) IN ({MUTED_THREADS})))")


def add_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the clauses above call (muting.py's rules)."""
    conn.create_function("tag_in", 2, muting.tag_in, deterministic=True)
    conn.create_function("phrase_found", 3, muting.phrase_found, deterministic=True)


def collapsed(conn: sqlite3.Connection, rowids: list[int], me: int
              ) -> dict[int, tuple[bool, str | None]]:
    """Of the posts ``rowids`` (a thread's), those the lists would hide apart from a
    thread mute: rowid -> (muted: by a muted account or tag, the hide filter's phrase).
    A thread view keeps them as collapsed rows so the tree stays whole."""
    if not rowids:
        return {}
    out: dict[int, tuple[bool, str | None]] = {}
    marks = ", ".join("?" for _ in rowids)
    for rowid, account, tag, phrase in conn.execute(
            f"SELECT p.rowid, p.author IN ({MUTED_ACCOUNTS}), tag_in(p.text, {_TAGS}), "
            f"phrase_found(p.text, p.cw, {_HIDE}) "
            f"FROM posts p WHERE p.rowid IN ({marks}) AND p.author != ?",
            (*rowids, me)):
        if account or tag or phrase is not None:
            out[int(rowid)] = (bool(account or tag), phrase)
    return out


class MuteBook:
    """The mutes and filters of this home (``store.mute_book``): the writes and the
    lists. The node checks what people type (muting.py); this keeps rows."""

    def __init__(self, conn: sqlite3.Connection, now: Callable[[], int]) -> None:
        self.conn = conn
        self.now = now

    def mute(self, kind: str, target: bytes | str) -> bool:
        """Mute ``target``; False if it was muted already."""
        assert kind in muting.KINDS
        with self.conn:
            if self._count("mutes") >= muting.MUTES_MAX:
                raise UserError(f"this home keeps at most {muting.MUTES_MAX} mutes: "
                                       "unmute some first")
            return bool(self.conn.execute(
                "INSERT OR IGNORE INTO mutes(kind, target, created) VALUES (?, ?, ?)",
                (kind, target, self.now())).rowcount)

    def unmute(self, kind: str, target: bytes | str) -> bool:
        """Unmute ``target``; False if it was not muted."""
        with self.conn:
            return bool(self.conn.execute("DELETE FROM mutes WHERE kind = ? AND target = ?",
                                          (kind, target)).rowcount)

    def is_muted(self, kind: str, target: bytes | str) -> bool:
        return self.conn.execute("SELECT 1 FROM mutes WHERE kind = ? AND target = ?",
                                 (kind, target)).fetchone() is not None

    def mutes(self) -> list[MuteRow]:
        """Every mute, newest first, with a muted account's name (if known) and a muted
        thread's root text (if held: what the list shows to recognise it)."""
        rows = self.conn.execute(
            "SELECT m.kind, m.target, m.created, pr.name, "
            "(SELECT p.text FROM entries e JOIN posts p ON p.rowid = e.rowid "
            " WHERE e.id8 = CASE WHEN m.kind = 'thread' THEN id8(m.target) END "
            " AND e.id = m.target) "  # id8() of a tag (text) would fail
            "FROM mutes m LEFT JOIN accounts a ON m.kind = 'account' AND a.id = m.target "
            "LEFT JOIN profiles pr ON pr.account = a.rowid "
            "ORDER BY m.created DESC, m.kind, m.target").fetchall()
        return [MuteRow(kind, target if kind == muting.TAG else bytes(target), int(created),
                        name, text) for kind, target, created, name, text in rows]

    def set_filter(self, phrase: str, action: str) -> str:
        """Add a filter, or change what it does: "added", "changed" or "unchanged"."""
        assert action in muting.ACTIONS
        with self.conn:
            row = self.conn.execute("SELECT action FROM word_filters WHERE phrase = ?",
                                    (phrase,)).fetchone()
            if row is not None and row[0] == action:
                return "unchanged"
            if row is None and self._count("word_filters") >= muting.FILTERS_MAX:
                raise UserError(f"this home keeps at most {muting.FILTERS_MAX} "
                                       "filters: remove some first")
            self.conn.execute(
                "INSERT INTO word_filters(phrase, action, created) VALUES (?, ?, ?) "
                "ON CONFLICT (phrase) DO UPDATE SET action = excluded.action",
                (phrase, action, self.now()))
            return "added" if row is None else "changed"

    def remove_filter(self, phrase: str) -> bool:
        with self.conn:
            return bool(self.conn.execute("DELETE FROM word_filters WHERE phrase = ?",
                                          (phrase,)).rowcount)

    def filters(self) -> list[FilterRow]:
        """Every filter, newest first."""
        return [FilterRow(phrase, action, int(created)) for phrase, action, created in
                self.conn.execute("SELECT phrase, action, created FROM word_filters "
                                  "ORDER BY created DESC, phrase")]

    def _count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
