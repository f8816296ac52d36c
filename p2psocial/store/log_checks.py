"""The checks ingest makes of a log beyond its hash links and signatures, and where
fork proofs are kept.

- ``certificate``: every log opens with its device certificate, which must name the
  log's device and be signed by its account;
- ``proof``: whether two signed headers of one device prove a fork (forks.py), as a
  value rather than an exception, since ingest tries it on every contradiction;
- ``read_forks`` and ``write_fork``: the ``forks`` table (migration 8), one proof per
  device, the lowest sequence number proven forked.
"""

from __future__ import annotations

import sqlite3

from .. import content as c
from .. import forks
from ..content import Kind
from ..entry import Entry
from ..errors import BadCertificate
from ..forks import Fork


def proof(raw_a: bytes, raw_b: bytes) -> Fork | None:
    """The fork two signed headers prove, or None if they prove nothing."""
    try:
        return forks.prove(raw_a, raw_b)
    except forks.NotAFork:
        return None


def certificate(first: Entry) -> c.DeviceAnnouncement:
    """The device certificate that must open every log, checked against the log."""
    if first.kind != Kind.DEVICE or first.body is None:
        raise BadCertificate("a log must start with its device certificate")
    value = c.decode_body(first.kind, first.body)
    assert isinstance(value, c.DeviceAnnouncement)
    if value.cert.device != first.device:
        raise BadCertificate("the certificate names another device")
    value.cert.verify()
    return value


def read_forks(conn: sqlite3.Connection) -> dict[bytes, int]:
    """Device -> the lowest sequence number proven forked."""
    return {bytes(d): int(s) for d, s in conn.execute("SELECT device, seq FROM forks")}


def write_fork(conn: sqlite3.Connection, fork: Fork) -> None:
    """Keep ``fork`` unless a proof of an earlier fork of its device is kept already."""
    conn.execute(
        "INSERT INTO forks(device, seq, first, second) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET seq = excluded.seq, first = excluded.first, "
        "second = excluded.second WHERE excluded.seq < forks.seq",
        (fork.device, fork.seq, fork.first, fork.second))
