"""The store: one SQLite file per home, WAL mode, one writer.

``Store`` is the small interface the node uses; it composes the migrations
(schema.py), the writer (ingest.py) and the read queries (queries.py). A store opened
``readonly`` never writes, so the command line can read a home while the app runs.

Durability: ``synchronous = FULL`` in WAL mode, so every committed batch survives a
crash and a power cut. That matters most for our own log: losing an entry that peers
already hold and then writing a different one at the same sequence would fork it.
Entries of other logs (``ingest(..., durable=False)``, what peers send) are committed
with ``synchronous = NORMAL``: a process crash loses none of them either, a power cut
may lose the last few batches, which the next sync fetches again, and a sync burst
does not wait for an fsync per batch. The next durable commit (our own post) syncs
the WAL, and every batch before it with it.
``secure_delete`` zeroes the pages a deleted body leaves behind, and the WAL is
checkpointed after a delete, so deletion actually deletes on disk.

Time: the store's ``now`` (the wall clock unless a test gives another) says when
entries arrive. Ingest and the private scan place every post, mention, notification
and message at ``timestamps.placed(signed, arrived)``, never later than its arrival,
so an entry stamped in the far future cannot sit on top of the lists for good
(p2psocial/timestamps.py says the whole rule).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import entry as entry_mod
from .. import private
from ..content import Kind
from ..crypto import blake2b
from ..entry import Entry
from ..errors import HomeError, OverCap
from ..forks import Fork
from ..roster import Join
from . import (
    address_records,
    blob_wants,
    communities,
    holders,
    integrity,
    refusals,
    schema,
    storage,
)
from .address_records import HeldRecord
from .blob_wants import BLOB_CAP, Budget, WantedBlob
from .communities import CommunityInfo
from .devices import DeviceBook
from .inbox import Inbox, Opener, SealedBatch
from .ingest import Ingestor
from .moderation import ModerationBook
from .mutes import MuteBook
from .peer_book import PeerBook
from .peer_book import PeerRecord as PeerRecord  # net imports it from here
from .queries import Queries
from .revocations import Applied
from .schema import id8
from .storage import Dropped, Limits, StorageReport
from .views import (
    ConversationView,
    Cursor,
    ForkView,
    GroupView,
    IngestResult,
    MessagePage,
    Page,
    PrivateScan,
    Problem,
    ProfileView,
    Relation,
)

_RELATIONS = frozenset({Kind.FOLLOW, Kind.UNFOLLOW, Kind.BLOCK, Kind.UNBLOCK})
LIVE_BATCH = 100  # batches up to this size are indexed for search as they arrive

# How every writable store is opened (the ingest benchmark's reference uses these too).
# wal_autocheckpoint: a 1,000-entry batch dirties more than SQLite's default 1,000
# pages, which made nearly every commit also a checkpoint (measured: 20-25% of ingest).
# cache_size 16 MiB: 64 MiB made a syncing node's peak RSS 230 MB instead of 178 MB,
# with no measurable gain for ingest (100k entries) or queries (1M entries).
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA wal_autocheckpoint = 10000",
    "PRAGMA cache_size = -16384",
    "PRAGMA temp_store = MEMORY",
)


def apply_pragmas(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)
_BLOB_PERSON = b"p2ps-blob"


def blob_hash(data: bytes) -> bytes:
    return blake2b(data, _BLOB_PERSON)


def wall_ms() -> int:
    """Milliseconds since the epoch, by this machine's clock."""
    return time.time_ns() // 1_000_000


# A revoked device's log ends, for peers, at its last valid entry (store/revocations.py):
# what it wrote later is erased here and refused there, so it is not offered.
_REVOKED = "LEFT JOIN revocations r ON r.device = l.device"
_VALID_HEAD = "min(l.head_seq, coalesce(r.last_seq, l.head_seq))"


