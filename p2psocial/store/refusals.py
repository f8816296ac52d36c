"""The accounts this home refuses to replicate and carry, and what refusing does.

Theory of operation. Four local tables (migration 19) and the public blocks decide:

    refused = (our public blocks | our private blocks
               | (active public blocks of the lists we subscribe to
                  - our exceptions - the accounts we follow)) - ourselves

A friend's list never silently removes someone we follow, and an exception overrides
a list, never our own block (to stop blocking, unblock). ``compute`` is that set;
``review`` is the same with the reasons, for people to check. One list counts for
at most ``LIST_MAX`` accounts.

Refusing is applied at the replication layer, not in the views: the node no longer
wants the account (node/replication.py), offers none of its logs, gossip rejects its
entries, ingest refuses them (``IngestResult.refused``), and what this home held of
it is *truncated*: every entry but each log's certificate (seq 1) goes, after
``erasure.erase`` took out what it derived (posts hidden and out of search,
notifications, reactions withdrawn, blob references), then the derived rows
themselves (but for the account's name and bio, so that people can tell whom the
review names: the ones held when it was refused, so two homes may show different
ones). A new log of a refused account keeps its certificate too, and nothing more:
its logs end up alike here whatever arrived first (tests/test_store_merge.py). The
table ``refused`` remembers what was applied, so that ``apply`` only acts on the
difference, and ``Store.refused`` reads it; an account that leaves the set needs nothing here: its
logs hold only their certificates, so the next sync fetches the rest again and
ingest derives it afresh (new rowids, above every watermark: meta
``entries_high``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Protocol

from ..content import Kind
from . import erasure
from .notify import Notifier
from .text_index import TextIndex
from .views import RefusalView


class Writer(Protocol):
    """What ``RefusalBook.apply`` needs of the store's writer (ingest.Ingestor)."""

    notes: Notifier
    text: TextIndex

    def _forget_caches(self) -> None: ...

# Why an account is refused (RefusalView.why): one of these, or "list:<owner hex>".
BLOCK, PRIVATE = "block", "private"
# Why a listed account is kept (RefusalView.kept).
EXCEPTION, FOLLOWING = "exception", "following"

_OWN_BLOCKS = ("SELECT a.id FROM blocks b JOIN accounts a ON a.rowid = b.blocked "
               "WHERE b.blocker = ? AND b.active = 1")
LIST_MAX = 10_000
"""Accounts one subscribed list can make us refuse: its first blocks by signed time
(then by account). A list owner we trust could still publish a million blocks: past
this many, the rest of that list is left out (``compute`` runs on every change of
what we replicate)."""


def _listed_sql() -> str:
    """(listed account, list owner) for the first ``LIST_MAX`` active public blocks of
    each subscribed list."""
    return ("SELECT id, owner FROM (SELECT a.id AS id, o.id AS owner, row_number() OVER "
            "(PARTITION BY b.blocker ORDER BY b.ts, a.id) AS n FROM blocklists s "
            "JOIN accounts o ON o.id = s.owner "
            "JOIN blocks b ON b.blocker = o.rowid AND b.active = 1 "
            "JOIN accounts a ON a.rowid = b.blocked) WHERE n <= " + str(int(LIST_MAX)))


_FOLLOWED = ("SELECT a.id FROM follows f JOIN accounts a ON a.rowid = f.followee "
             "WHERE f.follower = ? AND f.active = 1")


