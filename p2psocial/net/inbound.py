"""The streams peers open to us: who opened it, whether we serve them, and to whom
each protocol goes.

Why apart from the service: every inbound stream passes the same door before its
protocol sees it. Noise proved which device opened it, so that device is known now
(in memory if it is a stranger: known_peers.py) and placed on the LAN if it is a
neighbour we could not tell apart (lan_presence.py); an expired ban is lifted; a
banned peer's stream is reset (and, for a sync session, its connection closed).
Then: sync sessions to live_sessions.py, blobs to blob_sharing.py, community
requests to neighbourhood.py, address pushes to address_exchange.py. A stream that
breaks a protocol costs its peer standing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from libp2p.abc import INetStream

from . import address_exchange, blobs, community
from .addressbook import StandingPolicy
from .blob_sharing import BlobSharing
from .host import Host, device_id_from_peer_id, remote_peer_id
from .known_peers import KnownPeers
from .live_sessions import LiveSessions
from .messages import PROTOCOL_IDS
from .neighbourhood import Neighbourhood
from .plumbing import short
from .streams import reset_quietly

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


class Inbound:
    def __init__(self, known: KnownPeers, sessions: LiveSessions, blob_sharing: BlobSharing,
                 neighbourhood: Neighbourhood, exchange: address_exchange.AddressExchange, *,
                 policy: StandingPolicy, learnt: Callable[[bytes], Awaitable[None]],
                 misbehaved: Callable[[bytes, str], Awaitable[None]],
                 drop: Callable[[bytes], None]) -> None:
        """``learnt(device)``: Noise proved who it is (the LAN may place it);
        ``drop(device)``: close a banned peer's connection."""
        self.known, self.sessions, self.blob_sharing = known, sessions, blob_sharing
        self.neighbourhood, self.exchange, self.policy = neighbourhood, exchange, policy
        self.learnt, self.misbehaved, self.drop = learnt, misbehaved, drop

    def install(self, host: Host) -> None:
        for protocol in PROTOCOL_IDS.values():
            host.set_handler(protocol, self.session)
        host.set_handler(blobs.PROTOCOL_ID, self.blob)
        host.set_handler(community.PROTOCOL_ID, self.community)
        host.set_handler(address_exchange.PROTOCOL_ID, self.addrs)

    async def session(self, stream: INetStream) -> None:
        device = await self.admit(stream, "a session", drop=True)
        if device is not None:
            await self.sessions.run(device, stream, initiator=device)

    async def blob(self, stream: INetStream) -> None:
        device = await self.admit(stream, "a blob request")
        if device is not None:
            await self.blob_sharing.serve(stream, device)

    async def community(self, stream: INetStream) -> None:
        device = await self.admit(stream, "a community request")
        if device is not None:
            await self.neighbourhood.serve(stream, device)

    async def addrs(self, stream: INetStream) -> None:
        device = await self.admit(stream, "an address push")
        if device is None:
            return
        try:
            await self.exchange.serve(stream, device)
        except address_exchange.AddrsProtocolError as exc:
            await reset_quietly(stream)
            await self.misbehaved(device, f"addrs: {exc}")
        except Exception as exc:  # a broken stream, a timeout: nobody's proven fault
            log.debug("addrs from %s: %r", short(device), exc)
            await reset_quietly(stream)

    async def admit(self, stream: INetStream, what: str, *, drop: bool = False) -> bytes | None:
        """The device that opened ``stream`` (now known), or None, the stream reset,
        when it is not one of ours or is banned (``drop``: its connection closed too)."""
        try:
            device = device_id_from_peer_id(remote_peer_id(stream))
        except ValueError:
            await reset_quietly(stream)
            return None
        state = await self.known.know(device, (), "peer")
        await self.learnt(device)  # Noise proved who it is
        clock = self.known.clock
        await self.known.persist(device, state.lift_expired_ban(clock(), self.policy))
        if state.banned(clock()):
            log.info("refused %s from banned peer %s", what, short(device))
            await reset_quietly(stream)
            if drop:
                self.drop(device)
            return None
        return device
