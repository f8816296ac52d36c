"""The network service's blobs: serving ours, fetching one now, and what the
background fetcher needs.

Theory of operation (blobs.py does the protocol, blob_fetcher.py the background
work). We serve ``/p2psocial/blob/1.0.0`` from the node's blobs to peers that are not
banned; a bad request counts as misbehaviour. ``fetch`` gets a blob from the node if
it holds it, else from connected peers first, then other known, unbanned ones with
addresses, and stores it; a peer that sends wrong bytes loses standing.
``sources`` is how every fetch here and in sync_once.py opens blob streams.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

from libp2p.abc import INetStream

from ..errors import InvalidEntry
from ..store.blob_wants import Budget
from ..store.store import BLOB_CAP
from . import blobs
from .host import Host, peer_id_from_device_id
from .known_peers import KnownPeers
from .plumbing import multiaddrs, short
from .port import Replica
from .streams import reset_quietly

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


def sources(host: Host, peers: Iterable[tuple[bytes, Sequence[str]]],
            ) -> list[tuple[bytes, blobs.OpenStream]]:
    """(device, how to open a blob stream to it) for each (device, addresses)."""
    return [(device, functools.partial(host.open_stream, peer_id_from_device_id(device),
                                       multiaddrs(addrs), blobs.PROTOCOL_ID))
            for device, addrs in peers]


class BlobSharing:
    def __init__(self, replica: Replica, known: KnownPeers, *, device_id: bytes,
                 hops: int, budget: Budget, host: Callable[[], Host | None],
                 connected: Callable[[], list[bytes]],
                 misbehaved: Callable[[bytes, str], Awaitable[None]]) -> None:
        self.replica, self.known, self.device_id = replica, known, device_id
        self.hops, self.budget = hops, budget
        self.host, self.connected, self.misbehaved = host, connected, misbehaved

    async def serve(self, stream: INetStream, device: bytes) -> None:
        """Answer one blob request of ``device`` (known and not banned)."""
        try:
            await blobs.serve_blob(stream, self.replica.blob)
        except blobs.BlobError as exc:
            await reset_quietly(stream)
            await self.misbehaved(device, f"blob request: {exc}")

    async def fetch(self, digest: bytes, *, cap: int = BLOB_CAP) -> bytes:
        """The blob with hash ``digest`` (the module docstring says from where);
        ``blobs.BlobUnavailable`` if nobody gave it."""
        held = await self.replica.blob(digest)
        if held is not None:
            return held
        states, in_session = self.known.states, self.connected()
        connected = [d for d in in_session if d in states]
        busy = set(in_session)
        others = [d for d, p in states.items()
                  if d not in busy and p.addrs and d != self.device_id]
        return await self.fetch_from(digest, connected + others, cap=cap)

    async def fetch_from(self, digest: bytes, devices: Sequence[bytes], *,
                         cap: int = BLOB_CAP) -> bytes:
        """The blob from the first of ``devices`` (unbanned) that gives it, stored."""
        host = self.host()
        if host is None:
            raise blobs.BlobUnavailable("the network service is not running")
        now = self.known.clock()
        peers = []
        for device in devices:
            state = self.known.states.get(device)
            if state is not None and not state.banned(now):
                peers.append((device, state.addrs))
        data = await blobs.fetch_from_any(sources(host, peers), digest, cap=cap,
                                          on_failure=self.failed)
        await self.replica.put_blob(data)
        return data

    async def wanted(self, limit: int) -> list[bytes]:
        wanted = await self.replica.wanted_blobs(self.hops, self.budget, limit)
        return [w.hash for w in wanted]

    async def failed(self, device: bytes, exc: Exception) -> None:
        if isinstance(exc, InvalidEntry):
            await self.misbehaved(device, f"blob: {exc}")
        else:
            log.debug("blob from %s: %s", short(device), exc)
