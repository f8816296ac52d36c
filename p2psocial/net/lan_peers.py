"""The network service's side of the LAN: devices mDNS announces, and the addresses
we only heard, confirmed.

    lan = LanPeers(known, presence, ...)
    nursery.start_soon(lan.run, port)      # announce our port, meet who is nearby
    await lan.placed(await presence.meet_strangers())

Theory of operation. ``run`` announces our real port on the interfaces of ``ip``
(every interface for 0.0.0.0) through ``lan_discovery`` (discovery.py). A ``Nearby``
device is added to the address book with source "mdns" (heard addresses never push
out ones that worked) and handed to its dialer, which dials it under the same rules
as any other peer (bans, backoff); ``nearby`` holds the devices announced and not
``Gone``. ``Gone`` is only a hint: nothing is cancelled. Whom we recognise on the LAN
is lan_presence.py's; what it places (learnt who they are) comes through ``placed``.

Confirming (``confirm``): a peer we are in session with but never reached ourselves
(it dialed us), with addresses we only heard, is probed at the session's IP (probe.py),
and the first address where the device answers is marked as worked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import aclosing

import trio

from ..store.peer_addrs import Trust
from . import probe
from .addresses import worth_confirming
from .advertised import WILDCARD
from .discovery import DiscoveryFailed, Gone, Nearby, lan_discovery
from .host import listen_ips
from .known_peers import KnownPeers
from .lan_presence import LanPresence
from .plumbing import short
from .port import Replica

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before

CONFIRM_EVERY = 60.0
"""Seconds between two attempts to confirm a peer's heard addresses (``confirm``)."""


class LanPeers:
    def __init__(self, replica: Replica, known: KnownPeers, presence: LanPresence, *,
                 device_id: bytes, ip: str | Sequence[str], service_type: str,
                 nursery: Callable[[], trio.Nursery | None],
                 in_session: Callable[[bytes], bool],
                 remote_of: Callable[[bytes], tuple[str, int] | None],
                 dial: Callable[[bytes], None]) -> None:
        """``remote_of(device)``: the other end of our session with it, if any;
        ``dial(device)``: start its dialer (it dials when due)."""
        self.replica, self.known, self.presence = replica, known, presence
        self.device_id, self.ip, self.service_type = device_id, ip, service_type
        self.nursery, self.in_session, self.remote_of = nursery, in_session, remote_of
        self.dial = dial
        self.nearby: dict[bytes, tuple[str, ...]] = {}
        self._probes = trio.CapacityLimiter(probe.MAX_PROBES)
        self._confirmed_at: dict[bytes, float] = {}  # trio time of the last confirm

    async def run(self, port: int) -> None:
        ips = listen_ips(self.ip)
        # zeroconf runs on IPv4 (discovery.py): on IPv6 alone there is no LAN discovery
        interfaces = (None if any(ip in (WILDCARD, "::") for ip in ips)
                      else [ip for ip in ips if ":" not in ip])
        presence = self.presence
        try:
            async with lan_discovery(self.device_id, port, account_id=self.replica.account_id,
                                     recognise=presence.recognise, interface_ips=interfaces,
                                     service_type=self.service_type) as lan:
                presence.lan = lan
                await presence.refresh()
                async for event in lan:
                    if isinstance(event, Nearby):
                        await self.on_nearby(event)
                    elif isinstance(event, Gone) and self.nearby.pop(event.device_id,
                                                                     None) is not None:
                        self.known.notify()  # a hint only: the session, if any, goes on
        except DiscoveryFailed as exc:
            log.warning("LAN discovery is off: %s", exc)
        finally:
            presence.lan = None
            self.nearby.clear()

    async def learnt(self, device: bytes) -> None:
        """A peer proved it is ``device`` (Noise): place it if it is a neighbour."""
        await self.placed(self.presence.learn(device))

    async def meet_strangers(self) -> None:
        """Probe the neighbours we cannot place yet (lan_presence.py), and place those
        who answered."""
        await self.placed(await self.presence.meet_strangers())

    async def recognise(self) -> None:
        """Look again at whom we recognise on the LAN (lan_presence.py: the devices of
        the accounts we replicate), and place those it recognised just now."""
        await self.placed(await self.presence.refresh())

    async def placed(self, events: list[Nearby]) -> None:
        """Devices LAN discovery placed just now (we learnt who they are): nearby and
        in the address book before the caller goes on (the same events come through
        discovery's channel later, and change nothing more then)."""
        for event in events:
            await self.on_nearby(event)

    async def on_nearby(self, event: Nearby) -> None:
        device = event.device_id
        if device == self.device_id or self.nearby.get(device) == event.addrs:
            return  # ourselves, or heard already (learnt first, then through the channel)
        log.info("nearby on the LAN: %s at %s", short(device), " ".join(event.addrs))
        # an existing peer keeps its source; heard addresses never push out worked ones
        await self.known.know(device, event.addrs, "mdns", Trust.HEARD)
        self.nearby[device] = event.addrs
        nursery = self.nursery()
        if self.in_session(device) and nursery is not None:
            nursery.start_soon(self.confirm, device)
        self.dial(device)  # dials when due: bans and backoff hold
        self.known.notify()

    async def confirm(self, device: bytes) -> None:
        """Probe the heard addresses of a peer that dialed us (the module docstring)."""
        remote = self.remote_of(device)
        record = await self.replica.peer(device)
        if remote is None or record is None:
            return
        candidates = worth_confirming(record.book, remote[0])
        now = trio.current_time()
        if not candidates or now - self._confirmed_at.get(device, -1e9) < CONFIRM_EVERY:
            return  # a peer that reconnects in a loop does not make us probe in a loop
        self._confirmed_at[device] = now
        async with aclosing(probe.answers(candidates, self._probes)) as answers:
            async for addr, found in answers:
                if found == device:
                    await self.known.know(device, [addr], "peer", Trust.WORKED)
                    return
