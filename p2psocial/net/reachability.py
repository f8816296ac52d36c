"""Whether others can reach us: public, port-mapped, behind NAT, or unknown.

    tracker = ReachTracker(public=[])
    tracker.own(["/ip4/192.168.1.4/tcp/4001"], listening=True)
    tracker.observed(friend, "/ip4/198.51.100.7/tcp/53211", now)   # identify says
    tracker.to_confirm(now)            # addresses worth a friend's dial-back
    tracker.dialed_back(friend, "/ip4/198.51.100.7/tcp/4001", ok=False, now=now)
    tracker.state(now)                 # Reachability(BEHIND_NAT, confirmed=True, ...)

Theory of operation. Nothing on this machine can say whether a stranger on the
internet could open a connection to us: a global address may sit behind a firewall,
and a private one behind a router with a port forward. Three kinds of evidence, from
weakest to strongest:

1. **Our own addresses.** Listening on no address, or only on private ones, with no
   port mapping: behind NAT (a guess).
2. **What peers see.** Identify tells each peer the address our connection comes
   from (``observed``). A peer outside our LAN that sees an IP we do not have means a
   NAT translates us: behind NAT (a guess, unless a mapping or forward exists). One
   that sees our own global IP means no NAT on the way: public (a guess: a firewall
   may still drop what comes in).
3. **A friend's dial-back** (dialback.py). We ask a connected friend to open a new
   connection to an address of ours; it arrives with a nonce only we and that friend
   know. Reached at an address a router mapped for us: port-mapped; at another
   address that counts as public: public; not reached at any: behind NAT. Confirmed.

``state(now)`` decides from the strongest evidence at hand. Dial-back results hold
for ``ttl`` seconds and are forgotten as soon as our addresses or our mappings
change. A dial-back that reached a private address (a friend on our LAN) proves only
the LAN, and counts for nothing here. ``public`` ranges are addresses to treat as the
internet (tests on a simulated one, where documentation ranges look private).

Pure: times are passed in (seconds, any clock), no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .ip_parse import multiaddr_ip
from .paths import IPNetwork

DIALBACK_TTL = 3600.0
"""Seconds a dial-back result holds (addresses and routers change)."""
OBSERVED_TTL = 3600.0
"""Seconds an observed address holds after the peer last reported it."""
MAX_OBSERVED = 64
"""Peers whose view of our address is kept (the most recent)."""
MAX_CANDIDATES = 4
"""Addresses one dial-back request asks for."""


class Reach(StrEnum):
    PUBLIC = "public"
    PORT_MAPPED = "port-mapped"
    BEHIND_NAT = "behind-nat"
    UNKNOWN = "unknown"


class Basis(StrEnum):
    """What a ``Reachability`` rests on, weakest first."""

    NOTHING = "nothing"  # no evidence yet
    NOT_LISTENING = "not-listening"  # we accept no connection at all
    OWN_ADDRESSES = "own-addresses"  # only private addresses, no mapping
    MAPPING = "mapping"  # a router mapped a port for us; nobody tried it yet
    OBSERVED = "observed"  # what peers outside our LAN see of us
    DIALBACK = "dialback"  # a friend's dial-back reached us, or did not


@dataclass(frozen=True, slots=True)
class Reachability:
    state: Reach
    basis: Basis
    reachable_at: tuple[str, ...] = ()  # addresses a friend's dial-back reached
    seen_as: tuple[str, ...] = ()  # IPs peers outside our LAN see us at

    @property
    def confirmed(self) -> bool:
        return self.basis is Basis.DIALBACK

    @property
    def accepts_incoming(self) -> bool:
        """Whether someone elsewhere can open a connection to us (as far as we know)."""
        return self.state in (Reach.PUBLIC, Reach.PORT_MAPPED)


UNKNOWN = Reachability(Reach.UNKNOWN, Basis.NOTHING)


@dataclass(slots=True)
class _Result:
    ok: bool
    at: float


@dataclass
class ReachTracker:
    """Evidence about our reachability, and the state it adds up to."""

    public: Sequence[IPNetwork] = ()
    ttl: float = DIALBACK_TTL
    _own: tuple[str, ...] = ()
    _listening: bool = True
    _mapped: tuple[str, ...] = ()
    _observed: dict[bytes, tuple[str, float]] = field(default_factory=dict)
    _results: dict[str, _Result] = field(default_factory=dict)

    # --- evidence --------------------------------------------------------------------

    def own(self, addrs: Iterable[str], *, listening: bool = True) -> bool:
        """Our direct listen addresses (circuit addresses are left out). True if they
        changed, which forgets every dial-back result."""
        direct = tuple(a for a in addrs if "/p2p-circuit" not in a)
        if direct == self._own and listening == self._listening:
            return False
        self._own, self._listening = direct, listening
        self._results.clear()
        return True

    def mapped(self, addrs: Iterable[str]) -> bool:
        """The external addresses routers mapped for us (port mapping); True if they
        changed, which forgets every dial-back result."""
        now = tuple(addrs)
        if now == self._mapped:
            return False
        self._mapped = now
        self._results.clear()
        return True

    def observed(self, peer: bytes, addr: str, now: float) -> None:
        """``peer`` sees our connection come from ``addr`` (identify). Only peers
        outside our LAN should be reported: a LAN neighbour sees our LAN address."""
        if _ip(addr) is None:
            return
        self._observed.pop(peer, None)
        self._observed[peer] = (addr, now)
        while len(self._observed) > MAX_OBSERVED:
            del self._observed[next(iter(self._observed))]

    def dialed_back(self, addr: str, *, ok: bool, now: float) -> None:
        """A friend's dial-back to ``addr`` reached us (``ok``), or did not."""
        self._results[addr] = _Result(ok, now)

    # --- what to ask -----------------------------------------------------------------

    def to_confirm(self, now: float) -> list[str]:
        """Addresses worth a dial-back now, best first, at most ``MAX_CANDIDATES``:
        mapped ones, our own public ones, and every IP peers see us at with our
        listening port (a router with a manual port forward). Addresses with a result
        younger than ``ttl`` are left out."""
        if not self._listening:
            return []
        ports = sorted({p for a in self._own if (p := _port(a)) is not None})
        candidates = list(self._mapped)
        candidates += [a for a in self._own if self._counts(a)]
        for ip in self._seen_ips(now):
            family = "ip6" if ":" in ip else "ip4"
            candidates += [f"/{family}/{ip}/tcp/{port}" for port in ports]
        fresh = [a for a in dict.fromkeys(candidates)
                 if not self._fresh(a, now) and self._counts(a)]
        return fresh[:MAX_CANDIDATES]

    # --- the verdict -------------------------------------------------------------------

    def state(self, now: float) -> Reachability:
        seen = tuple(self._seen_ips(now))
        results = {a: r for a, r in self._results.items()
                   if self._fresh(a, now) and self._counts(a)}
        reached = tuple(a for a, r in results.items() if r.ok)
        if not self._listening or not self._own:
            return Reachability(Reach.BEHIND_NAT, Basis.NOT_LISTENING, seen_as=seen)
        if reached:
            state = (Reach.PUBLIC if any(a not in self._mapped for a in reached)
                     else Reach.PORT_MAPPED)
            return Reachability(state, Basis.DIALBACK, reached, seen)
        if results:  # asked, and nothing reached us
            return Reachability(Reach.BEHIND_NAT, Basis.DIALBACK, (), seen)
        if self._mapped:
            return Reachability(Reach.PORT_MAPPED, Basis.MAPPING, (), seen)
        if seen:
            own_ips = {_ip(a) for a in self._own}
            if all(ip in own_ips for ip in seen):
                return Reachability(Reach.PUBLIC, Basis.OBSERVED, (), seen)
            return Reachability(Reach.BEHIND_NAT, Basis.OBSERVED, (), seen)
        if not any(self._counts(a) for a in self._own):
            return Reachability(Reach.BEHIND_NAT, Basis.OWN_ADDRESSES)
        return UNKNOWN

    # --- helpers -------------------------------------------------------------------------

    def _seen_ips(self, now: float) -> list[str]:
        ips = [_ip(a) for a, at in self._observed.values() if now - at < OBSERVED_TTL]
        return list(dict.fromkeys(ip for ip in ips if ip is not None and self._public(ip)))

    def _fresh(self, addr: str, now: float) -> bool:
        result = self._results.get(addr)
        return result is not None and now - result.at < self.ttl

    def _counts(self, addr: str) -> bool:
        """An address whose reachability means reachability from the internet."""
        ip = _ip(addr)
        return ip is not None and self._public(ip)

    def _public(self, ip_text: str) -> bool:
        ip = ipaddress.ip_address(ip_text)
        return any(ip in net for net in self.public) or ip.is_global


def _ip(addr: str) -> str | None:
    ip = multiaddr_ip(addr)
    return None if ip is None else str(ip)


def _port(addr: str) -> int | None:
    parts = addr.split("/")
    if "tcp" in parts and parts.index("tcp") + 1 < len(parts):
        try:
            return int(parts[parts.index("tcp") + 1])
        except ValueError:
            return None
    return None
