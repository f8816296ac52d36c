"""Revoked devices: what a root-signed revocation (identity.Revocation) does to a store.

Theory of operation. A revocation names a device of an account and the last entry of
its log that stays valid (``last_seq``). From then on this store

* refuses the device's entries past ``last_seq`` (ingest counts them ``frozen``, like
  entries past a fork: whoever carried them could not have known, so nobody's
  standing suffers);
* erases those it already holds (erasure.py: the body goes, a post is hidden, a
  reaction withdrawn, a message leaves the inbox; follows, blocks and profile changes
  keep their effect until the account publishes the opposite);
* revokes every device the revoked one certified through a link entry past
  ``last_seq`` (identity.DelegatedCert names the issuer's sequence number), down the
  chain, keeping only their certificates (``last_seq`` 1), and refuses new logs whose
  certificate chain passes through such a link;
* seals new messages to the account's new encryption key (``accounts.enc_key`` follows
  the newest revocation's ``new_enc_key``).

A revocation is applied from a REVOKE entry of the account's own log (it travels like
any entry) or from the revocations a peer sends first in a sync session
(``add_wires``); both verify the root's signature. Revocations only ever tighten: a
second one for the same device keeps the lower ``last_seq``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import NamedTuple

from .. import codec
from .. import content as c
from ..content import Kind
from ..errors import InvalidEntry
from ..identity import Certificate, Revocation

# rowid, kind, entry id of an entry to erase
Erase = Callable[[int, int, bytes], None]


class Applied(NamedTuple):
    """A revocation that shortened something here, for the node to tell its sessions."""

    account: bytes
    wire: bytes
    ends: tuple[tuple[bytes, int], ...]  # (device, its last valid seq) now

IMPLIED = 1  # last valid entry of a device revoked because a revoked one certified it
MAX_UNHELD = 32  # revocations kept per account of devices whose logs are not here


def read(conn: sqlite3.Connection) -> dict[bytes, int]:
    """Revoked device -> its last valid sequence number."""
    return {bytes(d): int(s) for d, s in conn.execute("SELECT device, last_seq FROM revocations")}


def through_revoked(revoked: dict[bytes, int], cert: Certificate) -> bool:
    """Whether ``cert`` was issued, somewhere up its chain, by a revoked device after
    its last valid entry."""
    return any(link.issuer_seq > revoked.get(link.issuer, link.issuer_seq)
               for link in cert.links())


def wires(conn: sqlite3.Connection, account: bytes | None = None) -> list[bytes]:
    """The distinct signed revocations held (of one account, or all), oldest first."""
    if account is None:
        rows = conn.execute("SELECT DISTINCT wire FROM revocations ORDER BY created")
    else:
        rows = conn.execute(
            "SELECT DISTINCT r.wire FROM revocations r JOIN accounts a ON a.rowid = r.account "
            "WHERE a.id = ? ORDER BY r.created", (account,))
    return [bytes(row[0]) for row in rows]


def decode(wire: bytes) -> Revocation:
    """A revocation from its stored or sent bytes, signature checked (``InvalidEntry``)."""
    revocation = Revocation.from_wire(codec.decode(wire))
    revocation.verify()
    return revocation


class Revoker:
    """Applies revocations to the store that ``conn`` writes; keeps ``revoked`` (the
    ingest's view: device -> last valid sequence number) up to date."""

    def __init__(self, conn: sqlite3.Connection, account_rowid: Callable[[bytes], int],
                 erase: Erase) -> None:
        self.conn = conn
        self.account_rowid = account_rowid
        self.erase = erase
        self.revoked = read(conn)
        self._touched: set[bytes] = set()
        self.applied: list[Applied] = []  # what ingest and add_wires hand the node

    def reload(self) -> None:
        self.revoked = read(self.conn)
        self._touched.clear()
        self.applied.clear()

    def settle(self) -> None:
        """Erase what a batch wrote, after applying a revocation, of a device it
        revoked (the batch's runs are written in no particular order)."""
        for device in self._touched:
            self._erase_past(device, self.revoked[device], live_only=True)
        self._touched.clear()

    def _erase_past(self, device: bytes, last: int, *, live_only: bool = False) -> None:
        for rowid, kind, entry in self.conn.execute(
                "SELECT e.rowid, e.kind, e.id FROM entries e JOIN logs l ON l.rowid = e.log "
                "WHERE l.device = ? AND e.seq > ?" + (" AND e.body IS NOT NULL" if live_only
                                                     else ""), (device, last)).fetchall():
            self.erase(rowid, kind, bytes(entry))

    def apply(self, revocation: Revocation) -> list[bytes]:
        """Apply a verified revocation inside the caller's transaction; the devices
        whose valid part it shortened (none if it told us nothing new)."""
        account = self.account_rowid(revocation.account)
        wire = codec.encode(revocation.to_wire())
        changed: list[bytes] = []
        queue = [(revocation.device, revocation.last_seq)]
        certificates: list[tuple[bytes, Certificate]] | None = None  # read once, if needed
        while queue:
            device, last = queue.pop()
            if self.revoked.get(device, last + 1) <= last:
                continue  # known, as tight or tighter
            if not self._owned_by(device, account):
                continue  # a device of another account: not this root's to revoke
            self.conn.execute(
                "INSERT INTO revocations(device, account, last_seq, created, wire) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(device) DO UPDATE SET "
                "last_seq = excluded.last_seq, created = excluded.created, "
                "wire = excluded.wire", (device, account, last, revocation.created, wire))
            self.revoked[device] = last
            self._touched.add(device)
            changed.append(device)
            self._erase_past(device, last)
            if certificates is None:
                certificates = self._certificates(account)
            queue.extend((other, IMPLIED) for other, cert in certificates
                         if any(link.issuer == device and link.issuer_seq > last
                                for link in cert.links()))
        self._newest_key(account, revocation)
        if changed:
            self.applied.append(Applied(revocation.account, wire,
                                        tuple((d, self.revoked[d]) for d in changed)))
        return changed

    def add_wires(self, wires: Iterable[object]) -> list[bytes]:
        """Revocations a peer sent (bytes each), applied in one transaction; bad ones
        are skipped and counted in the result's absence (the caller judges the peer:
        a revocation that does not verify is the sender's fault)."""
        revocations = []
        for wire in wires:
            if not isinstance(wire, bytes):
                raise InvalidEntry("a revocation is bytes")
            revocations.append(decode(wire))
        changed: list[bytes] = []
        if not revocations:
            return changed
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for revocation in sorted(revocations, key=lambda r: r.created):
                changed.extend(self.apply(revocation))
            self._touched.clear()  # no run written after them
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            self.reload()
            raise
        return changed

    def _owned_by(self, device: bytes, account: int) -> bool:
        """Whether ``account`` may revoke ``device`` here: its log is the account's, or
        not here yet (kept, to refuse it on arrival) while the account has fewer than
        ``MAX_UNHELD`` such rows: an account's root can sign revocations of made-up
        devices, and they must not fill the disk."""
        row = self.conn.execute("SELECT account FROM logs WHERE device = ?", (device,)).fetchone()
        if row is not None:
            return bool(row[0] == account)
        unheld = self.conn.execute(
            "SELECT count(*) FROM revocations r WHERE r.account = ? AND NOT EXISTS "
            "(SELECT 1 FROM logs l WHERE l.device = r.device)", (account,)).fetchone()[0]
        return int(unheld) < MAX_UNHELD

    def _certificates(self, account: int) -> list[tuple[bytes, Certificate]]:
        """Each log of the account with the certificate that opens it."""
        out = []
        for device, body in self.conn.execute(
                "SELECT l.device, e.body FROM logs l JOIN entries e ON e.log = l.rowid "
                "WHERE l.account = ? AND e.seq = 1 AND e.kind = ?", (account, Kind.DEVICE)):
            try:
                value = c.decode_body(Kind.DEVICE, bytes(body))
            except InvalidEntry:
                continue
            assert isinstance(value, c.DeviceAnnouncement)
            out.append((bytes(device), value.cert))
        return out

    def _newest_key(self, account: int, revocation: Revocation) -> None:
        """Messages to the account are sealed to the newest revocation's key."""
        newest = self.conn.execute("SELECT max(created) FROM revocations WHERE account = ?",
                                   (account,)).fetchone()[0]
        if newest is not None and revocation.created >= newest:
            self.conn.execute("UPDATE accounts SET enc_key = ? WHERE rowid = ?",
                              (revocation.new_enc_key, account))
