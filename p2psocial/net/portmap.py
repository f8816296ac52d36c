"""Port mapping: ask the home router to forward our TCP listen port, so that friends
elsewhere can dial us although we sit behind NAT.

Theory of operation. ``PortMapper.run`` is one Trio task beside the host. It asks the
router through UPnP-IGD (upnp.py, miniupnpc) and, when no IGD answers, NAT-PMP
(natpmp.py; PCP routers answer it too), for the same external port as our listen
port (another one when that is taken by someone else), with a lease of ``LEASE``
seconds. What to do and when is decided by ``Lease``, a pure state machine fed the
clock and the answers: renew at half the lease, retry after failures with growing
waits up to ``RETRY[-1]`` (forever: a laptop may reach a router later), forget the
mapping once its lease has run out without a renewal. Each attempt is bounded by
``ATTEMPT_WITHIN`` seconds (UPnP discovery about 1 s with a router and 4 s without,
NAT-PMP gives up after 1.75 s).
On exit, also on Ctrl-C (cancellation), the mapping is removed within
``REMOVE_WITHIN`` seconds, shielded from the cancellation.

Between renewals, the router is asked only its external address every ``LOOK_EVERY``
seconds (one small request on the LAN: a UPnP SOAP call or a NAT-PMP packet): when a
provider renumbers the line, the address changes under every connection of ours, and
friends can only find us again once we tell them the new one (address_exchange.py).
A different answer, or none from a router that answered before (a restarted router:
miniupnpd listens on a new URL), maps again at once.

``addrs()`` gives the mapped address as a multiaddr while the lease holds and the
router's external address is one from outside (not RFC 1918, CGNAT, loopback or
link-local: behind a second NAT the mapping is useless, and we say so once). The
service puts it first among its advertised addresses; ``on_change`` is called when it
appears, changes or goes.

A home without a router that speaks either protocol costs one INFO line and then
quiet retries (DEBUG), never an error.
"""

from __future__ import annotations

import ipaddress
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import trio

from . import natpmp
from .upnp import Igd, UpnpError

log = logging.getLogger(__name__)

LEASE: Final = 3600  # seconds asked for
RECHECK: Final = 120.0  # renew at least this often: the router's address may change
LOOK_EVERY: Final = 10.0  # ask the router its external address this often (cheap)
LOOK_WITHIN: Final = 4.0  # one such question
RETRY: Final = (30.0, 60.0, 120.0, 300.0, 600.0)  # seconds after 1, 2, ... failures
ATTEMPT_WITHIN: Final = 12.0  # one attempt (discover, ask, answer), all methods
REMOVE_WITHIN: Final = 4.0  # removing the mapping on exit
OTHER_PORTS: Final = 3  # random external ports tried when ours is taken (UPnP)

