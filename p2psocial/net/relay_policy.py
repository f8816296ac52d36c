"""The network service's relay policy: whom we relay for, and when we hold slots.

Theory of operation (relay.py does the protocol). With ``offer`` on, we relay for
friends: a slot only for a device of an account this node replicates (two per
account), so a community box is not an open relay, under ``limits`` (relay_quota.py:
strangers have smaller circuit budgets and pay for refusals); circuits from and
slots for banned devices are refused. A node that nobody can dial (``reserve=None``:
as our reachability says, relay_slots.py: at start from our own addresses, then
from what friends' dial-backs confirm; or ``reserve=True``) holds slots at up to two
connected peers that relay for it; its circuit addresses then follow its direct ones
in ``listen_addrs``, hence in invites and address records. A peer that breaks the
relay or hole punching protocol loses standing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

import trio
from libp2p.peer.id import ID

from . import relay, relay_slots
from .advertised import advertised_addrs, reachable_from_outside
from .friends import Friends
from .host import Host, Multiaddr, device_id_from_peer_id, peer_id_from_device_id
from .known_peers import KnownPeers
from .plumbing import multiaddrs
from .reachability import Reachability

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


class RelayPolicy:
    def __init__(self, known: KnownPeers, friends: Friends, *, offer: bool,
                 limits: relay.RelayLimits, reserve: bool | None,
                 host: Callable[[], Host | None], connected: Callable[[], list[bytes]],
                 mapped_addrs: Callable[[], list[str]],
                 reachability: Callable[[], Reachability],
                 next_change: Callable[[], Awaitable[None]],
                 retry_after: Callable[[int], float],
                 misbehaved: Callable[[bytes, str], Awaitable[None]]) -> None:
        self.known, self.friends = known, friends
        self.offer, self.limits, self.reserve = offer, limits, reserve
        self.host, self.connected, self.mapped_addrs = host, connected, mapped_addrs
        self.reachability, self.next_change = reachability, next_change
        self.retry_after, self.misbehaved = retry_after, misbehaved

    def start(self, host: Host, nursery: trio.Nursery) -> relay.RelayServer | None:
        """Offer relaying (if ``offer``) and hold slots as ``reserve`` says; returns
        the relay server, if any."""
        server = None
        if self.offer:
            server = host.offer_relay(
                self.limits, may_reserve=self.may_reserve, may_connect=self.may_relay_for,
                is_friend=self.is_friend, on_bad_peer=self.bad_request,
                advertise=lambda: self.mapped_addrs() + advertised_addrs(host.listen_addrs))
        keep = functools.partial(
            relay_slots.keep_slots, host, self.candidates, self.next_change,
            self.known.notify, self.retry_after)
        if self.reserve:
            log.info("holding relay slots")
            nursery.start_soon(keep)
        elif self.reserve is None:  # as long as where we stand says so (relay_slots.py)
            nursery.start_soon(relay_slots.follow, keep, self.drop_slots,
                               self.wants_slots, self.next_change)
        return server

    def wants_slots(self, holding: bool) -> bool:
        host = self.host()
        own = advertised_addrs(host.listen_addrs) if host is not None else []
        return relay_slots.wants_slots(self.reachability(), holding=holding,
                                       own_reachable=reachable_from_outside(own))

    def drop_slots(self) -> None:
        host = self.host()
        if host is not None:
            for held in host.reservations():
                host.forget_reservation(held.relay)
        self.known.notify()  # our circuit addresses went: a new record goes to friends

    def candidates(self) -> list[tuple[ID, list[Multiaddr]]]:
        states = self.known.states
        return [(peer_id_from_device_id(d), multiaddrs(states[d].addrs))
                for d in self.connected() if d in states]

    async def may_reserve(self, peer: ID) -> bytes | None:
        """A slot only for a device of an account this node replicates, not banned;
        it counts against that account (relay_quota.py: two per account)."""
        if not self.may_relay_for(peer):
            return None
        return await self.friends.account_of(device_id_from_peer_id(peer))

    async def is_friend(self, peer: ID) -> bool:
        try:
            return await self.friends.account_of(device_id_from_peer_id(peer)) is not None
        except ValueError:  # not an Ed25519 peer: not one of ours
            return False

    def may_relay_for(self, peer: ID) -> bool:
        """Circuits from (and slots for) devices that are not banned."""
        try:
            state = self.known.states.get(device_id_from_peer_id(peer))
        except ValueError:  # not an Ed25519 peer: not one of ours
            return False
        return state is None or not state.banned(self.known.clock())

    async def bad_request(self, peer: ID, reason: str) -> None:
        """A peer broke the relay or hole punching protocol: it loses standing."""
        try:
            device = device_id_from_peer_id(peer)
        except ValueError:
            return
        await self.known.know(device, (), "peer")
        await self.misbehaved(device, f"relay request: {reason}")
