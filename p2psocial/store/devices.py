"""The devices of an account, as this store knows them (one per log of the account),
the revocations held, and the local account's rotated encryption keys.

Names and link times come from the DEVICE_LINK entries that the certifying device
wrote in its own log (content.DeviceLink); a device made from the recovery phrase
(the first one, or a restore) has none and is shown by its id. "Last seen" is the
later of its newest entry and the last session with it (``peers.last_seen``).
"""

from __future__ import annotations

import sqlite3

from .. import content as c
from ..content import Kind
from ..errors import InvalidEntry
from ..identity import Certificate
from . import revocations
from .views import DeviceRow


class DeviceBook:
    """Reads of devices and revocations, and the local account's keys (``store.device_book``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def devices(self, account_id: bytes) -> list[DeviceRow]:
        return devices(self.conn, account_id)

    def revocations(self, account_id: bytes | None = None) -> list[bytes]:
        """The signed revocations held (of one account, or all), as sent in sync."""
        return revocations.wires(self.conn, account_id)

    def account_keys(self) -> list[tuple[int, bytes]]:
        """(epoch, X25519 seed) of the local account's rotated keys, oldest first."""
        return [(int(e), bytes(s)) for e, s in
                self.conn.execute("SELECT epoch, seed FROM account_keys ORDER BY epoch")]

    def keep_account_key(self, epoch: int, seed: bytes, created: int) -> bool:
        """Keep a rotated key of the local account; False if that epoch was known."""
        with self.conn:
            return bool(self.conn.execute(
                "INSERT OR IGNORE INTO account_keys(epoch, seed, created) VALUES (?, ?, ?)",
                (epoch, seed, created)).rowcount)


def devices(conn: sqlite3.Connection, account_id: bytes) -> list[DeviceRow]:
    """Every device of ``account_id`` whose log this store holds, oldest first."""
    row = conn.execute("SELECT rowid FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        return []
    account = row[0]
    names = _names(conn, account)
    revoked = {bytes(d): int(s) for d, s in conn.execute(
        "SELECT device, last_seq FROM revocations WHERE account = ?", (account,))}
    out = []
    for device, cert_body, newest, count, seen in conn.execute(
            "SELECT l.device, (SELECT body FROM entries WHERE log = l.rowid AND seq = 1), "
            "(SELECT max(ts) FROM entries WHERE log = l.rowid), "
            "(SELECT count(*) FROM entries WHERE log = l.rowid), p.last_seen "
            "FROM logs l LEFT JOIN peers p ON p.device = l.device WHERE l.account = ?",
            (account,)).fetchall():
        device = bytes(device)
        cert = _certificate(cert_body)
        links = cert.links() if cert is not None else ()
        last = revoked.get(device)
        out.append(DeviceRow(
            device, names.get(device, ""), cert.created if cert is not None else 0,
            max((t for t in (newest, seen) if t is not None), default=None), int(count),
            last is not None, last, links[0].issuer if links else None))
    out.sort(key=lambda d: (d.linked, d.device))
    return out


def _names(conn: sqlite3.Connection, account: int) -> dict[bytes, str]:
    """Device -> the name its newest link entry gives it."""
    names: dict[bytes, tuple[int, str]] = {}
    for ts, body in conn.execute(
            "SELECT e.ts, e.body FROM entries e JOIN logs l ON l.rowid = e.log "
            "WHERE l.account = ? AND e.kind = ? AND e.body IS NOT NULL",
            (account, Kind.DEVICE_LINK)):
        try:
            value = c.decode_body(Kind.DEVICE_LINK, bytes(body))
        except InvalidEntry:
            continue
        assert isinstance(value, c.DeviceLink)
        if value.device not in names or names[value.device][0] <= ts:
            names[value.device] = (ts, value.name)
    return {device: name for device, (_, name) in names.items()}


def _certificate(body: bytes | None) -> Certificate | None:
    if body is None:
        return None
    try:
        value = c.decode_body(Kind.DEVICE, bytes(body))
    except InvalidEntry:
        return None
    assert isinstance(value, c.DeviceAnnouncement)
    return value.cert
