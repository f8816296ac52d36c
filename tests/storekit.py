"""Stores on real SQLite files, filled with logs as a peer's would arrive: for the tests
of the store, its private scan and the sync session (no node, no network)."""

from __future__ import annotations

from pathlib import Path

from p2psocial import content as c
from p2psocial import envelope, private
from p2psocial.entry import Entry
from p2psocial.identity import Identity
from p2psocial.store import Store


def store_with(path: Path, logs: list[list[Entry]]) -> Store:
    """A new store at ``path`` holding ``logs``."""
    store = Store(path)
    for log in logs:
        store.ingest(log)
    return store


def store_of(path: Path, who: Identity, *logs: list) -> Store:
    """A new store at ``path`` whose local account is ``who``'s, holding ``logs``."""
    store = Store(path)
    store.set_local_account(who.account_id)
    for log in logs:
        store.ingest(log)
    return store


def opener(who: Identity) -> private.Opener:
    """What opens the private entries sealed to ``who``."""
    return private.opener(envelope.SealedReader(who.enc_private))


def account_of(log: list[Entry]) -> bytes:
    """The account of a device log (from its first entry, the DEVICE announcement)."""
    value = c.decode_body(log[0].kind, log[0].body or b"")
    assert isinstance(value, c.DeviceAnnouncement)
    return value.cert.account
