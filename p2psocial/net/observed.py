"""What each peer sees of our address (identify's ``observed_addr``), peer by peer.

py-libp2p's identify hands every observation to the host's ``ObservedAddrManager``
(``libp2p/host/basic_host.py:1288-1320``, skipped on relayed connections), which only
counts an address once four distinct observers agree (``ACTIVATION_THRESHOLD``,
``observed_addr_manager.py:32``), drops loopback ones (``is_valid_observation``) and
forgets the observer. A person has a handful of friends, not four random peers on the
internet, and we want to know *who* saw what: so ``ObservedTap`` replaces the host's
manager with a subclass that notes the raw observation per peer, then lets the
manager do what it did.

Identify runs once per peer while its protocols stay cached in the peerstore
(``_has_cached_protocols``, basic_host.py:1218-1239), so a reconnect may bring no new
observation: the last one is kept, with the time it came.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from libp2p.abc import INetConn
from libp2p.host.basic_host import BasicHost
from libp2p.host.observed_addr_manager import ObservedAddrManager
from multiaddr import Multiaddr

MAX_PEERS = 256
"""Peers whose last observation is kept (a stranger's connection brings one too)."""


class ObservedTap(ObservedAddrManager):
    def __init__(self) -> None:
        super().__init__()
        self.seen: OrderedDict[bytes, tuple[str, float]] = OrderedDict()

    def record_observation(self, conn: INetConn, observed_addr: Multiaddr,
                           local_addrs: list[Multiaddr]) -> None:
        try:
            peer = conn.muxed_conn.peer_id.to_bytes()
        except AttributeError:
            peer = None
        if peer is not None:
            self.seen.pop(peer, None)
            self.seen[peer] = (str(observed_addr), time.monotonic())
            while len(self.seen) > MAX_PEERS:
                self.seen.popitem(last=False)
        super().record_observation(conn, observed_addr, local_addrs)


def install(host: BasicHost) -> ObservedTap:
    """Put a tap in place of ``host``'s observed-address manager (it is None when
    identify address discovery is off: then the tap turns it on)."""
    tap = ObservedTap()
    host._observed_addr_manager = tap
    return tap
