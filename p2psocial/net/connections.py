"""The service's connections as the connection manager sees them, and closing one.

Why apart from the service: the connection manager (connmgr.py) decides which
connections to trim from plain values; this is where those values come from (why a
connection is protected: a friend, a nearby device, a peer we dial, a relay we hold a
slot at, a circuit through us; which sessions are bringing us entries) and what
closing one means: its session ends, and its subnet opens new connections more
slowly for a while (admission.py). A trimmed connection's peer is not blamed; a
banned peer's connection is closed from a task of the service, because the
session's own task runs inside that connection and would be cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import trio
from libp2p.peer.id import ID

from . import connmgr
from .admission import AdmissionLimits, netgroup
from .friends import Friends
from .host import Host, peer_id_from_device_id
from .known_peers import KnownPeers
from .live_sessions import LiveSessions
from .plumbing import devices_of, disconnect
from .relay import RelayServer


class Connections:
    def __init__(self, known: KnownPeers, friends: Friends, sessions: LiveSessions, *,
                 admission: AdmissionLimits, host: Callable[[], Host | None],
                 nursery: Callable[[], trio.Nursery | None],
                 nearby: Callable[[], Collection[bytes]],
                 relay_server: Callable[[], RelayServer | None]) -> None:
        self.known, self.friends, self.sessions = known, friends, sessions
        self.admission, self.host, self.nursery = admission, host, nursery
        self.nearby, self.relay_server = nearby, relay_server
        self.usefulness = connmgr.Usefulness()

    async def census(self) -> list[connmgr.Conn]:
        host = self.host()
        if host is None:
            return []
        server = self.relay_server()
        reasons = {
            connmgr.FRIEND: (await self.friends.accounts()).keys(),
            connmgr.NEARBY: self.nearby(),
            connmgr.DIALED: {d for d, p in self.known.states.items() if p.addrs},
            connmgr.RELAY: devices_of(h.relay for h in host.reservations()),
            connmgr.CIRCUIT: devices_of(server.in_circuits() if server else ()),
        }
        return connmgr.census(host.connections(), reasons=reasons,
                              sessions=self.sessions.caught_up(),
                              usefulness=self.usefulness, now=trio.current_time(),
                              ipv4_prefix=self.admission.ipv4_prefix,
                              ipv6_prefix=self.admission.ipv6_prefix)

    def sample(self) -> None:
        self.usefulness.sample(self.sessions.received(), trio.current_time())

    async def hang_up(self, conn: connmgr.Conn) -> None:
        """Close a connection the manager trims: the session on it ends, nobody is
        blamed (but its subnet opens new connections more slowly for a while)."""
        self.sessions.end(conn.peer)
        host = self.host()
        if host is not None:
            host.admission.penalize(conn.group, trio.current_time())
            peer = peer_id_from_device_id(conn.peer) if len(conn.peer) == 32 else ID(conn.peer)
            await disconnect(host, peer)

    def drop(self, device: bytes) -> None:
        """Close the connection to a banned peer (the module docstring says how)."""
        self.sessions.end(device)
        host, nursery = self.host(), self.nursery()
        if host is not None and nursery is not None:
            for link in host.connections():  # its subnet connects more slowly for a while
                if link.peer == device and link.ip is not None:
                    host.admission.penalize(netgroup(link.ip, self.admission.ipv4_prefix,
                                                     self.admission.ipv6_prefix),
                                            trio.current_time())
            nursery.start_soon(disconnect, host, peer_id_from_device_id(device))
