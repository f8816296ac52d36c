"""Small builders shared by the tests and benchmarks: identities and logs of entries.

Everything here is deterministic: the same arguments give the same keys, the same
entries and the same ids, so a failing test can be replayed byte for byte.

    ident = make_identity(1)               # account 1, its first device
    log = make_log(ident, 20)              # seq 1 is the DEVICE entry, 2..20 are posts
    nxt = make_entry(ident, log[-1], content.Post("hello"), log[-1].timestamp + 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import trio

from p2psocial import content, entry, identity

T = TypeVar("T")

T0 = 1_700_000_000_000
"""A fixed 'now' in milliseconds since the epoch (November 2023)."""


def make_identity(seed_byte: int, device_byte: int | None = None, now_ms: int = T0,
                  ) -> identity.Identity:
    """The identity of account ``seed_byte`` (root seed = 32 times that byte).

    ``device_byte`` picks the device (seed = 32 times that byte); by default it is
    ``seed_byte ^ 0x80``, so each account gets its own first device. Give two
    different ``device_byte`` values for two devices of one account.
    """
    if device_byte is None:
        device_byte = seed_byte ^ 0x80
    return identity.new_identity(bytes([seed_byte]) * 32, bytes([device_byte]) * 32, now_ms)


def make_entry(ident: identity.Identity, prev: entry.Entry | None,
               value: content.AnyContent, timestamp: int) -> entry.Entry:
    """Sign ``value`` as the entry after ``prev`` (None: seq 1) in ``ident``'s log."""
    kind, body = content.encode_body(value)
    return entry.create(ident.device.secret_key, ident.device_id, prev, timestamp, kind, body)


def make_log(ident: identity.Identity, n: int, start_ts: int = T0, step_ms: int = 1000,
             ) -> list[entry.Entry]:
    """The first ``n`` entries (``n >= 1``) of ``ident``'s device log, seq 1 to n.

    Seq 1 is the DEVICE entry carrying ``ident.cert``; seq 2..n are posts with the text
    ``"post {seq} from {device hex prefix}"`` (distinct bodies across logs). Entry seq
    ``k`` has timestamp ``start_ts + (k - 1) * step_ms``. Every entry holds its body.
    """
    if n < 1:
        raise ValueError("a log starts with its DEVICE entry: n must be at least 1")
    log = [make_entry(ident, None, content.DeviceAnnouncement(ident.cert), start_ts)]
    tag = ident.device_id[:4].hex()
    for seq in range(2, n + 1):
        log.append(make_entry(ident, log[-1], content.Post(f"post {seq} from {tag}"),
                              start_ts + (seq - 1) * step_ms))
    return log


class Author:
    """One account writing its log, for building scenarios step by step."""

    def __init__(self, n: int) -> None:
        self.ident = make_identity(n)
        self.id = self.ident.account_id
        self.log = make_log(self.ident, 1)

    def add(self, value: content.AnyContent, ts: int | None = None) -> entry.Entry:
        ts = ts if ts is not None else self.log[-1].timestamp + 1000
        self.log.append(make_entry(self.ident, self.log[-1], value, ts))
        return self.log[-1]


# --- nodes on real homes, their logs copied by hand as a sync session would ------------


async def sync(source: Any, target: Any, only: set[bytes] | None = None) -> None:
    """Give ``target`` the logs ``source`` holds (of the accounts ``only``, or all)."""
    for device, account, _head in await source.replication.logs():
        if only is None or account in only:
            await target.replication.ingest(await source.replication.log_entries(device, 0, 10_000))


async def everyone_syncs(nodes: Sequence[Any]) -> None:
    """Every node gets every other's logs, then each scans its private entries."""
    for a in nodes:
        for b in nodes:
            if a is not b:
                await sync(a, b)
    for n in nodes:
        await n.messages.scan()


def queued(events: Any, kind: type[T]) -> list[T]:
    """The events of type ``kind`` queued on a node subscription (others dropped)."""
    out = []
    while True:
        try:
            event = events.receive_nowait()
        except trio.WouldBlock:
            return out
        if isinstance(event, kind):
            out.append(event)


def make_joins(community: bytes, count: int, *, first: int = 0,
               joined: int = T0) -> list[Any]:
    """Roster lines (``roster.Join``) of ``count`` made-up accounts that really joined
    ``community``, each signed by its own device; account ``first + i`` joined at
    ``joined + i`` ms. Deterministic, and distinct from ``make_identity``'s accounts."""
    from p2psocial import roster

    out = []
    for i in range(first, first + count):
        ident = identity.new_identity((i + 0x1000).to_bytes(2, "big") * 16,
                                      (i + 0x9000).to_bytes(2, "big") * 16, T0)
        out.append(roster.sign_join(ident.device, ident.cert, community, joined + i - first))
    return out


async def shared_community(alice: Any, bob: Any, name: str) -> tuple[bytes, Any]:
    """Alice starts an open community and Bob joins it with what she holds (its key and
    her roster line): its id and Alice's ``CommunityInfo``."""
    cid = await alice.communities.create(name)
    [info] = await alice.communities.list()
    await bob.communities.join(info.value, info.lines)
    return cid, info
