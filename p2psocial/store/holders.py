"""What peer devices hold of our logs, and the delivery state of our direct messages
(migration 13; issue 14, item 8).

Theory of operation. A direct message travels in its author's log like any entry, so
"has it arrived?" is "does a device of the recipient hold our log up to the message's
seq?". Nothing but the recipient's device can say that, and it says it in its sync
clock: in every session each side tells the other how far it holds each log both
replicate (net/opening.py), and a version 2 peer says it again, for the log of the
peer itself, when that log grows while they are connected (net/sync.py). The session
hands us what the peer *said* it holds, never what we merely sent it; ``record``
keeps it here, one row per (log of ours, peer device), the seq only growing.

The state of one of our messages at (log, seq), for recipients R (read by ``of``):

* delivered to r in R: a device whose account is r said it holds ``log`` up to ``seq``
  or beyond ("delivered" when that is every r, "partly_delivered" when some);
* carried: a device of any other account (not ours, not in R) said so: a friend
  carries our log and will pass it on to the recipient if they meet;
* sent: neither. The message is in our own log; nobody else is known to hold it.

A seq past the head of our log that this store holds is cut to that head: nobody can
hold entries not written yet, and a peer that claimed it did would otherwise have
every later message shown as held the moment it is written.

A device's account is the one its log's certificate names, so only devices whose log
this store holds are recorded (a peer cannot claim to be Bob's device without Bob's
signature). What a peer can make us store is bounded: rows only for devices of
accounts we follow, that follow us, or that share a direct conversation with us (all
of which we replicate: the peer cannot grow the set with fresh identities), times the
logs of our own account, and at most ``HOLDERS_MAX`` rows: past it a new row is
refused (an existing row still grows), which can only make a state read weaker than
the truth, never stronger.

Pure SQL on a connection; the caller holds the one-writer rule.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Final

from .members import unpack_members
from .views import Delivery

HOLDERS_MAX: Final = 4096
"""Rows in ``holders`` (about 300 KiB)."""


def record(conn: sqlite3.Connection, local: int, device: bytes,
           heads: Mapping[bytes, int], now: int) -> tuple[bytes, list[tuple[bytes, int]]]:
    """``device`` said it holds the logs in ``heads`` (log device -> seq) up to those
    seqs. Keeps what is about the local account's logs, from a device we may record
    (above); returns the device's account id and the (log device, seq) pairs that
    grew, or ``(b"", [])`` when nothing is kept."""
    row = conn.execute("SELECT l.account, a.id FROM logs l JOIN accounts a "
                       "ON a.rowid = l.account WHERE l.device = ?", (device,)).fetchone()
    if row is None or row[0] == local or not _may_record(conn, local, int(row[0]),
                                                         bytes(row[1])):
        return b"", []
    account, account_id = int(row[0]), bytes(row[1])
    ours = {bytes(d): (int(r), int(h)) for r, d, h in conn.execute(
        "SELECT rowid, device, head_seq FROM logs WHERE account = ?", (local,))}
    # nobody holds what was not written yet: a claim past our head is cut to it (or
    # every message written later would show as held the moment it is written)
    wanted = [(ours[log][0], log, min(seq, ours[log][1])) for log, seq in heads.items()
              if log in ours and seq > 0]
    if not wanted:
        return b"", []
    grown = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        count = None
        for rowid, log, seq in wanted:
            old = conn.execute("SELECT seq FROM holders WHERE log = ? AND device = ?",
                               (rowid, device)).fetchone()
            if old is not None and int(old[0]) >= seq:
                continue
            if old is None:
                if count is None:
                    count = int(conn.execute("SELECT count(*) FROM holders").fetchone()[0])
                if count >= HOLDERS_MAX:
                    continue
                count += 1
            conn.execute("INSERT OR REPLACE INTO holders(log, device, account, seq, learnt) "
                         "VALUES (?, ?, ?, ?, ?)", (rowid, device, account, seq, now))
            grown.append((log, seq))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return account_id, grown


def _may_record(conn: sqlite3.Connection, local: int, account: int, account_id: bytes) -> bool:
    """Whether clocks of ``account``'s devices are kept: we follow it, it follows us, or
    it is in one of our direct conversations (a short scan of conversations)."""
    if conn.execute("SELECT 1 FROM follows WHERE active = 1 AND ((follower = ? AND "
                    "followee = ?) OR (follower = ? AND followee = ?))",
                    (local, account, account, local)).fetchone():
        return True
    return any(account_id in unpack_members(members) for (members,) in conn.execute(
        "SELECT members FROM conversations WHERE rowid NOT IN "
        "(SELECT conversation FROM groups)"))


def of(conn: sqlite3.Connection, local: int, recipients: Sequence[bytes],
       messages: Sequence[tuple[int, int]]) -> list[Delivery]:
    """The delivery state of our messages at (logs.rowid, seq), all for ``recipients``
    (account ids, us left out), in order. Index: the primary key, one range per log."""
    ids = {int(r): bytes(a) for r, a in conn.execute(
        f"SELECT rowid, id FROM accounts WHERE id IN ({','.join('?' * len(recipients))})",
        tuple(recipients))} if recipients else {}
    said: dict[int, list[tuple[int, int]]] = {}  # log -> (account, seq) of each holder
    for log in {log for log, _ in messages}:
        said[log] = [(int(a), int(s)) for a, s in conn.execute(
            "SELECT account, seq FROM holders WHERE log = ?", (log,))]
    out = []
    for log, seq in messages:
        holding = {account for account, held in said[log] if held >= seq}
        delivered = tuple(sorted(ids[a] for a in holding if a in ids))
        carried = any(a not in ids and a != local for a in holding)
        out.append(Delivery(tuple(recipients), delivered, carried))
    return out


def rows(conn: sqlite3.Connection) -> list[tuple[bytes, bytes, int, int]]:
    """(log device, peer device, seq, learnt) of every row: for tests and diagnostics."""
    return [(bytes(log), bytes(device), int(seq), int(learnt))
            for log, device, seq, learnt in conn.execute(
                "SELECT l.device, h.device, h.seq, h.learnt FROM holders h "
                "JOIN logs l ON l.rowid = h.log ORDER BY l.device, h.device")]