class Store:
    def __init__(self, path: str | Path, *, readonly: bool = False,
                 now: Callable[[], int] = wall_ms) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.now = now  # when entries arrive, in ms (see "Time" above)
        try:
            self._open(readonly)
        except sqlite3.DatabaseError as exc:  # not SQLite, damaged, or unreadable
            if getattr(self, "conn", None) is not None:
                self.conn.close()
            raise HomeError(f"{self.path} is damaged or is not a p2psocial store ({exc}); "
                            "'p2psocial import' can restore a backup into a new home") from None

    def _open(self, readonly: bool) -> None:
        if readonly:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn = conn
        self._closed = False
        conn.execute("PRAGMA busy_timeout = 5000")
        schema.add_functions(conn)
        if not readonly:
            apply_pragmas(conn)
            schema.migrate(conn)
            _backfill_blob_refs(conn)
        elif schema.current_version(conn) != len(schema.MIGRATIONS):
            raise HomeError("this home's store needs an upgrade: open it once with a command "
                            "that writes (for example 'p2psocial profile --bio ...')")
        else:
            conn.execute("PRAGMA cache_size = -16384")
        self._writer: Ingestor | None = None if readonly else Ingestor(conn, self.now)
        self.queries = Queries(conn, self._local_rowid())
        self.inbox = Inbox(conn, self.now)
        self.peer_book = PeerBook(conn)
        self.device_book = DeviceBook(conn)
        self.moderation = ModerationBook(conn)  # community moderators (issue 17)
        self.mute_book = MuteBook(conn, self.now)
        self.refusals = refusals.RefusalBook(conn, self._writer, lambda: self.now())
        if not readonly:
            self.refusals.apply()  # after an upgrade, public blocks stop carrying too

    def close(self) -> None:
        if self._closed:
            return
        if self._writer is not None:
            self.index_text()  # leave nothing unsearchable for a read-only reader
        self.conn.close()
        self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def writer(self) -> Ingestor:
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        return self._writer

    # --- identity of this home --------------------------------------------------

    def set_local_account(self, account_id: bytes) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.writer.set_local(account_id)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.queries.local = self.writer.local

    @property
    def local_account(self) -> bytes | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'local_account'").fetchone()
        return None if row is None else bytes(row[0])

    def _local_rowid(self) -> int | None:
        row = self.conn.execute("SELECT a.rowid FROM meta m JOIN accounts a ON a.id = m.value "
                                "WHERE m.key = 'local_account'").fetchone()
        return None if row is None else int(row[0])

    def account_rowid(self, account_id: bytes) -> int | None:
        row = self.conn.execute("SELECT rowid FROM accounts WHERE id = ?",
                                (account_id,)).fetchone()
        return None if row is None else int(row[0])

    # --- logs -------------------------------------------------------------------

    def ingest(self, entries: Iterable[Entry], *, durable: bool = True,
               strict: bool = True) -> IngestResult:
        """Verify and store a batch in one transaction; see ingest.py. ``durable=False``
        for entries a peer can send again: see the module's note on durability.
        ``strict=False`` for what peers send: a bad log is left out (``rejected``), a
        forked one frozen (``forks``), and the rest stored.

        A small batch (our own post, live traffic) is made searchable at once; a sync
        burst is indexed when it ends (``index_text``), off the sync path."""
        if durable:
            result = self.writer.ingest(entries, strict=strict)
        else:
            self.conn.execute("PRAGMA synchronous = NORMAL")
            try:
                result = self.writer.ingest(entries, strict=strict)
            finally:
                self.conn.execute("PRAGMA synchronous = FULL")
        if 0 < len(result.added) <= LIVE_BATCH:
            self.index_text()
        if any(e.kind == Kind.DELETE for e in result.added):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # deleted bytes leave the disk
        if any(e.kind in _RELATIONS for e in result.added):  # ours or a subscribed list's
            self.refusals.apply()
        return result

    # --- refusals (issue 17; refusals.py) ---------------------------------------

    def refused(self) -> set[bytes]:
        """The accounts this home refuses to replicate and carry (refusals.py): the set
        as last applied, which every change that can move it applies at once (a local
        choice, our or a list's relation entries, the store's opening), so it is read,
        not worked out again, by each session and each look at what we replicate."""
        return refusals.applied(self.conn)

    def add_forks(self, wire: Iterable[object]) -> list[Fork]:
        """Check and store the fork proofs a peer passed on (ingest.py ``add_forks``)."""
        return self.writer.add_forks(wire)

    def add_revocations(self, wire: Iterable[object]) -> list[bytes]:
        """Check and apply the revocations a peer sent first (store/revocations.py);
        the devices they cut short. ``InvalidEntry`` if one is bad: nothing applied."""
        return self.writer.revoker.add_wires(wire)

    def take_applied_revocations(self) -> list[Applied]:
        """The revocations applied since the last call that shortened something
        (ingest returns its own in ``IngestResult.revocations``)."""
        applied, self.writer.revoker.applied = self.writer.revoker.applied, []
        return applied

    def forked(self) -> dict[bytes, int]:
        """device -> the seq its log forked at (forks.py), for every forked log."""
        return {bytes(d): int(s) for d, s in self.conn.execute("SELECT device, seq FROM forks")}

    def forks(self, devices: Iterable[bytes] | None = None) -> list[Fork]:
        """The stored fork proofs (of ``devices`` only, if given), as checked values."""
        rows = self.conn.execute("SELECT device, seq, first, second FROM forks ORDER BY device")
        wanted = None if devices is None else set(devices)
        return [Fork(bytes(d), int(s), bytes(a), bytes(b)) for d, s, a, b in rows
                if wanted is None or bytes(d) in wanted]

    def forked_logs(self) -> list[ForkView]:
        """Every forked log, with its account and that account's name."""
        rows = self.conn.execute(
            "SELECT f.device, a.id, f.seq, p.name FROM forks f "
            "JOIN logs l ON l.device = f.device JOIN accounts a ON a.rowid = l.account "
            "LEFT JOIN profiles p ON p.account = l.account ORDER BY a.id, f.device")
        return [ForkView(bytes(d), bytes(a), int(s), n) for d, a, s, n in rows]

    def head(self, device: bytes) -> tuple[int, bytes] | None:
        row = self.conn.execute("SELECT head_seq, head_id FROM logs WHERE device = ?",
                                (device,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def last_entry(self, device: bytes) -> Entry | None:
        head = self.head(device)
        return None if head is None else self.entry_at(device, head[0])

    def clock(self) -> dict[bytes, int]:
        """For every log held, the highest contiguous sequence number."""
        return {bytes(d): int(s) for d, s in self.conn.execute(
            "SELECT l.device, " + _VALID_HEAD + " FROM logs l " + _REVOKED)}

    def entry_at(self, device: bytes, seq: int) -> Entry | None:
        got = self.log_entries(device, seq - 1, 1)
        return got[0] if got else None

    def log_entries(self, device: bytes, after_seq: int, limit: int) -> list[Entry]:
        """Up to ``limit`` entries of one log with seq > ``after_seq``, in order."""
        return [entry_mod.parse(h, b) for h, b in self.log_rows(device, after_seq, limit)]

    def log_rows(self, device: bytes, after_seq: int, limit: int,
                 max_bytes: int | None = None) -> list[tuple[bytes, bytes | None]]:
        """Like ``log_entries``, as stored (signed header, body) bytes: for sending on,
        where the receiver verifies anyway. With ``max_bytes``, no more rows than
        reach that size (at least one): a sender that must wait before sending holds
        little. Index: entries_log_seq."""
        cursor = self.conn.execute(
            "SELECT e.header, e.body FROM entries e JOIN logs l ON l.rowid = e.log "
            + _REVOKED + " WHERE l.device = ? AND e.seq > ? "
            "AND (r.last_seq IS NULL OR e.seq <= r.last_seq) ORDER BY e.seq LIMIT ?",
            (device, after_seq, limit))
        if max_bytes is None:
            return cursor.fetchall()
        rows, size = [], 0
        for header, body in cursor:  # SQLite steps row by row: the rest is never read
            rows.append((header, body))
            size += len(header) + len(body or b"")
            if size >= max_bytes:
                break
        return rows

    def get_entry(self, entry_id: bytes) -> Entry | None:
        row = self.conn.execute("SELECT header, body FROM entries WHERE id8 = ? AND id = ?",
                                (id8(entry_id), entry_id)).fetchone()
        if row is None:
            return None
        return entry_mod.parse(bytes(row[0]), None if row[1] is None else bytes(row[1]))

    def author_of(self, entry_id: bytes) -> bytes | None:
        row = self.conn.execute(
            "SELECT a.id FROM entries e JOIN logs l ON l.rowid = e.log "
            "JOIN accounts a ON a.rowid = l.account WHERE e.id8 = ? AND e.id = ?",
            (id8(entry_id), entry_id)).fetchone()
        return None if row is None else bytes(row[0])

    def devices(self, account_id: bytes | None = None) -> list[tuple[bytes, bytes, int]]:
        """(device, account, head_seq) for every log, or for one account's logs; a
        revoked device's head is its last valid entry (what we offer peers)."""
        sql = ("SELECT l.device, a.id, " + _VALID_HEAD + " FROM logs l JOIN accounts a "
               "ON a.rowid = l.account " + _REVOKED)
        args: tuple = ()
        if account_id is not None:
            sql += " WHERE a.id = ?"
            args = (account_id,)
        return [(bytes(d), bytes(a), int(s)) for d, a, s in self.conn.execute(sql, args)]

    def accounts_of(self, devices: Collection[bytes]) -> dict[bytes, bytes]:
        """device -> account, for the logs of ``devices`` that are held."""
        out: dict[bytes, bytes] = {}
        for device in devices:
            row = self.conn.execute(
                "SELECT a.id FROM logs l JOIN accounts a ON a.rowid = l.account "
                "WHERE l.device = ?", (device,)).fetchone()
            if row is not None:
                out[device] = bytes(row[0])
        return out

    def enc_key(self, account_id: bytes) -> bytes | None:
        row = self.conn.execute("SELECT enc_key FROM accounts WHERE id = ?",
                                (account_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def stats(self) -> dict[str, int]:
        one = self.conn.execute
        return {"entries": int(one("SELECT count(*) FROM entries").fetchone()[0]),
                "logs": int(one("SELECT count(*) FROM logs").fetchone()[0]),
                "accounts": int(one("SELECT count(*) FROM accounts").fetchone()[0]),
                "blobs": int(one("SELECT count(*) FROM blobs").fetchone()[0])}

    def count_entries(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM entries").fetchone()[0])

    # --- blobs ------------------------------------------------------------------

    def put_blob(self, data: bytes) -> bytes:
        if len(data) > BLOB_CAP:
            raise OverCap(f"blob of {len(data)} bytes is over the cap of {BLOB_CAP}")
        digest = blob_hash(data)
        self.conn.execute("INSERT OR IGNORE INTO blobs(hash, size, data) VALUES (?, ?, ?)",
                          (digest, len(data), data))
        return digest

    def get_blob(self, digest: bytes) -> bytes | None:
        row = self.conn.execute("SELECT data FROM blobs WHERE hash = ?", (digest,)).fetchone()
        return None if row is None else bytes(row[0])

    def blob_hashes(self) -> list[bytes]:
        return [bytes(r[0]) for r in self.conn.execute("SELECT hash FROM blobs ORDER BY rowid")]

    def wanted_blobs(self, replicated: Collection[bytes], budget: Budget = blob_wants.BUDGET,
                     limit: int = 256) -> list[WantedBlob]:
        """Blobs referenced by entries we hold and do not hold ourselves, to fetch in this
        order: own account's, followed accounts', then those of the other ``replicated``
        accounts within ``budget`` (store/blob_wants.py); never a blocked account's nor a
        deleted entry's."""
        local = self._local_rowid()
        if local is None:
            return []
        rowids = {r for r in (self.account_rowid(a) for a in replicated) if r is not None}
        return blob_wants.wanted(self.conn, local, rowids, budget, limit)

    # --- the storage budget (issue 17; see storage.py) ---------------------------

    def storage_limits(self) -> Limits:
        return storage.limits(self.conn)

    def set_storage_limits(self, limits: Limits) -> None:
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        storage.set_limits(self.conn, limits)

    def storage_report(self, replicated: Collection[bytes]) -> StorageReport:
        """What this home holds by kind; ``replicated``: what the node replicates now."""
        return storage.report(self.conn, self._storage_kinds(replicated))

    def enforce_storage(self, replicated: Collection[bytes], limit: int) -> tuple[Dropped, bool]:
        """Drop up to ``limit`` bodies of budgeted accounts past the budget or their cap
        (storage.enforce); True when more is left for another run."""
        writer = self.writer

        def remove(rowid: int, text: str, cw: str | None) -> None:
            if writer.text.holds(rowid):
                writer.text.remove(rowid, text, cw)

        # others' public posts: their pages are reused, not zeroed (FAST zeroes what
        # costs no extra I/O); an author's delete still zeroes everything (ON)
        self.conn.execute("PRAGMA secure_delete = FAST")
        try:
            dropped, more = storage.enforce(self.conn, remove,
                                            self._storage_kinds(replicated), limit)
        finally:
            self.conn.execute("PRAGMA secure_delete = ON")
        if dropped.bodies:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the bytes leave the disk
        return dropped, more

    def _storage_kinds(self, replicated: Collection[bytes]) -> dict[int, str]:
        local = self._local_rowid()
        rowids = {r for r in (self.account_rowid(a) for a in replicated) if r is not None}
        members = {r for r in (self.account_rowid(a) for a in self.community_replicated())
                   if r is not None}
        return storage.kinds_of(self.conn, -1 if local is None else local, rowids, members)

    # --- queries (see queries.py) -----------------------------------------------

    def account_posts(self, account_id: bytes, limit: int = 50,
                      before: Cursor | None = None) -> Page:
        rowid = self.account_rowid(account_id)
        return Page([], None) if rowid is None else self.queries.account_posts(rowid, limit,
                                                                               before)

    def mentions(self, account_id: bytes, limit: int = 50, before: Cursor | None = None) -> Page:
        rowid = self.account_rowid(account_id)
        return Page([], None) if rowid is None else self.queries.mentions(rowid, limit, before)

    def search(self, text: str, limit: int = 50, before: Cursor | None = None) -> Page:
        if self._writer is not None:
            self.index_text()  # a writer's search sees every post it holds
        return self.queries.search(text, limit, before)

    def index_text(self, limit: int | None = None) -> int:
        """Add posts stored since the last call to the full-text index; returns how many.

        Ingest leaves this out of the sync path: indexing 100k posts in one go costs less
        than a tenth of indexing them batch by batch. ``ingest`` calls it after small
        batches, the network when a sync burst ends, ``search`` before it searches.
        """
        return self.writer.index_text(limit)

    # --- notifications and people (see queries.py; schema migration 3) ----------

    def mark_notifications_read(self) -> None:
        """Everything stored so far is read: the mark moves to the newest row."""
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) SELECT "
                          "'notifications_read', coalesce(max(rowid), 0) FROM notifications")

    def relation(self, account_id: bytes) -> Relation:
        rowid = self.account_rowid(account_id)
        if rowid is None or self.queries.local is None:
            return Relation(following=False, followed_by=False, blocked=False)
        return self.queries.relation(rowid)

    def find_accounts(self, text: str, limit: int = 10) -> list[ProfileView]:
        return [self.queries.profile(rowid, account_id)
                for rowid, account_id in self.queries.find_accounts(text, limit)]

    def profile(self, account_id: bytes) -> ProfileView:
        rowid = self.account_rowid(account_id)
        if rowid is None:
            return ProfileView(account_id, None, "", None, 0, 0, 0, 0)
        return self.queries.profile(rowid, account_id)

    def following(self, account_id: bytes) -> list[bytes]:
        return self._related(account_id, "follows", "follower", "followee")

    def followers(self, account_id: bytes) -> list[bytes]:
        return self._related(account_id, "follows", "followee", "follower")

    def blocked(self, account_id: bytes) -> list[bytes]:
        return self._related(account_id, "blocks", "blocker", "blocked")

    def _related(self, account_id: bytes, table: str, column: str, other: str) -> list[bytes]:
        rowid = self.account_rowid(account_id)
        return [] if rowid is None else [bytes(a) for a in
                                         self.queries.related(rowid, table, column, other)]

    # --- private conversations and groups (migration 4; see inbox.py) --------------

    def scan_private(self, open: Opener, limit: int | None = None) -> PrivateScan:
        """Open the PRIVATE and GROUP entries stored since the last scan (all, or the
        next ``limit``) with ``open(body, author_account)``, which returns the
        plaintext or None when the body is not for us; store what opened. Off the sync
        path, like ``index_text``; resumable and idempotent (a watermark)."""
        local, local_id = self._local()
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        return self.inbox.scan(open, local, local_id, limit)

    def apply_opened(self, batch: SealedBatch,
                     opened: list[tuple[Any, private.Private]]) -> PrivateScan:
        """Step 3: store what ``inbox.open_batch`` opened of ``batch`` (step 2, any thread)."""
        local, local_id = self._local()
        return self.inbox.apply(batch, opened, local, local_id)

    def conversations(self, cap: int = 99) -> list[ConversationView]:
        local, local_id = self._local()
        return self.inbox.conversations(local, local_id, cap)

    def conversation(self, conversation_id: bytes, limit: int = 50,
                     before: Cursor | None = None) -> MessagePage | None:
        return self.inbox.page(conversation_id, self._local()[0], limit, before)

    def unread_messages(self, cap: int = 99) -> int:
        return self.inbox.unread(self._local()[0], cap)

    def groups(self, cap: int = 99) -> list[GroupView]:
        return self.inbox.groups(self._local()[0], cap)

    # --- open LAN communities (migrations 6 and 8; see communities.py) -----------------

    def communities(self) -> list[CommunityInfo]:
        return communities.communities(self.conn)

    def community_replicated(self) -> set[bytes]:
        return communities.replicated(self.conn)

    def roster_accounts(self, community_id: bytes) -> set[bytes] | None:
        return communities.roster_accounts(self.conn, community_id)

    def add_roster_lines(self, community_id: bytes, lines: list[Join]) -> list[bytes]:
        """Lines the caller verified, onto a roster (see communities.add_lines)."""
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        return communities.add_lines(self.conn, community_id, lines)

    def is_community(self, group_id: bytes) -> bool:
        row = self.conn.execute("SELECT rowid FROM conversations WHERE id = ?",
                                (group_id,)).fetchone()
        return row is not None and communities.is_community(self.conn, row[0])

    # --- address records (migration 12; see address_records.py) ------------------------

    def address_record(self, device: bytes) -> HeldRecord | None:
        return address_records.held(self.conn, device)

    def keep_address_record(self, device: bytes, account: bytes, seq: int, expires: int,
                            raw: bytes) -> bool:
        """A record the caller verified; False when not newer, or no room."""
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        return address_records.keep(self.conn, device, account, seq, expires, raw)

    def address_records(self, accounts: Collection[bytes], now: int) -> list[HeldRecord]:
        return address_records.of_accounts(self.conn, accounts, now)

    def prune_address_records(self, wanted: Collection[bytes], now: int) -> int:
        return address_records.prune(self.conn, wanted, now)

    def keep_address_token(self, device: bytes, account: bytes, expires: int, raw: bytes,
                           now: int) -> None:
        address_records.keep_token(self.conn, device, account, expires, raw, now)

    def address_token(self, device: bytes, now: int) -> tuple[bytes, bytes] | None:
        return address_records.token_of(self.conn, device, now)

    # --- what peers hold of our logs (migration 13; see holders.py) ----------------------

    def record_holders(self, device: bytes, heads: dict[bytes, int],
                       ) -> tuple[bytes, list[tuple[bytes, int]]]:
        """``device`` said it holds these logs up to these seqs (its sync clock); kept
        for the local account's logs (holders.record). Returns its account and what
        grew, or ``(b"", [])``."""
        if self._writer is None:
            raise RuntimeError("this store is open read-only")
        local = self._local_rowid()
        if local is None:
            return b"", []
        return holders.record(self.conn, local, device, heads, self.now())

    def holder_rows(self) -> list[tuple[bytes, bytes, int, int]]:
        return holders.rows(self.conn)

    def _local(self) -> tuple[int, bytes]:
        local_id = self.local_account
        local = None if local_id is None else self.account_rowid(local_id)
        if local is None or local_id is None:
            raise HomeError("this store has no local account yet")
        return local, local_id

    # --- whole-store work -------------------------------------------------------

    def iter_log(self, device: bytes, chunk: int = 1000) -> Iterator[list[Entry]]:
        after = 0
        while batch := self.log_entries(device, after, chunk):
            yield batch
            after = batch[-1].seq

    def verify(self, full: bool = False) -> list[Problem]:
        """Re-check every stored entry, SQLite's own integrity and the schema against
        the migrations' (integrity.py, schema_check.py); an empty list means all is well."""
        return integrity.verify(self.conn, self.devices(), self.forks(), full)


def _backfill_blob_refs(conn: sqlite3.Connection) -> None:
    """Once, after migration 14 (which leaves a mark in meta): what the entries stored
    before it reference (store/blob_wants.py)."""
    if conn.execute("SELECT 1 FROM meta WHERE key = 'blob_refs_backfill'").fetchone() is None:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        blob_wants.backfill(conn)
        conn.execute("DELETE FROM meta WHERE key = 'blob_refs_backfill'")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
