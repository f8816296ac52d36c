"""Ingest: verify a batch of entries, then write it and its derived state at once.

Order of work for one batch:

1. group entries by log and sort by sequence; drop what we already hold (so the same
   entry twice is one row), anything after a gap (reported as ``missing``), and
   anything at or after the fork of a forked log (``frozen``);
2. verify every run (``entry.verify_run``: hash links plus the last signature) and
   the device certificate that starts each new log;
3. in one transaction, insert the entries and update derived state, in log order.

What a bad run does depends on who asks. ``strict`` (our own entries, backups): one
bad run rejects the whole batch before anything is written. Not strict (what peers
send): the bad run is left out and named in ``rejected``, and the other logs of the
batch are written; whoever sent it is to blame. Unless the run is bad because its
*author* signed two histories (forks.py): two validly signed headers of one device
that contradict each other, here or against what we hold, are a fork proof. It is
stored, the device is frozen below the fork, and nobody's standing suffers for it:
each branch on its own is valid signed data, and the peer that carried it could not
have known.

Full-text indexing is not part of ingest: ``index_text`` adds the posts above a
watermark in bulk, later (store/text_index.py); edits and deletes of rows it holds
take the old text out of it here.
Posts (with their mentions) and reactions are buffered and inserted with
``executemany``. The kinds that read or change posts (edits, deletes, and follows and
blocks by the local account) flush the buffers first, so they always see the posts
that came before them in the batch.

Time: posts, mentions and notifications are placed at ``timestamps.placed(signed,
arrived)`` (``arrived``: the store's ``now`` when the batch came), never at a claim
past it; last-writer-wins registers compare the signed timestamps (timestamps.py).

The writer keeps small caches (log heads, account rowids, the authors on the local
home timeline, ids with pending edits or deletions). They are valid because this
object is the only writer of its database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from .. import content as c
from .. import forks
from ..blob_refs import blobs_of
from ..content import Kind
from ..entry import Entry, verify_run
from ..errors import BrokenLink, InvalidEntry
from ..forks import Fork
from ..timestamps import placed
from . import blob_wants, erasure, refusals
from .log_checks import certificate as _certificate
from .log_checks import proof as _proof
from .log_checks import read_forks, write_fork
from .notify import Notifier
from .revocations import Revoker, through_revoked
from .schema import id8
from .text_index import TextIndex
from .views import Erased, IngestResult


@dataclass(slots=True)
class _Plan:
    """What one batch comes to before verification (see ``Ingestor._plan``)."""

    runs: dict[bytes, list[Entry]]
    skipped: int = 0
    missing: dict[bytes, int] = field(default_factory=dict)
    forks: dict[bytes, Fork] = field(default_factory=dict)
    frozen: int = 0
    rejected: dict[bytes, InvalidEntry] = field(default_factory=dict)
    refused: int = 0


@dataclass(slots=True)
class LogState:
    rowid: int
    account: int
    head_seq: int
    head_id: bytes


class Ingestor:
    def __init__(self, conn: sqlite3.Connection, now: Callable[[], int]) -> None:
        self.conn = conn
        self.now = now  # ms: when a batch arrives (see "Time" above)
        self._arrived = 0
        self._logs: dict[bytes, LogState] = {}
        self._accounts: dict[bytes, int] = {}
        self._next_rowid = refusals.next_rowid(conn)
        self._deleted = {r[0] for r in conn.execute("SELECT target FROM deletions")}
        self._edited = {r[0] for r in conn.execute("SELECT target FROM edits")}
        self._forked = read_forks(conn)  # device -> the seq it forked at
        self.revoker = Revoker(conn, self.account_rowid, self._erase)
        self.local: int | None = None
        self._home: set[int] = set()
        self.refused: set[bytes] = set()  # accounts refused (store/refusals.py)
        self._refused_rows: set[int] = set()
        self.load_refused()
        self.notes = Notifier(conn)
        row = conn.execute("SELECT value FROM meta WHERE key = 'local_account'").fetchone()
        if row:
            self.set_local(row[0])
        # buffered post rows
        self._posts: list[tuple] = []
        self._mentions: list[tuple] = []
        self._reactions: list[tuple] = []
        self.text = TextIndex(conn)
        # what this batch's entries act on, for the node's events (IngestResult)
        self._targets: dict[bytes, bytes] = {}
        self._erased: dict[bytes, Erased] = {}

    # --- caches -----------------------------------------------------------------

    def set_local(self, account_id: bytes) -> None:
        self.local = self.account_rowid(account_id)
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('local_account', ?)",
                          (account_id,))
        self._home = {self.local} | {
            r[0] for r in self.conn.execute(
                "SELECT followee FROM follows WHERE follower = ? AND active = 1 AND followee "
                "NOT IN (SELECT blocked FROM blocks WHERE blocker = ? AND active = 1)",
                (self.local, self.local))}
        self.notes.load(self.local, account_id)

    def account_rowid(self, account_id: bytes) -> int:
        rowid = self._accounts.get(account_id)
        if rowid is None:
            row = self.conn.execute("SELECT rowid FROM accounts WHERE id = ?",
                                    (account_id,)).fetchone()
            if row is None:
                rowid = self.conn.execute("INSERT INTO accounts(id) VALUES (?)",
                                          (account_id,)).lastrowid
            else:
                rowid = row[0]
            assert rowid is not None
            self._accounts[account_id] = rowid
        return rowid

    def load_refused(self) -> None:
        """Read the refused set as applied (refusals.apply changed it)."""
        self.refused = refusals.applied(self.conn)
        self._refused_rows = {r[0] for r in self.conn.execute(
            "SELECT a.rowid FROM refused r JOIN accounts a ON a.id = r.account")}

    def log_state(self, device: bytes) -> LogState | None:
        state = self._logs.get(device)
        if state is None:
            row = self.conn.execute(
                "SELECT rowid, account, head_seq, head_id FROM logs WHERE device = ?",
                (device,)).fetchone()
            if row is not None:
                state = self._logs[device] = LogState(*row)
        return state

    # --- the batch --------------------------------------------------------------

    def ingest(self, entries: Iterable[Entry], *, strict: bool = True) -> IngestResult:
        """Verify and store a batch (see the module's docstring for ``strict``)."""
        self._arrived = self.notes.arrived = self.now()
        plan = self._plan(entries, strict)
        certs = {}
        for device, run in list(plan.runs.items()):  # verify before writing anything
            state = self.log_state(device)
            try:
                verify_run(run, None if state is None else (state.head_seq, state.head_id))
                if state is None:
                    certs[device] = _certificate(run[0])
                    if certs[device].cert.account in self.refused:
                        # its certificate only, as refusals.py truncates a held log:
                        # a refused account's logs end up alike whatever came first
                        plan.refused += len(run) - 1
                        plan.runs[device] = run[:1]
                    elif through_revoked(self.revoker.revoked, certs[device].cert):
                        plan.frozen += len(run)  # certified by a device after its theft
                        del plan.runs[device]
            except InvalidEntry as exc:
                if strict:
                    raise
                kept = self._before_fork(plan, state, run)
                if kept is None:
                    plan.rejected[device] = exc
                if kept:
                    plan.runs[device] = kept
                    if state is None:
                        certs[device] = _certificate(kept[0])  # checked in _before_fork
                else:
                    del plan.runs[device]
        added: list[Entry] = []
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for device, run in plan.runs.items():
                state = self.log_state(device) or self._new_log(device, certs[device])
                self._write_run(state, run)
                added.extend(run)
            self._flush()
            self.revoker.settle()  # a device revoked in this batch, its run written after
            for fork in plan.forks.values():
                self._write_fork(fork)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._forget_caches()
            raise
        targets, erased, self._targets, self._erased = self._targets, self._erased, {}, {}
        revoked, self.revoker.applied = self.revoker.applied, []
        return IngestResult(added, plan.skipped, plan.missing, self.notes.take_created(),
                            list(plan.forks.values()), plan.frozen, plan.rejected,
                            targets, erased, revoked, plan.refused)

    def _plan(self, entries: Iterable[Entry], strict: bool) -> _Plan:
        plan = _Plan({})
        by_log: dict[bytes, dict[int, Entry]] = {}
        for item in entries:
            seen = by_log.setdefault(item.device, {})
            other = seen.get(item.seq)
            if other is not None and other.id != item.id:
                fork = None if strict else _proof(other.raw, item.raw)
                if fork is None:
                    error = BrokenLink(f"two different entries claim sequence {item.seq} "
                                       "of one log")
                    if strict:
                        raise error
                    plan.rejected[item.device] = error
                else:
                    self._found(plan, fork)
            seen[item.seq] = item
        revoked = self.revoker.revoked
        for device, seqs in by_log.items():
            if device in plan.rejected:
                continue
            state = self.log_state(device)
            if state is not None and state.account in self._refused_rows:
                plan.refused += len(seqs)  # store/refusals.py: unread, and no gap to charge
                continue  # anyone for (whoever carried it may not know our blocks)
            head = 0 if state is None else state.head_seq
            run: list[Entry] = []
            for seq in sorted(seqs):
                if seq >= self._forked.get(device, seq + 1) or seq > revoked.get(device, seq):
                    if strict:
                        raise BrokenLink("this device was revoked" if device in revoked else
                                         f"this log forked at {self._forked[device]}: "
                                         "nothing after it is accepted")
                    plan.frozen += 1
                elif seq <= head:
                    plan.skipped += 1
                    if not strict:
                        self._compare_held(plan, state, seqs[seq])
                elif seq == head + len(run) + 1:
                    run.append(seqs[seq])
                else:
                    plan.missing[device] = head + len(run) + 1
                    break
            if run:
                plan.runs[device] = run
        return plan

    def _compare_held(self, plan: _Plan, state: LogState | None, item: Entry) -> None:
        """An entry at or below our head: the one we hold, or the other branch of a
        fork. (Not one that is merely unsigned: only the author can make a proof.)"""
        assert state is not None
        held = self._header_at(state, item.seq)
        if held is not None and held != item.raw and (fork := _proof(held, item.raw)):
            self._found(plan, fork)

    def _before_fork(self, plan: _Plan, state: LogState | None,
                     run: list[Entry]) -> list[Entry] | None:
        """A run that failed verification: the part of it before a fork its author
        signed, if that is why (an empty list when nothing of it is before the fork),
        or None when the run is simply invalid (the sender's fault)."""
        if state is not None and run[0].header.prev != state.head_id:
            held = self._header_at(state, state.head_seq)
            fork = None if held is None else _proof(held, run[0].raw)
            if fork is None:
                return None
            self._found(plan, fork)
            return []
        for index, (before, current) in enumerate(pairwise(run)):
            if current.header.prev != before.id:
                fork = _proof(before.raw, current.raw)
                if fork is None:
                    return None
                self._found(plan, fork)
                kept = run[:index]  # below the fork at before.seq
                try:
                    verify_run(kept, None if state is None else (state.head_seq, state.head_id))
                    if kept and state is None:
                        _certificate(kept[0])
                except InvalidEntry:
                    return None
                return kept
        return None  # linked, but a signature, a body or the certificate is bad

    def _found(self, plan: _Plan, fork: Fork) -> None:
        """Record a fork proved in this batch; the device is frozen from now on."""
        known = plan.forks.get(fork.device)
        if known is None or fork.seq < known.seq:
            plan.forks[fork.device] = fork
        if fork.seq < self._forked.get(fork.device, fork.seq + 1):
            self._forked[fork.device] = fork.seq

    def add_forks(self, wire: Iterable[object]) -> list[Fork]:
        """Store the fork proofs a peer passed on (as they arrive: ``forks.from_wire``)
        that tell us more: of a log we hold, forked earlier than we knew. Only those
        are checked (two signatures each), so proofs of logs we do not hold cost a
        peer's victim nothing but decoding. Returns the new ones; ``NotAFork`` if one
        of them is no proof, and then nothing is stored."""
        kept: dict[bytes, Fork] = {}
        for item in wire:
            claim = forks.claimed(item)
            if claim is None or self.log_state(claim[0]) is None:
                continue
            device, seq = claim
            if seq < min(self._forked.get(device, seq + 1),
                         kept[device].seq if device in kept else seq + 1):
                proof = forks.from_wire(item)
                kept[device] = proof
        if not kept:
            return []
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for proof in kept.values():
                self._write_fork(proof)
                self._forked[proof.device] = proof.seq
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._forget_caches()
            raise
        return list(kept.values())

    def _write_fork(self, fork: Fork) -> None:
        write_fork(self.conn, fork)

    def _header_at(self, state: LogState, seq: int) -> bytes | None:
        row = self.conn.execute("SELECT header FROM entries WHERE log = ? AND seq = ?",
                                (state.rowid, seq)).fetchone()
        return None if row is None else bytes(row[0])

    def _new_log(self, device: bytes, cert: c.DeviceAnnouncement) -> LogState:
        account = self.account_rowid(cert.cert.account)
        self.conn.execute("UPDATE accounts SET enc_key = coalesce(enc_key, ?) WHERE rowid = ?",
                          (cert.cert.enc_key, account))
        if self.conn.execute("DELETE FROM revocations WHERE device = ? AND account != ?",
                             (device, account)).rowcount:  # another account's root said so
            self.revoker.revoked.pop(device, None)
        rowid = self.conn.execute(
            "INSERT INTO logs(device, account, head_seq, head_id) VALUES (?, ?, 0, x'')",
            (device, account)).lastrowid
        assert rowid is not None
        state = self._logs[device] = LogState(rowid, account, 0, b"")
        return state

    def _write_run(self, state: LogState, run: list[Entry]) -> None:
        first_rowid = self._next_rowid
        rows = []
        dropped = []
        for offset, item in enumerate(run):
            body = item.body
            if (body is not None and item.id in self._deleted
                    and self._deleted_by(item.id, state.account)):
                body = None  # deleted before it reached us: never store the body
                dropped.append(offset)
            rows.append((first_rowid + offset, item.id, id8(item.id), state.rowid, item.seq,
                         item.kind, item.timestamp, item.raw, body))
        self.conn.executemany(
            "INSERT INTO entries(rowid, id, id8, log, seq, kind, ts, header, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._next_rowid += len(run)
        for offset, item in enumerate(run):
            if item.body is not None:
                self._apply(state.account, first_rowid + offset, item, item.body)
            if dropped and offset == dropped[0]:
                # same end state as when the delete comes second: apply, then erase
                dropped.pop(0)
                self._flush()
                self._erase(first_rowid + offset, item.kind, item.id)
        last = run[-1]
        state.head_seq, state.head_id = last.seq, last.id
        self.conn.execute("UPDATE logs SET head_seq = ?, head_id = ? WHERE rowid = ?",
                          (last.seq, last.id, state.rowid))

    def _forget_caches(self) -> None:
        self._logs.clear()
        self._accounts.clear()
        self._posts.clear()
        self._mentions.clear()
        self._reactions.clear()
        self._targets.clear()
        self._erased.clear()
        self.notes.reset()
        self.text.reload()
        self._next_rowid = refusals.next_rowid(self.conn)
        self.load_refused()
        self._deleted = {r[0] for r in self.conn.execute("SELECT target FROM deletions")}
        self._edited = {r[0] for r in self.conn.execute("SELECT target FROM edits")}
        self._forked = read_forks(self.conn)
        self.revoker.reload()
        row = self.conn.execute("SELECT value FROM meta WHERE key='local_account'").fetchone()
        if row:
            self.conn.execute("BEGIN")
            self.set_local(row[0])
            self.conn.execute("COMMIT")

    # --- derived state ----------------------------------------------------------

    def _apply(self, account: int, rowid: int, item: Entry, body: bytes) -> None:
        try:
            value = c.decode_body(item.kind, body)
        except InvalidEntry:
            return  # signed by its author but unreadable here: stored, not interpreted
        if isinstance(value, c.Post):
            self._add_post(account, rowid, item, value)
            if value.reply_parent is not None:
                self._targets[item.id] = value.reply_parent
        elif isinstance(value, c.Reaction):
            self._targets[item.id] = value.target
            self._react(account, rowid, item, value)
        elif isinstance(value, (c.Follow, c.Unfollow)):
            self._relation("follows", account, rowid, item, value.account,
                           isinstance(value, c.Follow))
        elif isinstance(value, (c.Block, c.Unblock)):
            self._relation("blocks", account, rowid, item, value.account,
                           isinstance(value, c.Block))
        elif isinstance(value, c.Profile):
            cur = self.conn.execute(
                "INSERT INTO profiles(account, name, bio, avatar, ts, entry) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name, "
                "bio = excluded.bio, avatar = excluded.avatar, ts = excluded.ts, "
                "entry = excluded.entry WHERE " + _NEWER.format(t="profiles"),
                (account, value.name, value.bio, value.avatar, item.timestamp, item.id))
            if cur.rowcount:  # the current profile: its avatar is the one wanted
                blob_wants.replace_profile(self.conn, rowid, account, blobs_of(value))
            return
        elif isinstance(value, c.Edit):
            self._targets[item.id] = value.target
            self._flush()
            self._edit(account, item, value)
        elif isinstance(value, c.Delete):
            self._targets[item.id] = value.target
            self._flush()
            self._delete(account, item, value.target)
        elif isinstance(value, c.RevokeDevice) and self._revokes(account, value):
            self._flush()
            self.revoker.apply(value.revocation)
        refs = blobs_of(value)
        if refs:  # what a carrier fetches too (store/blob_wants.py)
            blob_wants.add(self.conn, rowid, account, item.kind, refs)

    def _revokes(self, account: int, value: c.RevokeDevice) -> bool:
        """A revocation the account's root signed, of one of its devices (else stored,
        not applied: the author's device signed it, nobody can apply it)."""
        try:
            value.revocation.verify()
        except InvalidEntry:
            return False
        return self.account_rowid(value.revocation.account) == account

    def _add_post(self, account: int, rowid: int, item: Entry, post: c.Post) -> None:
        text, cw, edited = post.text, post.content_warning, 0
        if item.id in self._edited:
            row = self.conn.execute("SELECT text, cw FROM edits WHERE target = ? AND account = ?",
                                    (item.id, account)).fetchone()
            if row:
                text, cw, edited = row[0], row[1], 1
        in_home = int(account in self._home)
        ts = placed(item.timestamp, self._arrived)
        self._posts.append((rowid, account, ts, post.thread_root,
                            post.reply_parent, text, cw, edited, 0, in_home))
        for mentioned in post.mentions:
            self._mentions.append((self.account_rowid(mentioned), ts, rowid))
        notes = self.notes  # tested here, not in a call: most posts do not concern us
        if account == notes.local or post.reply_parent in notes.posts or (
                post.mentions and notes.local_id in post.mentions):
            notes.post(account, rowid, item.id, ts, post)

    def _react(self, account: int, rowid: int, item: Entry, reaction: c.Reaction) -> None:
        """Buffered, unless it is on a post of ours: then written now, to notify."""
        row = (reaction.target, account, reaction.emoji, int(not reaction.undo),
               item.timestamp, item.id)
        if not self.notes.on_local_post(reaction.target, account):
            self._reactions.append(row)
            return
        self._flush()  # earlier reactions of the batch first: last writer wins
        if self.conn.execute(_UPSERT_REACTION, row).rowcount:
            self.notes.reaction(account, rowid, placed(item.timestamp, self._arrived),
                                reaction.target, reaction.emoji, not reaction.undo)

    def _flush(self) -> None:
        if self._posts:
            self.conn.executemany(
                "INSERT INTO posts(rowid, author, ts, root, parent, text, cw, edited, deleted, "
                "in_home) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._posts)
            self._posts.clear()
        if self._mentions:
            self.conn.executemany("INSERT OR IGNORE INTO mentions(account, ts, post) "
                                  "VALUES (?, ?, ?)", self._mentions)
            self._mentions.clear()
        if self._reactions:  # in order: last writer wins within the batch too
            self.conn.executemany(_UPSERT_REACTION, self._reactions)
            self._reactions.clear()
        self.notes.flush()

    def _relation(self, table: str, account: int, rowid: int, item: Entry, target: bytes,
                  active: bool) -> None:
        """Follow/unfollow or block/unblock: a last-writer-wins register per pair."""
        other = self.account_rowid(target)
        if account == self.local:
            self._flush()  # the home flag of posts still in the buffer may change
        subject, obj = _RELATION_COLUMNS[table]
        cur = self.conn.execute(
            f"INSERT INTO {table}({subject}, {obj}, active, ts, entry) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET active = excluded.active, ts = excluded.ts, "
            "entry = excluded.entry WHERE " + _NEWER.format(t=table),
            (account, other, int(active), item.timestamp, item.id))
        if cur.rowcount and account == self.local:
            self._refresh_home(other)
        elif cur.rowcount and table == "follows" and other == self.local:
            self.notes.follow(account, rowid, placed(item.timestamp, self._arrived), active)

    def _refresh_home(self, author: int) -> None:
        """Recompute whether ``author``'s posts belong on the local home timeline."""
        assert self.local is not None
        follows = self.conn.execute(
            "SELECT 1 FROM follows WHERE follower = ? AND followee = ? AND active = 1",
            (self.local, author)).fetchone()
        blocked = self.conn.execute(
            "SELECT 1 FROM blocks WHERE blocker = ? AND blocked = ? AND active = 1",
            (self.local, author)).fetchone()
        home = author == self.local or (bool(follows) and not blocked)
        if home == (author in self._home):
            return
        (self._home.add if home else self._home.discard)(author)
        self.conn.execute("UPDATE posts SET in_home = ? WHERE author = ? AND deleted = 0",
                          (int(home), author))

    def _edit(self, account: int, item: Entry, edit: c.Edit) -> None:
        cur = self.conn.execute(
            "INSERT INTO edits(target, account, text, cw, ts, entry) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET text = excluded.text, cw = excluded.cw, "
            "ts = excluded.ts, entry = excluded.entry WHERE " + _NEWER.format(t="edits"),
            (edit.target, account, edit.text, edit.content_warning, item.timestamp, item.id))
        self._edited.add(edit.target)
        if not cur.rowcount:
            return
        # a followers-only post (kind GROUP) takes no edit: an edit is public
        row = self.conn.execute(
            "SELECT p.rowid, p.text, p.cw FROM entries e JOIN posts p ON p.rowid = e.rowid "
            "WHERE e.id8 = ? AND e.id = ? AND p.author = ? AND p.deleted = 0 AND e.kind = ?",
            (id8(edit.target), edit.target, account, Kind.POST)).fetchone()
        if row is None:
            return
        rowid, old_text, old_cw = row
        indexed = self.text.holds(rowid)
        if indexed:
            self.text.remove(rowid, old_text, old_cw)
        self.conn.execute("UPDATE posts SET text = ?, cw = ?, edited = 1 WHERE rowid = ?",
                          (edit.text, edit.content_warning, rowid))
        if indexed:
            self.text.add(rowid, edit.text, edit.content_warning)

    def _delete(self, account: int, item: Entry, target: bytes) -> None:
        self.conn.execute("INSERT OR IGNORE INTO deletions(target, account, entry) "
                          "VALUES (?, ?, ?)", (target, account, item.id))
        self._deleted.add(target)
        row = self.conn.execute(
            "SELECT e.rowid, e.kind FROM entries e JOIN logs l ON l.rowid = e.log "
            "WHERE e.id8 = ? AND e.id = ? AND l.account = ?",
            (id8(target), target, account)).fetchone()
        if row is not None:  # else: not here yet, and erased on arrival
            self._erased[item.id] = self._what_is_erased(row[0], row[1], target)
            self._erase(row[0], row[1], target)

    def _what_is_erased(self, rowid: int, kind: int, target: bytes) -> Erased:
        return erasure.what_is_erased(self.conn, rowid, kind, target)

    def _erase(self, rowid: int, kind: int, target: bytes) -> None:
        erasure.erase(self.conn, self.notes, self.text, rowid, kind, target)

    # --- full-text index (store/text_index.py) -------------------------------------

    def index_text(self, limit: int | None = None) -> int:
        """Index live posts above the watermark (all, or the oldest ``limit``)."""
        return self.text.index(limit)

    def _deleted_by(self, target: bytes, account: int) -> bool:
        row = self.conn.execute("SELECT 1 FROM deletions WHERE target = ? AND account = ?",
                                (target, account)).fetchone()
        return row is not None


_RELATION_COLUMNS = {"follows": ("follower", "followee"), "blocks": ("blocker", "blocked")}

# last writer wins: a later timestamp, ties broken by the larger entry id
_NEWER = "(excluded.ts > {t}.ts OR (excluded.ts = {t}.ts AND excluded.entry > {t}.entry))"

_UPSERT_REACTION = (
    "INSERT INTO reactions(target, account, emoji, active, ts, entry) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET active = excluded.active, "
    "ts = excluded.ts, entry = excluded.entry WHERE " + _NEWER.format(t="reactions"))
