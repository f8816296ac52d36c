"""Which blobs this node wants, and which of them fit its budget (schema migration 14).

``blob_refs`` has one row per (entry, blob) for every entry we store that references a
blob (``blob_refs.blobs_of``: a post's attachments, a profile's avatar), written at
ingest in the entry's transaction; our own posts take the same path. Invariants:

* a row's entry is stored and not deleted: ``forget`` runs where a delete erases it;
* of an account's profiles only the current one (the register's winner) has rows: an
  avatar that was replaced is no longer wanted;
* a blob is *wanted* when it has a row and is not in ``blobs``.

Which wanted blobs to fetch, in order (``wanted``): those of our own account (tier 0),
then of the accounts we follow (tier 1), then of the other accounts we replicate
(tier 2: two hops away, communities); newest entry first within a tier. Accounts we
block, or no longer replicate, are skipped. Tiers 0 and 1 are always fetched (each blob
up to ``BLOB_CAP``, like every blob). Tier 2 is what a peer can make us hold by being
followed by a friend, so it has a bound: ``Budget.total`` bytes in all and
``Budget.per_account`` per account, counting what tier-2 accounts' entries reference
and we hold, plus the claimed sizes of those we would fetch (an avatar, which claims
none, counts ``UNSTATED``). A blob bigger than it claimed costs the budget its real
size once held, so the next query stops sooner: the overshoot is bounded by the
fetches in flight (net/blob_fetcher.py), each at most ``BLOB_CAP``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from .. import content as c
from ..blob_refs import BlobRef, blobs_of
from ..errors import InvalidEntry

__all__ = [
    "BLOB_CAP",
    "BUDGET",
    "UNSTATED",
    "Budget",
    "WantedBlob",
    "add",
    "backfill",
    "forget",
    "replace_profile",
    "wanted",
]

BLOB_CAP = 8 * 1024 * 1024
"""The most bytes of one blob (store.BLOB_CAP): a larger one is never stored or fetched."""
UNSTATED = 512 * 1024
"""What a blob whose size its entry does not state (an avatar) counts until it is held:
avatars are at most 512 x 512 JPEG (images.AVATAR_SIDE), well under this."""

OWN, FOLLOWED, REPLICATED = 0, 1, 2  # tiers, in the order they are fetched


@dataclass(frozen=True, slots=True)
class Budget:
    """How much the blobs of tier-2 accounts (replicated, neither ours nor followed)
    may take: ``total`` bytes in all, ``per_account`` bytes for one account."""

    total: int = 1024 * 1024 * 1024
    per_account: int = 64 * 1024 * 1024

    @classmethod
    def of_mib(cls, mib: int) -> Budget:
        """``mib`` MiB in all, a sixteenth of it per account (as the default)."""
        total = mib * 1024 * 1024
        return cls(total=total, per_account=total // 16)


BUDGET = Budget()


@dataclass(frozen=True, slots=True)
class WantedBlob:
    hash: bytes
    account: bytes  # the author of the newest entry that references it, in its tier
    tier: int  # OWN, FOLLOWED or REPLICATED
    size: int | None  # as claimed; None: not stated


def add(conn: sqlite3.Connection, entry: int, account: int, kind: int,
        refs: Iterable[BlobRef]) -> None:
    """Record that entry ``entry`` (entries.rowid) of ``account`` references ``refs``."""
    conn.executemany(
        "INSERT OR IGNORE INTO blob_refs(entry, hash, account, kind, size) "
        "VALUES (?, ?, ?, ?, ?)",
        [(entry, r.hash, account, kind, r.size) for r in refs])


def replace_profile(conn: sqlite3.Connection, entry: int, account: int,
                    refs: Iterable[BlobRef]) -> None:
    """``entry`` is now ``account``'s current profile: its refs replace the last one's."""
    conn.execute("DELETE FROM blob_refs WHERE account = ? AND kind = ? AND entry != ?",
                 (account, int(c.Kind.PROFILE), entry))
    add(conn, entry, account, int(c.Kind.PROFILE), refs)


def forget(conn: sqlite3.Connection, entry: int) -> None:
    """Entry ``entry`` was deleted by its author: its blobs are no longer wanted, and
    those nothing else references leave the disk (deletion that actually deletes)."""
    hashes = [bytes(r[0]) for r in conn.execute(
        "SELECT hash FROM blob_refs WHERE entry = ?", (entry,))]
    if not hashes:
        return
    conn.execute("DELETE FROM blob_refs WHERE entry = ?", (entry,))
    for digest in hashes:
        conn.execute("DELETE FROM blobs WHERE hash = ? AND NOT EXISTS "
                     "(SELECT 1 FROM blob_refs WHERE hash = ?)", (digest, digest))


def backfill(conn: sqlite3.Connection) -> int:
    """Fill ``blob_refs`` from the entries stored before (a migration is SQL; reading
    bodies needs the codec): posts and sealed entries whose bodies are here, and
    current profiles. Idempotent, in the caller's transaction; returns the rows it
    read refs from. A later migration that teaches ``blobs_of`` a new kind sets the
    ``blob_refs_backfill`` mark in meta again, and this runs once more."""
    kinds = (int(c.Kind.POST), int(c.Kind.PRIVATE), int(c.Kind.GROUP))
    rows = conn.execute(
        "SELECT e.rowid, l.account, e.kind, e.body FROM entries e JOIN logs l "
        "ON l.rowid = e.log WHERE e.kind IN (?, ?, ?) AND e.body IS NOT NULL "
        "UNION ALL "
        "SELECT e.rowid, l.account, e.kind, e.body FROM profiles pr "
        "JOIN entries e ON e.id8 = id8(pr.entry) AND e.id = pr.entry "
        "JOIN logs l ON l.rowid = e.log WHERE e.body IS NOT NULL", kinds)
    written = 0
    for entry, account, kind, body in rows:
        try:
            refs = blobs_of(c.decode_body(kind, bytes(body)))
        except InvalidEntry:
            continue
        if refs:
            add(conn, entry, account, kind, refs)
            written += 1
    return written


def wanted(conn: sqlite3.Connection, local: int, replicated: Collection[int],
           budget: Budget = BUDGET, limit: int = 256) -> list[WantedBlob]:
    """Up to ``limit`` blobs to fetch, in order (see the module's docstring).
    ``replicated``: accounts.rowid of every account this node replicates (its own and
    followed ones included).

    Our own and followed accounts' refs to blobs not held come through the index
    blob_refs_account (account, entry), newest first (blob_refs_hash says "held").
    Only if room is left, one pass over all refs to blobs not held, newest first (the
    primary key backwards), stopping at ``limit``, takes the others' within the budget,
    after one grouped pass over what they reference and we hold. Measured on 100k refs
    of 200 accounts, half held: docs/store.md."""
    blocked = {r[0] for r in conn.execute(
        "SELECT blocked FROM blocks WHERE blocker = ? AND active = 1", (local,))}
    followed = {r[0] for r in conn.execute(
        "SELECT followee FROM follows WHERE follower = ? AND active = 1", (local,))} - blocked
    others = set(replicated) - blocked - followed - {local}
    out: list[WantedBlob] = []
    seen: set[bytes] = set()
    ids: dict[int, bytes] = {}

    def account_id(rowid: int) -> bytes:
        if rowid not in ids:
            ids[rowid] = bytes(conn.execute("SELECT id FROM accounts WHERE rowid = ?",
                                            (rowid,)).fetchone()[0])
        return ids[rowid]

    for tier, accounts in ((OWN, [local]), (FOLLOWED, sorted(followed))):
        for digest, account, size in _missing_of(conn, accounts):
            if len(out) >= limit:
                return out
            if digest not in seen:
                seen.add(digest)
                out.append(WantedBlob(digest, account_id(account), tier, size))
    if not others or len(out) >= limit:
        return out
    used = {a: int(n) for a, n in conn.execute(
        "SELECT r.account, sum(b.size) FROM blob_refs r JOIN blobs b ON b.hash = r.hash "
        "GROUP BY r.account") if a in others}
    total = sum(used.values())
    if total >= budget.total:
        return out  # full: no need to read what would not fit
    for digest, account, size in _missing(conn, others):
        if len(out) >= limit:
            break
        if digest in seen:
            continue
        seen.add(digest)
        cost = UNSTATED if size is None else size
        mine = used.get(account, 0)
        if total + cost > budget.total or mine + cost > budget.per_account:
            continue  # past the budget: a smaller blob may still fit
        used[account] = mine + cost
        total += cost
        out.append(WantedBlob(digest, account_id(account), REPLICATED, size))
    return out


_NOT_HELD = "NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = r.hash)"
_MAX_VARIABLES = 999  # SQLite's smallest default limit of ? in one statement


def _missing_of(conn: sqlite3.Connection,
                accounts: list[int]) -> Iterator[tuple[bytes, int, int | None]]:
    """Like ``_missing``, through the index on (account, entry): for a few accounts."""
    if len(accounts) > _MAX_VARIABLES:
        yield from _missing(conn, set(accounts))
        return
    if not accounts:
        return
    marks = ", ".join("?" * len(accounts))
    cursor = conn.execute(
        f"SELECT r.hash, r.account, r.size FROM blob_refs r WHERE r.account IN ({marks}) "
        f"AND {_NOT_HELD} ORDER BY r.entry DESC", accounts)
    for digest, account, size in cursor:
        if size is None or size <= BLOB_CAP:
            yield bytes(digest), account, size


def _missing(conn: sqlite3.Connection,
             accounts: set[int]) -> Iterator[tuple[bytes, int, int | None]]:
    """(hash, account, claimed size) of the refs of ``accounts`` to blobs not held,
    newest entry first; none whose claim is over ``BLOB_CAP``. Read lazily: a caller
    that stops early leaves the rest unread."""
    if not accounts:
        return
    cursor = conn.execute(
        f"SELECT r.hash, r.account, r.size FROM blob_refs r WHERE {_NOT_HELD} "
        "ORDER BY r.entry DESC")
    for digest, account, size in cursor:
        if account in accounts and (size is None or size <= BLOB_CAP):
            yield bytes(digest), account, size
