"""The network service's side of LAN discovery: whom it can recognise, and meeting
strangers when it must.

Theory of operation. Announcements name their device only to those who know it
(lan_identity.py). ``LanPresence`` is what the service knows for that:

* **Recognising** (``recognise``, handed to ``lan_discovery``): the devices in the
  address book and the devices of the logs we hold of wanted accounts, and the wanted
  accounts themselves (own, followed, two hops, community rosters:
  ``Node.wanted_accounts``). ``refresh`` re-reads them from the node (at start, after
  every follow, block, roster change or new log) and tries the strangers again.
* **Learning** (``learn``): a device that opened a connection to us proved its id with
  Noise; if one of the strangers' announcements is its own, it is nearby now. The
  community protocol answers only devices that are nearby, so the service calls this
  before it serves a neighbour's request.
* **Meeting strangers** (``meet_strangers``): to list the communities offered nearby we
  must ask devices we know nothing about. Each stranger's address is probed once
  (probe.py: a throwaway key, one Noise handshake): its device id is whatever answers,
  if the announcement's claim is that device's. At most ``MEET_MAX`` new strangers per
  call, ``probe.MAX_PROBES`` at a time: a LAN full of made-up announcements costs a
  bounded number of handshakes per look at "nearby".

This is the one place where we learn who a stranger is; a passive listener learns
nothing from our announcements, an active one (who dials) learns what we learn here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import aclosing
from itertools import chain

import trio

from . import lan_identity, probe
from .discovery import LanDiscovery, Nearby
from .lan_identity import Claim
from .port import Replica

MEET_MAX = 32
"""Strangers probed per call of ``meet_strangers``."""


class LanPresence:
    def __init__(self, replica: Replica, hops: int, book: Callable[[], Iterable[bytes]]) -> None:
        """``book()``: the devices in the service's address book, now."""
        self.replica = replica
        self.hops = hops
        self.lan: LanDiscovery | None = None
        self._book = book
        self._devices: set[bytes] = set()
        self._accounts: set[bytes] = set()
        self._probed: set[str] = set()
        self._probes = trio.CapacityLimiter(probe.MAX_PROBES)

    def recognise(self, claim: Claim) -> bytes | None:
        return lan_identity.recognise(claim, chain(self._book(), self._devices), self._accounts)

    async def refresh(self) -> list[Nearby]:
        """Re-read whom we know; the strangers that became recognisable."""
        lan = self.lan
        if lan is None:
            return []  # LAN discovery is off: nothing to recognise
        accounts = set(await self.replica.wanted_accounts(self.hops))
        self._devices = {d for d, a, _ in await self.replica.logs() if a in accounts}
        self._accounts = accounts
        return lan.recheck()

    def learn(self, device: bytes) -> list[Nearby]:
        return [] if self.lan is None else self.lan.learn(device)

    async def meet_strangers(self) -> list[Nearby]:
        """Probe the strangers not probed yet (at most ``MEET_MAX``); those placed."""
        lan = self.lan
        if lan is None:
            return []
        strangers = lan.strangers()
        self._probed &= {s.name for s in strangers}  # names that left are forgotten
        fresh = [s for s in strangers if s.name not in self._probed][:MEET_MAX]
        met: list[Nearby] = []

        async def meet(addrs: tuple[str, ...]) -> None:
            async with aclosing(probe.answers(addrs, self._probes)) as answers:
                async for _addr, device in answers:
                    met.extend(lan.learn(device))  # placed if its claim is that device's
                    return  # the first address that answers tells

        async with trio.open_nursery() as nursery:
            for stranger in fresh:
                self._probed.add(stranger.name)
                nursery.start_soon(meet, stranger.addrs)
        return met
