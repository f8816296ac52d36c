"""What LAN discovery heard: which announced names are which devices (pure).

Theory of operation. mDNS reports *names* coming and going; the service wants
*devices*. An announcement names its device only to those who know it
(lan_identity.py), so a name is either **placed** (``recognise`` found the device
behind its claim) or a **stranger** (kept with its claim and addresses, in case we
learn who it is later). ``NeighbourTable`` turns name events into device events:

* ``up(name, claim, addrs)``: placed → ``Nearby``; a stranger → nothing yet;
* ``down(name)``: the device is ``Gone`` when no other name still announces it (a
  restarted app, or one that took a new salt, announces under a new name);
* ``learn(device)``: someone proved to be ``device`` (a probe, an inbound
  connection): every stranger whose claim it made is placed → ``Nearby``;
* ``recheck()``: we know more devices and accounts now: try every stranger again.

Bounds, against a neighbour that announces thousands of made-up names: the table holds
at most ``MAX_NAMES`` names, and a new name when it is full takes the place of the
oldest stranger (so a flood of strangers never hides a friend who arrives later); with
no stranger to drop, a new name is ignored. A device is placed under at most
``NAMES_PER_DEVICE`` names (someone claiming a friend's id under many names replaces
only that device's oldest name). ``recognise`` runs once per new announcement.

No I/O and no clock of its own: discovery.py feeds it from zeroconf and reads the
events it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .lan_identity import Claim

MAX_NAMES: Final = 256
"""Announced names tracked at once (placed and strangers together)."""
NAMES_PER_DEVICE: Final = 4
"""Names one device is placed under at once (an app restarting or taking a new salt
has two for a while)."""


@dataclass(frozen=True)
class Nearby:
    """A device announced itself (or changed its announcement) on the LAN.

    ``addrs`` are TCP multiaddr strings without ``/p2p/`` (what ``Host.connect``
    takes after ``Multiaddr(...)``); ``seen_at`` is the clock (``time.time`` by
    default) when we heard it. Sent again when the same device re-announces.
    """

    device_id: bytes
    addrs: tuple[str, ...]
    seen_at: float


@dataclass(frozen=True)
class Gone:
    """A device that was ``Nearby`` left: it said goodbye or its records expired."""

    device_id: bytes


DiscoveryEvent = Nearby | Gone
Recognise = Callable[[Claim], "bytes | None"]


@dataclass(frozen=True, slots=True)
class Stranger:
    """An announcement we cannot place (yet)."""

    name: str
    claim: Claim
    addrs: tuple[str, ...]


class NeighbourTable:
    def __init__(self, recognise: Recognise, clock: Callable[[], float]) -> None:
        self._recognise = recognise
        self._clock = clock
        self._placed: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        self._strangers: dict[str, Stranger] = {}
        self.nearby: dict[bytes, Nearby] = {}

    def strangers(self) -> list[Stranger]:
        return list(self._strangers.values())

    def up(self, name: str, claim: Claim, addrs: tuple[str, ...]) -> list[DiscoveryEvent]:
        known = name in self._placed or name in self._strangers
        if not known and len(self._placed) + len(self._strangers) >= MAX_NAMES:
            if not self._strangers:
                return []  # full of placed names: the newcomer waits
            del self._strangers[next(iter(self._strangers))]  # the oldest stranger
        device = self._recognise(claim)
        events: list[DiscoveryEvent] = []
        old = self._placed.get(name)
        if old is not None and old[0] != device:
            events += self.down(name)  # the name now announces another device, or none
        self._strangers.pop(name, None)
        if device is None:
            self._strangers[name] = Stranger(name, claim, addrs)
            return events
        return events + self._place(name, device, addrs)

    def down(self, name: str) -> list[DiscoveryEvent]:
        self._strangers.pop(name, None)
        old = self._placed.pop(name, None)
        if old is None:
            return []
        still = [v for v in self._placed.values() if v[0] == old[0]]
        if still:  # e.g. a restarted app announced itself again under a new name
            device, addrs = still[-1]
            self.nearby[device] = Nearby(device, addrs, self._clock())
            return [self.nearby[device]]
        self.nearby.pop(old[0], None)
        return [Gone(old[0])]

    def learn(self, device: bytes) -> list[DiscoveryEvent]:
        """``device`` proved who it is: place every stranger whose claim it made."""
        events: list[DiscoveryEvent] = []
        for stranger in self.strangers():
            if stranger.claim.made_by(device):
                del self._strangers[stranger.name]
                events += self._place(stranger.name, device, stranger.addrs)
        return events

    def recheck(self) -> list[DiscoveryEvent]:
        """Try ``recognise`` on every stranger again."""
        events: list[DiscoveryEvent] = []
        for stranger in self.strangers():
            device = self._recognise(stranger.claim)
            if device is not None:
                del self._strangers[stranger.name]
                events += self._place(stranger.name, device, stranger.addrs)
        return events

    def clear(self) -> list[DiscoveryEvent]:
        """Forget everyone (we left this network): ``Gone`` for every device."""
        events: list[DiscoveryEvent] = [Gone(d) for d in self.nearby]
        self._placed.clear()
        self._strangers.clear()
        self.nearby.clear()
        return events

    def _place(self, name: str, device: bytes, addrs: tuple[str, ...]) -> list[DiscoveryEvent]:
        mine = [n for n, (d, _) in self._placed.items() if d == device and n != name]
        for extra in mine[:max(0, len(mine) - NAMES_PER_DEVICE + 1)]:
            del self._placed[extra]  # the device's oldest names: it stays nearby
        self._placed.pop(name, None)  # re-inserted last: the newest
        self._placed[name] = (device, addrs)
        self.nearby[device] = Nearby(device, addrs, self._clock())
        return [self.nearby[device]]