def _ids(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> set[bytes]:
    return {bytes(r[0]) for r in conn.execute(sql, args)}


def _local(conn: sqlite3.Connection) -> tuple[bytes | None, int | None]:
    row = conn.execute("SELECT a.id, a.rowid FROM meta m JOIN accounts a ON a.id = m.value "
                       "WHERE m.key = 'local_account'").fetchone()
    if row is None:
        value = conn.execute("SELECT value FROM meta WHERE key = 'local_account'").fetchone()
        return (None if value is None else bytes(value[0])), None
    return bytes(row[0]), int(row[1])


def review(conn: sqlite3.Connection) -> list[RefusalView]:
    """Every account one of the reasons names, with its reasons and, when it is not
    refused after all, why not; in account order."""
    me, rowid = _local(conn)
    why: dict[bytes, list[str]] = {}
    own = _ids(conn, _OWN_BLOCKS, (rowid,)) if rowid is not None else set()
    for account in own:
        why.setdefault(account, []).append(BLOCK)
    for account in _ids(conn, "SELECT account FROM private_blocks"):
        why.setdefault(account, []).append(PRIVATE)
    listed: set[bytes] = set()
    for account, owner in conn.execute(_listed_sql()):
        listed.add(bytes(account))
        why.setdefault(bytes(account), []).append("list:" + bytes(owner).hex())
    private = {a for a, w in why.items() if PRIVATE in w}
    exceptions = _ids(conn, "SELECT account FROM blocklist_exceptions")
    followed = _ids(conn, _FOLLOWED, (rowid,)) if rowid is not None else set()
    out = []
    for account in sorted(why):
        kept = None
        if account == me:
            continue
        if account not in own and account not in private:  # only on lists
            kept = FOLLOWING if account in followed else (
                EXCEPTION if account in exceptions else None)
        out.append(RefusalView(account, tuple(sorted(why[account])), kept))
    for account in sorted(exceptions - set(why)):  # an exception no list names (yet)
        out.append(RefusalView(account, (), EXCEPTION))
    return out


def compute(conn: sqlite3.Connection) -> set[bytes]:
    """The accounts refused now (the module's formula)."""
    return {r.account for r in review(conn) if r.why and r.kept is None}


class RefusalBook:
    """``Store.refusals``: what the node and the app read and choose. ``apply`` needs
    the writer (a read-only store only reads); ``changes`` keeps each change applied
    until the node takes it for its events (``take_changes``)."""

    def __init__(self, conn: sqlite3.Connection, writer: Writer | None,
                 now: Callable[[], int]) -> None:
        self.conn, self._writer, self._now = conn, writer, now
        self.changes: list[tuple[set[bytes], set[bytes]]] = []

    def review(self) -> list[RefusalView]:
        return review(self.conn)

    def subscriptions(self) -> list[bytes]:
        return sorted(_ids(self.conn, "SELECT owner FROM blocklists"))

    def private_blocks(self) -> list[bytes]:
        return sorted(_ids(self.conn, "SELECT account FROM private_blocks"))

    def choose(self, what: str, account: bytes, on: bool) -> bool:
        """A local choice (``what``: "private", "subscribe" or "except") made or undone,
        then applied; True when it changed the choices."""
        table, column = _CHOICES[what]
        changed = _toggle(self.conn, table, column, account, on, self._now())
        self.apply()
        return changed

    def apply(self) -> tuple[set[bytes], set[bytes]]:
        """``apply`` with the writer's erasure: (newly refused, no longer refused)."""
        writer = self._writer
        if writer is None:
            raise RuntimeError("this store is open read-only")
        change = apply(self.conn, lambda rowid, kind, target: erasure.erase(
            self.conn, writer.notes, writer.text, rowid, kind, target))
        if change[0] or change[1]:
            self.changes.append(change)
            writer._forget_caches()  # heads, deletions, edits and the refused set changed
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the bytes leave the disk
        return change

    def take_changes(self) -> list[tuple[set[bytes], set[bytes]]]:
        """(newly refused, no longer refused) of each change applied since last asked."""
        out, self.changes = self.changes, []
        return out


# --- the local choices (one row each; nothing of them is published) -----------------

_CHOICES = {"private": ("private_blocks", "account"), "subscribe": ("blocklists", "owner"),
            "except": ("blocklist_exceptions", "account")}


def _toggle(conn: sqlite3.Connection, table: str, column: str, key: bytes, on: bool,
            now: int) -> bool:
    if on:
        sql = f"INSERT OR IGNORE INTO {table}({column}, created) VALUES (?, ?)"
        return conn.execute(sql, (key, now)).rowcount > 0
    return conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,)).rowcount > 0


