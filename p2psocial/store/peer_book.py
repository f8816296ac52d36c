"""The address book (migration 2): one row per peer device, with its addresses, how
far each is trusted (peer_addrs.py), and how talking to it went.

The network service is the only writer (through the node's replication service);
read-only readers (``p2psocial peers``) see what a running service last recorded."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import peer_addrs
from .peer_addrs import Trust


class PeerBook:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


    def peers(self) -> list[PeerRecord]:
        rows = self.conn.execute(f"SELECT {_PEER_COLUMNS} FROM {_PEERS} ORDER BY last_ok DESC, "
                                 "p.device").fetchall()
        return [_peer_record(row) for row in rows]

    def peer(self, device: bytes) -> PeerRecord | None:
        row = self.conn.execute(f"SELECT {_PEER_COLUMNS} FROM {_PEERS} WHERE p.device = ?",
                                (device,)).fetchone()
        return None if row is None else _peer_record(row)

    def add_peer(self, device: bytes, addrs: Iterable[str], source: str,
                 trust: Trust = Trust.GIVEN) -> PeerRecord:
        """Insert a peer, or merge ``addrs`` (best first) into its known addresses
        under ``trust`` (peer_addrs.py: at most ``PEER_ADDRS_MAX``; an address only
        ever pushes out one of lower or equal trust). An existing peer keeps its
        source and history."""
        new = list(addrs)
        return self._change_book(device, source,
                                 lambda book: peer_addrs.merge(book, new, trust))

    def peer_moved(self, device: bytes, addrs: Iterable[str], source: str) -> PeerRecord:
        """The device signed a newer address record for ``addrs``: those as signed,
        its other addresses demoted to heard (peer_addrs.supersede)."""
        new = list(addrs)
        return self._change_book(device, source, lambda book: peer_addrs.supersede(book, new))

    def _change_book(self, device: bytes, source: str,
                     change: Callable[[peer_addrs.Book], peer_addrs.Book]) -> PeerRecord:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            old = self.peer(device)
            book = change(old.book if old else ())
            # upsert: a new row starts with no history; a known one only gets addresses
            self.conn.execute(
                "INSERT INTO peers(device, addrs, source) VALUES (?, ?, ?) "
                "ON CONFLICT(device) DO UPDATE SET addrs = excluded.addrs",
                (device, "\n".join(a for a, _ in book), source))
            self.conn.execute("INSERT OR REPLACE INTO peer_trust(device, addr_trust) "
                              "VALUES (?, ?)", (device, peer_addrs.encode_trust(book)))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        record = self.peer(device)
        assert record is not None
        return record

    def update_peer(self, device: bytes, **fields: int | None) -> None:
        """Set some of last_seen, last_ok, failures, standing, banned_until."""
        unknown = set(fields) - _PEER_UPDATABLE
        if unknown:
            raise ValueError(f"not peer fields: {sorted(unknown)}")
        if fields:
            names = sorted(fields)  # column names come from the fixed set above
            self.conn.execute(
                f"UPDATE peers SET {', '.join(f'{n} = ?' for n in names)} WHERE device = ?",
                (*(fields[n] for n in names), device))

    def remove_peer(self, device: bytes) -> None:
        self.conn.execute("DELETE FROM peers WHERE device = ?", (device,))
        self.conn.execute("DELETE FROM peer_trust WHERE device = ?", (device,))



PEER_ADDRS_MAX = peer_addrs.ADDRS_MAX
PEER_SOURCES = ("invite", "mdns", "peer")
_PEER_COLUMNS = ("p.device, p.addrs, p.last_seen, p.last_ok, p.failures, p.standing, "
                 "p.banned_until, p.source, coalesce(t.addr_trust, '')")
_PEERS = "peers p LEFT JOIN peer_trust t ON t.device = p.device"
_PEER_UPDATABLE = {"last_seen", "last_ok", "failures", "standing", "banned_until"}


@dataclass(frozen=True, slots=True)
class PeerRecord:
    """One row of the address book; times are milliseconds since the epoch."""

    device: bytes
    addrs: tuple[str, ...]
    last_seen: int | None
    last_ok: int | None
    failures: int
    standing: int
    banned_until: int | None
    source: str
    trust: tuple[Trust, ...] = ()  # of each address in ``addrs`` (peer_addrs.py)

    @property
    def book(self) -> peer_addrs.Book:
        return tuple(zip(self.addrs, self.trust, strict=True))


def _peer_record(row: tuple) -> PeerRecord:
    device, addrs, last_seen, last_ok, failures, standing, banned_until, source, trust = row
    book = peer_addrs.decode([a for a in addrs.split("\n") if a], trust)
    return PeerRecord(bytes(device), tuple(a for a, _ in book), last_seen, last_ok,
                      int(failures), int(standing), banned_until, source,
                      tuple(t for _, t in book))


