"""Address records in the store (migration 12; p2psocial/address_record.py).

Theory of operation. One row per device: the newest record we hold for it, as the
canonical bytes it was signed in, so that it can be passed on unchanged and checked
again by anyone. The caller (the node) verifies a record's signature and finds the
device's account before ``keep``; this module only applies the rules that need the
table:

* a record replaces the row only with a higher seq (an older or equal one, even a
  valid one from an honest forwarder, changes nothing);
* rows exist only for devices of accounts the node replicates (its wants) and for
  our own device: ``keep`` takes the wanted set, ``prune`` drops rows of accounts
  no longer wanted and expired records;
* at most ``RECORDS_MAX`` rows: past it a new device's record is refused (its
  friends can pass it on later, once pruning made room), a known device's newer
  record still replaces its row.

Pure SQL on a connection; the caller holds the transaction rules (one writer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

RECORDS_MAX: Final = 4096
"""Rows in ``address_records`` (about 4 MiB at most)."""
TOKENS_MAX: Final = 256
"""Rows in ``address_tokens``: one per invite the user joined; the oldest to expire go
first."""


@dataclass(frozen=True, slots=True)
class HeldRecord:
    device: bytes
    account: bytes
    seq: int
    expires: int
    raw: bytes  # canonical wire bytes, signature included


def seq_of(conn: sqlite3.Connection, device: bytes) -> int | None:
    row = conn.execute("SELECT seq FROM address_records WHERE device = ?",
                       (device,)).fetchone()
    return None if row is None else int(row[0])


def held(conn: sqlite3.Connection, device: bytes) -> HeldRecord | None:
    row = conn.execute("SELECT device, account, seq, expires, record FROM address_records "
                       "WHERE device = ?", (device,)).fetchone()
    return None if row is None else _held(row)


def keep(conn: sqlite3.Connection, device: bytes, account: bytes, seq: int, expires: int,
         raw: bytes) -> bool:
    """Store a verified record unless we hold one with a seq at or above ``seq``, or
    the table is full and ``device`` has no row yet. True when stored."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        old = seq_of(conn, device)
        full = old is None and _count(conn) >= RECORDS_MAX
        if (old is not None and old >= seq) or full:
            stored = False
        else:
            conn.execute("INSERT OR REPLACE INTO address_records(device, account, seq, expires,"
                         " record) VALUES (?, ?, ?, ?, ?)", (device, account, seq, expires, raw))
            stored = True
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return stored


def of_accounts(conn: sqlite3.Connection, accounts: Collection[bytes],
                now: int) -> list[HeldRecord]:
    """The unexpired records of devices of ``accounts``."""
    rows = conn.execute("SELECT device, account, seq, expires, record FROM address_records "
                        "WHERE expires > ? ORDER BY device", (now,)).fetchall()
    wanted = set(accounts)
    return [_held(r) for r in rows if bytes(r[1]) in wanted]


def prune(conn: sqlite3.Connection, wanted: Collection[bytes], now: int) -> int:
    """Drop expired records and those of accounts not in ``wanted``; rows dropped."""
    keep_accounts = set(wanted)
    rows = conn.execute("SELECT device, account, expires FROM address_records").fetchall()
    gone = [(bytes(d),) for d, a, e in rows if e <= now or bytes(a) not in keep_accounts]
    if gone:
        conn.executemany("DELETE FROM address_records WHERE device = ?", gone)
    return len(gone)


def keep_token(conn: sqlite3.Connection, device: bytes, account: bytes, expires: int,
               raw: bytes, now: int) -> None:
    """The token of an invite the user joined (the newest per device), expired ones
    and those beyond ``TOKENS_MAX`` dropped."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT OR REPLACE INTO address_tokens(device, account, expires, token) "
                     "VALUES (?, ?, ?, ?)", (device, account, expires, raw))
        conn.execute("DELETE FROM address_tokens WHERE expires <= ?", (now,))
        conn.execute("DELETE FROM address_tokens WHERE device NOT IN (SELECT device FROM "
                     "address_tokens ORDER BY expires DESC LIMIT ?)", (TOKENS_MAX,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def token_of(conn: sqlite3.Connection, device: bytes, now: int) -> tuple[bytes, bytes] | None:
    """(account, token bytes) of an unexpired token for ``device``, if we hold one."""
    row = conn.execute("SELECT account, token FROM address_tokens WHERE device = ? AND "
                       "expires > ?", (device, now)).fetchone()
    return None if row is None else (bytes(row[0]), bytes(row[1]))


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM address_records").fetchone()[0])


def _held(row: tuple) -> HeldRecord:
    device, account, seq, expires, raw = row
    return HeldRecord(bytes(device), bytes(account), int(seq), int(expires), bytes(raw))