def next_rowid(conn: sqlite3.Connection) -> int:
    """The next entry's rowid: past every entry stored and every one ``apply`` removed.
    Rowids are never reused, so rows above a watermark (search, the private scan, the
    notifications read) are always new."""
    stored = conn.execute("SELECT max(rowid) FROM entries").fetchone()[0] or 0
    removed = conn.execute("SELECT value FROM meta WHERE key = 'entries_high'").fetchone()
    return max(stored, int(removed[0]) if removed else 0) + 1


def applied(conn: sqlite3.Connection) -> set[bytes]:
    """The refused set as last applied (what ingest refuses now)."""
    return _ids(conn, "SELECT account FROM refused")


# --- applying a change of the set -----------------------------------------------------

# erase(rowid, kind, entry id): erasure.erase with the writer's notifier and text index
Erase = Callable[[int, int, bytes], None]

# Derived rows that name an entry by its rowid, or an account by its rowid; what the
# erasure left (hidden posts, withdrawn reactions...) goes with the entries.
_BY_ROWID = (("posts", "rowid"), ("mentions", "post"), ("notifications", "rowid"),
             ("messages", "rowid"), ("private_files", "entry"), ("circle_posts", "rowid"),
             ("message_reactions", "entry"), ("blob_refs", "entry"),
             ("group_pending", "entry"), ("group_untagged", "entry"))
# ``profiles`` stays: the review and the Unblock button still say whom they are about.
_BY_ACCOUNT = (("reactions", "account"), ("follows", "follower"), ("blocks", "blocker"),
               ("edits", "account"), ("deletions", "account"))


def apply(conn: sqlite3.Connection, erase: Erase) -> tuple[set[bytes], set[bytes]]:
    """Bring the held data in line with ``compute``: truncate the logs of the accounts
    newly refused (see the module's docstring). Returns (newly refused, no longer
    refused). The caller holds no transaction open; this runs in one."""
    now, before = compute(conn), applied(conn)
    added, removed = now - before, before - now
    if not added and not removed:
        return added, removed
    conn.execute("BEGIN IMMEDIATE")
    try:
        high = conn.execute("SELECT max(rowid) FROM entries").fetchone()[0] or 0
        conn.execute("INSERT INTO meta(key, value) VALUES ('entries_high', ?) ON CONFLICT "
                     "DO UPDATE SET value = max(value, excluded.value)", (high,))
        for account in added:
            _truncate(conn, account, erase)
        conn.executemany("INSERT OR IGNORE INTO refused(account) VALUES (?)",
                         [(a,) for a in added])
        conn.executemany("DELETE FROM refused WHERE account = ?", [(a,) for a in removed])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return added, removed


def _truncate(conn: sqlite3.Connection, account: bytes, erase: Erase) -> None:
    row = conn.execute("SELECT rowid FROM accounts WHERE id = ?", (account,)).fetchone()
    if row is None:
        return  # nothing held
    owner = int(row[0])
    for log, in conn.execute("SELECT rowid FROM logs WHERE account = ?", (owner,)).fetchall():
        doomed = conn.execute("SELECT rowid, kind, id, body IS NOT NULL FROM entries "
                              "WHERE log = ? AND seq > 1", (log,)).fetchall()
        for rowid, kind, entry_id, held in doomed:
            if held and kind != Kind.DEVICE:
                erase(rowid, kind, bytes(entry_id))
        for table, column in _BY_ROWID:  # one pass per table, not one per entry
            conn.execute(f"DELETE FROM {table} WHERE {column} IN "
                         "(SELECT rowid FROM entries WHERE log = ? AND seq > 1)", (log,))
        conn.execute("DELETE FROM entries WHERE log = ? AND seq > 1", (log,))
        first = conn.execute("SELECT id FROM entries WHERE log = ? AND seq = 1",
                             (log,)).fetchone()
        if first is not None:
            conn.execute("UPDATE logs SET head_seq = 1, head_id = ? WHERE rowid = ?",
                         (first[0], log))
    for table, column in _BY_ACCOUNT:
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (owner,))
