"""One pass over every known peer, for ``p2psocial sync --once``.

    results = await sync_once(replica, hops=2, per_peer=30.0)

Why apart from the service: no dialer, no backoff, no LAN, no gossip; a host that
dials every known, unbanned peer with addresses, exchanges community rosters, runs
one session each with ``once=True`` (until both sides are caught up), records each
outcome in the address book and returns. Then the pictures we now want are fetched
from the peers that synced (blob_fetcher.py ``fetch_once``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import trio

from ..errors import InvalidEntry
from ..store.blob_wants import BUDGET as BLOB_BUDGET
from ..store.blob_wants import Budget
from ..store.peer_addrs import Trust
from . import blobs, community
from .addressbook import STANDING, PeerState, StandingPolicy
from .addresses import dialed_addr
from .blob_fetcher import fetch_once
from .blob_sharing import sources
from .host import Host, open_host, peer_id_from_device_id
from .messages import PROTOCOL_IDS
from .neighbourhood import Neighbourhood
from .plumbing import multiaddrs, remote_end, short
from .port import Replica
from .sync import PeerMisbehaved, negotiated_version, run_sync

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


@dataclass(slots=True)
class OnceResult:
    device: bytes
    ok: bool
    received: int = 0
    sent: int = 0
    error: str | None = None


async def sync_once(replica: Replica, *, hops: int = 2, per_peer: float = 30.0,
                    policy: StandingPolicy = STANDING,
                    blob_budget: Budget = BLOB_BUDGET) -> list[OnceResult]:
    """Dial every known, unbanned peer with addresses, exchange community rosters and
    run one session each until both sides are caught up (at most ``per_peer`` seconds
    each), record the outcome in the address book, and return one result per peer.
    Then fetch the pictures we now want (blob_fetcher.py) from the peers that synced,
    each asked once per picture, within ``per_peer`` seconds."""
    if replica.identity is None:
        raise ValueError("syncing needs a node opened with its keys")
    me = replica.identity.device_id
    now = replica.clock()
    peers = [PeerState.from_record(r) for r in await replica.peers()]
    targets = [p for p in peers if p.addrs and not p.banned(now)]
    results: list[OnceResult] = []

    async def one(host: Host, state: PeerState) -> None:
        result = OnceResult(state.device, ok=False)
        results.append(result)
        fields: dict[str, int | None] = {}
        with trio.move_on_after(per_peer) as scope:
            try:
                stream = await host.open_stream(peer_id_from_device_id(state.device),
                                                multiaddrs(state.addrs),
                                                list(PROTOCOL_IDS.values()))
            except Exception as exc:
                result.error = str(exc)
                fields = state.dial_failed(str(exc))
            else:
                fields = state.session_started(replica.clock())
                addr = dialed_addr(remote_end(stream), state.addrs)
                if addr is not None:
                    await replica.add_peer(state.device, [addr], state.source, Trust.WORKED)
                # rosters first: the session then asks for everyone on them, and the
                # peer learns we joined (a community joined with an invite, say)
                await Neighbourhood(
                    replica, me,
                    open_stream=lambda device: host.open_stream(
                        peer_id_from_device_id(device), [], community.PROTOCOL_ID),
                    nearby=tuple, misbehaved=_ignored).share([state.device])
                try:
                    stats = await run_sync(replica, stream, hops=hops, once=True,
                                           version=negotiated_version(stream))
                except PeerMisbehaved as exc:
                    result.error = f"misbehaved: {exc}"
                    fields |= state.misbehaved(replica.clock(), policy)
                except Exception as exc:
                    result.error = str(exc) or type(exc).__name__
                else:
                    result.ok = True
                    result.received, result.sent = stats.received, stats.sent
                    fields |= state.session_ended(replica.clock(), policy, good=stats.caught_up)
        if scope.cancelled_caught:
            result.error = f"no answer within {per_peer:g} s"
            if not fields:
                fields = state.dial_failed(result.error)
        await replica.update_peer(state.device, **fields)

    async def pictures(host: Host) -> None:
        synced = [r.device for r in results if r.ok]
        states = {p.device: p for p in targets}

        async def bad_blob(device: bytes, exc: Exception) -> None:
            if isinstance(exc, InvalidEntry):  # wrong bytes: misbehaviour, as in a serve
                log.warning("peer %s sent a bad blob: %s", short(device), exc)
                await replica.update_peer(device, **states[device].misbehaved(replica.clock(),
                                                                           policy))

        async def fetch(digest: bytes, devices: Sequence[bytes]) -> None:
            peers = [(d, states[d].addrs) for d in devices]
            await replica.put_blob(await blobs.fetch_from_any(sources(host, peers), digest,
                                                              on_failure=bad_blob))

        wanted = [w.hash for w in await replica.wanted_blobs(hops, blob_budget)]
        if synced and wanted:
            with trio.move_on_after(per_peer):
                got = await fetch_once(wanted, fetch, synced)
                log.info("%d of %d picture(s) fetched", got, len(wanted))

    if targets:
        async with open_host(replica.identity.device.seed, 0) as host:
            async with trio.open_nursery() as nursery:
                for state in targets:
                    nursery.start_soon(one, host, state)
            await pictures(host)
    return results


async def _ignored(device: bytes, reason: str) -> None:
    log.info("peer %s: %s", short(device), reason)