_LAN = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16")]
_NOT_OUTSIDE = [*_LAN, *(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16"))]


class MappingError(Exception):
    """A router refused, or none answered."""


@dataclass(frozen=True, slots=True)
class Mapping:
    method: str  # "upnp" or "natpmp"
    external_ip: str
    external_port: int
    internal_port: int
    lifetime: int  # seconds granted; 0: permanent (the router takes no lease)

    @property
    def multiaddr(self) -> str:
        return f"/ip4/{self.external_ip}/tcp/{self.external_port}"


def from_outside(ip: str) -> bool:
    """Whether a router's external address can be reached from the internet: not a
    private, shared (CGNAT), loopback or link-local IPv4 address. (Documentation ranges
    count as outside: the simulated internet of the tests uses them.)"""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return addr.version == 4 and not any(addr in net for net in _NOT_OUTSIDE)


def mappable(listen_ip: str) -> bool:
    """Whether a host listening on ``listen_ip`` can use a mapping: every interface, or
    one private IPv4 address (not loopback, where only this machine can reach us)."""
    if lan_ip(listen_ip) is None:
        return True
    try:
        addr = ipaddress.ip_address(listen_ip)
    except ValueError:
        return False
    return addr.version == 4 and any(addr in net for net in _LAN)


def lan_ip(listen_ip: str) -> str | None:
    """The internal address to map to for a host listening on ``listen_ip``: None for
    every interface (the one the router was reached from), else that address."""
    return None if listen_ip in ("0.0.0.0", "::", "") else listen_ip


class Lease:
    """When to ask the router next (pure; ``now`` in seconds on any monotonic clock).

    ``due`` is the time of the next request: the first at ``start``, a renewal at half
    the granted lifetime or after ``recheck`` seconds, whichever comes first (a renewal
    also reads the router's external address again: it changes when the provider
    renumbers the line), a retry after
    ``RETRY[failures - 1]`` (never later than half the time left on a lease still
    held). ``current(now)`` is the mapping while its lease holds.

    Between requests, while a mapping is held, ``look_at`` is when to ask the router
    only its external address (every ``look_every`` seconds); ``looked`` takes the
    answer and makes a request due at once when the address differs from the
    mapping's, or when a router that answered the last request says nothing."""

    def __init__(self, retry: Sequence[float] = RETRY, recheck: float = RECHECK,
                 look_every: float = LOOK_EVERY) -> None:
        self.retry, self.recheck, self.look_every = tuple(retry), recheck, look_every
        self.mapping: Mapping | None = None
        self.expires = 0.0  # when the mapping's lease runs out (inf: permanent)
        self.failures = 0
        self.due = 0.0
        self.look_at = float("inf")

    def start(self, now: float) -> None:
        self.due = now

    def granted(self, mapping: Mapping, now: float) -> None:
        self.mapping, self.failures = mapping, 0
        self.look_at = now + self.look_every
        if mapping.lifetime > 0:
            self.expires = now + mapping.lifetime
            self.due = now + min(mapping.lifetime / 2, self.recheck)
        else:
            self.expires = float("inf")
            self.due = now + self.recheck

    def now_due(self, now: float) -> None:
        """Ask at once (the network changed under us)."""
        self.due = min(self.due, now)

    def looked(self, address: str | None, now: float) -> bool:
        """The router says its external address is ``address`` (None: no answer). True
        when that calls for mapping again now (``due`` is now)."""
        self.look_at = now + self.look_every
        mapping = self.current(now)
        if mapping is None or address == mapping.external_ip:
            return False
        if address is None and self.failures:
            return False  # not answering already: the retries' own pace holds
        self.now_due(now)
        return True

    def wake_at(self, now: float) -> float:
        """When something is next to be done: a request, or a look while mapped."""
        return min(self.due, self.look_at) if self.current(now) is not None else self.due

    def failed(self, now: float) -> None:
        self.failures += 1
        wait = self.retry[min(self.failures, len(self.retry)) - 1]
        if self.current(now) is not None and self.expires != float("inf"):
            wait = min(wait, max(1.0, (self.expires - now) / 2))
        self.due = now + wait

    def current(self, now: float) -> Mapping | None:
        if self.mapping is not None and now >= self.expires:
            self.mapping = None
        return self.mapping

    def forget(self) -> None:
        self.mapping, self.expires = None, 0.0
        self.look_at = float("inf")


class Method(Protocol):
    """One way to talk to the router."""

    name: str

    async def map(self, internal_port: int, external_port: int, lease: int) -> Mapping: ...

    async def unmap(self, mapping: Mapping) -> None: ...

    async def address(self) -> str:
        """The router's external address now (``MappingError`` when it does not say)."""
        ...


class Upnp:
    """UPnP-IGD: the same external port when free, else one of a few random ones."""

    name = "upnp"

    def __init__(self, internal_ip: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.internal_ip = internal_ip  # None: the address miniupnpc used to reach it
        self.rng = rng or random.Random()
        self._igd: Igd | None = None

    async def map(self, internal_port: int, external_port: int, lease: int) -> Mapping:
        """Map on the router found last time; if it fails (a restarted router answers
        at a new URL), once more on a router discovered afresh."""
        failure: UpnpError | None = None
        for fresh in ((False, True) if self._igd is not None else (True,)):
            try:
                if fresh or self._igd is None:
                    self._igd = await Igd.discover()
                return await self._map_on(self._igd, internal_port, external_port, lease)
            except UpnpError as exc:
                self._igd, failure = None, exc
        raise MappingError(f"UPnP: {failure}")

    async def _map_on(self, igd: Igd, internal_port: int, external_port: int,
                      lease: int) -> Mapping:
        internal = self.internal_ip or igd.lan_addr
        external_ip = await igd.external_ip()
        tried = [external_port] + [self.rng.randrange(20000, 60000)
                                   for _ in range(OTHER_PORTS)]
        for port in tried:
            holder = await igd.holder(port)
            if holder is not None and holder != (internal, internal_port):
                continue  # someone else's: never take it over
            try:
                await igd.add(port, internal_port, lease, internal)
            except UpnpError as exc:
                if "OnlyPermanentLeasesSupported" in str(exc) or "725" in str(exc):
                    await igd.add(port, internal_port, 0, internal)
                    lease = 0
                elif "Conflict" in str(exc) or "718" in str(exc):
                    continue
                else:
                    raise
            return Mapping(self.name, external_ip, port, internal_port, lease)
        raise MappingError(f"UPnP: the ports tried are taken: {tried}")

    async def unmap(self, mapping: Mapping) -> None:
        if self._igd is None:
            return
        try:
            await self._igd.delete(mapping.external_port)
        except UpnpError as exc:
            raise MappingError(f"UPnP: {exc}") from None

    async def address(self) -> str:
        """Asked of the router found last time (no discovery: that is a mapping's job)."""
        if self._igd is None:
            raise MappingError("UPnP: no router found yet")
        try:
            return await self._igd.external_ip()
        except UpnpError as exc:
            raise MappingError(f"UPnP: {exc}") from None


class NatPmp:
    """NAT-PMP to the default gateway (PCP routers answer it too)."""

    name = "natpmp"

    def __init__(self, gateway: Callable[[], str | None] = natpmp.default_gateway) -> None:
        self.gateway = gateway

    async def map(self, internal_port: int, external_port: int, lease: int) -> Mapping:
        gateway = self.gateway()
        if gateway is None:
            raise MappingError("NAT-PMP: no default gateway")
        try:
            external_ip = natpmp.decode_address_response(
                await natpmp.exchange(gateway, natpmp.encode_address_request()))
            granted = natpmp.decode_map_response(await natpmp.exchange(
                gateway, natpmp.encode_map_request(internal_port, external_port, lease)))
        except (natpmp.NatPmpError, TimeoutError, OSError) as exc:
            raise MappingError(f"NAT-PMP: {exc}") from None
        return Mapping(self.name, external_ip, granted.external_port, internal_port,
                       granted.lifetime)

    async def address(self) -> str:
        gateway = self.gateway()
        if gateway is None:
            raise MappingError("NAT-PMP: no default gateway")
        try:
            return natpmp.decode_address_response(
                await natpmp.exchange(gateway, natpmp.encode_address_request()))
        except (natpmp.NatPmpError, TimeoutError, OSError) as exc:
            raise MappingError(f"NAT-PMP: {exc}") from None

    async def unmap(self, mapping: Mapping) -> None:
        gateway = self.gateway()
        if gateway is None:
            return
        try:
            natpmp.decode_map_response(await natpmp.exchange(
                gateway, natpmp.encode_map_request(mapping.internal_port, 0, 0)))
        except (natpmp.NatPmpError, TimeoutError, OSError) as exc:
            raise MappingError(f"NAT-PMP: {exc}") from None


class PortMapper:
    """Keeps ``port`` (TCP) mapped on the home router while ``run`` runs."""

    def __init__(self, port: int, *, methods: Sequence[Method] | None = None,
                 on_change: Callable[[], None] = lambda: None, lease: int = LEASE,
                 lease_plan: Lease | None = None, internal_ip: str | None = None) -> None:
        self.port = port
        self.methods: list[Method] = (list(methods) if methods is not None
                                      else [Upnp(internal_ip), NatPmp()])
        self.on_change = on_change
        self.lease = lease
        self.plan = lease_plan or Lease()
        self._said_nothing_answers = self._said_double_nat = False
        self._shown: list[str] = []
        self._wake = trio.Event()

    def addrs(self) -> list[str]:
        """The mapped address (a multiaddr) while it holds and is reachable from outside."""
        mapping = self.plan.current(trio.current_time())
        if mapping is None or not from_outside(mapping.external_ip):
            return []
        return [mapping.multiaddr]

    def mapping(self) -> Mapping | None:
        return self.plan.current(trio.current_time())

    def refresh(self) -> None:
        """Ask the router again now: our network may have changed (a new address, a
        new LAN); the mapping and the router's address are read afresh."""
        self.plan.now_due(trio.current_time())
        self._wake.set()

    async def run(self) -> None:
        self.plan.start(trio.current_time())
        try:
            while True:
                with trio.move_on_at(self.plan.wake_at(trio.current_time())):
                    await self._wake.wait()
                self._wake = trio.Event()
                now = trio.current_time()
                if now >= self.plan.look_at and now < self.plan.due:
                    await self._look()
                if trio.current_time() < self.plan.due:
                    continue
                await self._attempt()
                self._changed()
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(REMOVE_WITHIN):
                await self._remove()

    async def _attempt(self) -> None:
        held = self.plan.current(trio.current_time())
        want = held.external_port if held is not None else self.port
        order = self.methods
        if held is not None:  # the one that worked first
            order = sorted(self.methods, key=lambda m: m.name != held.method)
        reasons = []
        with trio.move_on_after(ATTEMPT_WITHIN):
            for method in order:
                try:
                    mapping = await method.map(self.port, want, self.lease)
                except MappingError as exc:
                    reasons.append(str(exc))
                    continue
                self._granted(mapping, renewal=held is not None)
                return
        now = trio.current_time()
        self.plan.failed(now)
        reason = "; ".join(reasons) or f"no answer within {ATTEMPT_WITHIN:.0f} s"
        if held is not None and self.plan.current(now) is None:
            log.info("port mapping lost: %s", reason)
        elif not self._said_nothing_answers and held is None:
            self._said_nothing_answers = True
            log.info("port mapping: no router answered UPnP or NAT-PMP (%s); friends "
                     "outside reach us through a friend's relay instead", reason)
        else:
            log.debug("port mapping: %s; next try in %.0f s", reason, self.plan.due - now)

    async def _look(self) -> None:
        """Ask the router only its external address; map again at once if it changed."""
        held = self.plan.current(trio.current_time())
        method = next((m for m in self.methods if held and m.name == held.method), None)
        if held is None or method is None:
            return
        address: str | None = None
        with trio.move_on_after(LOOK_WITHIN):
            try:
                address = await method.address()
            except MappingError as exc:
                log.debug("port mapping: the router's address: %s", exc)
        if self.plan.looked(address, trio.current_time()):
            log.info("port mapping: the router %s: mapping again",
                     f"is now at {address} (was {held.external_ip})" if address
                     else "does not answer")

    def _granted(self, mapping: Mapping, *, renewal: bool) -> None:
        before = self.plan.current(trio.current_time())
        self.plan.granted(mapping, trio.current_time())
        if renewal and before == mapping:
            log.debug("port mapping renewed: %s", mapping.multiaddr)
            return
        lease = f"lease {mapping.lifetime} s" if mapping.lifetime else "permanent"
        log.info("port mapping (%s): %s reaches our port %d (%s)", mapping.method,
                 mapping.multiaddr, mapping.internal_port, lease)
        if not from_outside(mapping.external_ip) and not self._said_double_nat:
            self._said_double_nat = True
            log.info("port mapping: the router's own address %s is private (a second "
                     "NAT above it, e.g. the provider's): the mapping is not announced",
                     mapping.external_ip)

    def _changed(self) -> None:
        shown = self.addrs()
        if shown != self._shown:
            self._shown = shown
            self.on_change()

    async def _remove(self) -> None:
        mapping = self.plan.mapping
        if mapping is None:
            return
        method = next((m for m in self.methods if m.name == mapping.method), None)
        self.plan.forget()
        if method is None:
            return
        try:
            await method.unmap(mapping)
            log.info("port mapping removed: %s", mapping.multiaddr)
        except MappingError as exc:
            log.info("port mapping not removed (%s): the router drops it when its lease "
                     "ends", exc)
