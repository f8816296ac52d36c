"""Node processes for the network benchmarks: one serves sync, the other dials it.

The serving process prints one JSON line, ``{"peer": ..., "addr": ...}``, which the
orchestrator hands to the dialing process. libp2p is imported inside the functions,
so an orchestrator that only starts processes does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from p2psocial.node import Node


@asynccontextmanager
async def serving(node: Node, on_stream: Callable[[], None] | None = None,
                  ) -> AsyncIterator[Any]:
    """A host for ``node`` on 127.0.0.1 that answers every sync stream with
    ``run_sync``; prints where to dial it. ``on_stream`` is called as a stream opens."""
    from p2psocial.net.host import open_host
    from p2psocial.net.messages import PROTOCOL_IDS
    from p2psocial.net.sync import negotiated_version, run_sync

    assert node.identity is not None

    async def serve(stream: object) -> None:
        if on_stream is not None:
            on_stream()
        await run_sync(node.replication, stream, version=negotiated_version(stream))

    async with open_host(node.identity.device.seed) as host:
        for protocol in PROTOCOL_IDS.values():
            host.set_handler(protocol, serve)
        print(json.dumps({"peer": host.peer_id.to_base58(),
                          "addr": str(host.listen_addrs[0])}), flush=True)
        yield host


@asynccontextmanager
async def dialing(node: Node, peer: str, addr: str, version: int | None = None,
                  ) -> AsyncIterator[object]:
    """A host for ``node`` and a sync stream to the serving process at ``peer``/``addr``
    (of protocol ``version``, or the newest)."""
    from libp2p.peer.id import ID
    from multiaddr import Multiaddr

    from p2psocial.net.host import open_host
    from p2psocial.net.messages import PROTOCOL_IDS, VERSION

    assert node.identity is not None
    async with open_host(node.identity.device.seed) as host:
        yield await host.open_stream(ID.from_base58(peer), [Multiaddr(addr)],
                                     PROTOCOL_IDS[version or VERSION])
